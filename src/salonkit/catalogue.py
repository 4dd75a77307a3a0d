"""Use cases for what the salon sells and uses: services, resources and products."""

from __future__ import annotations

from salonkit.context import Context
from salonkit.domain.catalogue import Product, Resource, Service
from salonkit.errors import ValidationError
from salonkit.storage import eq
from salonkit.storage.records import PRODUCTS, RESOURCES, SERVICES, STORES


class CatalogueService:
    """Services, resources and products. ``salon.catalogue``."""

    def __init__(self, context: Context) -> None:
        self._ctx = context

    def add_service(self, service: Service) -> Service:
        """Add a bookable service."""
        with self._ctx.unit_of_work() as uow:
            uow.repo(SERVICES).add(service)
        return service

    def service(self, service_id: str) -> Service:
        """The service with ``service_id``."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            return uow.repo(SERVICES).get(service_id)

    def services(self) -> list[Service]:
        """Every active service."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            return [s for s in uow.repo(SERVICES).select() if s.active]

    def add_resource(self, resource: Resource) -> Resource:
        """Add a kind of resource (chairs, basins) to a store; one record per kind and store."""
        with self._ctx.unit_of_work() as uow:
            uow.repo(STORES).get(resource.store_id)
            repo = uow.repo(RESOURCES)
            if repo.count(eq("store_id", resource.store_id), eq("kind", resource.kind)):
                raise ValidationError(
                    "resource.kind", f"store {resource.store_id} already has {resource.kind!r}"
                )
            repo.add(resource)
        return resource

    def resources(self, store_id: str) -> list[Resource]:
        """The resources of a store."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            return uow.repo(RESOURCES).select(eq("store_id", store_id))

    def add_product(self, product: Product) -> Product:
        """Add a stocked product; its barcode, if any, must be unique."""
        with self._ctx.unit_of_work() as uow:
            uow.repo(PRODUCTS).add(product)
        return product

    def product(self, sku: str) -> Product:
        """The product with ``sku``."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            return uow.repo(PRODUCTS).get(sku)

    def product_by_barcode(self, barcode: str) -> Product | None:
        """The product with this barcode, or ``None``."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            found = uow.repo(PRODUCTS).select(eq("barcode", barcode), limit=1)
        return found[0] if found else None
