"""The core record kinds: stores, customers, staff, services, resources, products, idempotency keys.

Other packages declare their own kinds in their ``records.py`` the same way.
"""

from __future__ import annotations

import datetime as dt

import attrs

from salonkit.domain.catalogue import Product, Resource, Service
from salonkit.domain.customer import Customer
from salonkit.domain.staff import StaffMember
from salonkit.domain.store import Store
from salonkit.domain.validation import normalise_phone
from salonkit.storage.kinds import Column, Kind, registry


def _phone_key(customer: Customer) -> str | None:
    return normalise_phone(customer.phone) if customer.phone else None


def _email_key(customer: Customer) -> str | None:
    return customer.email.lower() if customer.email else None


STORES = registry.register(Kind("store", Store, cacheable=True))
CUSTOMERS = registry.register(
    Kind(
        "customer",
        Customer,
        columns=(
            Column("name_key", str, extract=lambda c: c.name.casefold(), blind=True),
            Column("phone_key", str, extract=_phone_key, blind=True),
            Column("email_key", str, extract=_email_key, blind=True),
            Column("home_store_id", str),
        ),
        encrypted=(
            "name",
            "phone",
            "email",
            "birthday",
            "notes",
            "allergies",
            "patch_tests",
            "preferences",
        ),
    )
)
STAFF = registry.register(
    Kind("staff", StaffMember, columns=(Column("store_id", str),), cacheable=True)
)
SERVICES = registry.register(
    Kind("service", Service, columns=(Column("category", str),), cacheable=True)
)
RESOURCES = registry.register(
    Kind(
        "resource",
        Resource,
        columns=(Column("store_id", str), Column("kind", str)),
        cacheable=True,
    )
)
PRODUCTS = registry.register(
    Kind(
        "product",
        Product,
        key="sku",
        columns=(Column("barcode", str, unique=True), Column("category", str)),
    )
)


@attrs.frozen(kw_only=True)
class IdempotencyRecord:
    """What a request carrying an idempotency key produced, so a retry returns the same result.

    ``fingerprint`` identifies the request's content: the same key with another fingerprint is an
    :class:`~salonkit.IdempotencyConflict`.
    """

    key: str
    fingerprint: str
    result_kind: str
    result_id: str
    created_at: dt.datetime


IDEMPOTENCY = registry.register(
    Kind(
        "idempotency",
        IdempotencyRecord,
        key="key",
        # written by every booking; nothing looks keys up by kind, so that column has no index
        columns=(Column("created_at", dt.datetime), Column("result_kind", str, indexed=False)),
        append_only=True,
        versioned=False,
        audited=False,
    )
)
