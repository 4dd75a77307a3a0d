"""Use cases for stores: open a store, change its hours and closures, list the chain."""

from __future__ import annotations

import attrs

from salonkit.context import Context
from salonkit.domain.events import StoreOpened
from salonkit.domain.store import Closure, OpeningHours, Store
from salonkit.storage.records import STORES


class StoreService:
    """Stores of the chain. ``salon.stores``."""

    def __init__(self, context: Context) -> None:
        self._ctx = context

    def open(self, store: Store) -> Store:
        """Add a store to the chain; :class:`~salonkit.AlreadyExists` if its id is taken."""
        with self._ctx.unit_of_work() as uow:
            uow.repo(STORES).add(store)
            uow.emit(StoreOpened(occurred_at=self._ctx.clock.now(), store_id=store.id))
        return store

    def get(self, store_id: str) -> Store:
        """The store with ``store_id`` (:class:`~salonkit.NotFound` otherwise)."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            return uow.repo(STORES).get(store_id)

    def list(self) -> list[Store]:
        """Every store, by id."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            return uow.repo(STORES).select()

    def set_opening_hours(
        self, store_id: str, hours: tuple[OpeningHours, ...], version: int
    ) -> Store:
        """Replace the weekly opening hours; ``version`` is the one you read (optimistic lock)."""
        with self._ctx.unit_of_work() as uow:
            store = uow.repo(STORES).get(store_id)
            return uow.repo(STORES).update(
                attrs.evolve(store, opening_hours=hours, version=version)
            )

    def add_closure(self, store_id: str, closure: Closure) -> Store:
        """Close the store for a date range (a holiday)."""
        with self._ctx.unit_of_work() as uow:
            store = uow.repo(STORES).get(store_id)
            return uow.repo(STORES).update(attrs.evolve(store, closures=(*store.closures, closure)))
