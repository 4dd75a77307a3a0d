"""What a salon sells: services (with ordered steps and resources) and products."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Any

import attrs

from salonkit.domain.money import Money
from salonkit.domain.validation import (
    field_name,
    non_empty,
    non_negative_int,
    optional,
    positive_int,
    to_frozenset,
    to_tuple,
    unique_ids,
)
from salonkit.errors import ValidationError


@attrs.frozen
class ServiceStep:
    """One step of a service. ``staff_busy`` is False for processing time (colour developing):
    the stylist is free for someone else while the resources stay held."""

    name: str = attrs.field(validator=non_empty)
    minutes: int = attrs.field(validator=positive_int)
    staff_busy: bool = True
    resources: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)


def _steps(
    instance: object, attribute: attrs.Attribute[Any], value: tuple[ServiceStep, ...]
) -> None:
    if not value:
        raise ValidationError(field_name(instance, attribute), "a service needs at least one step")
    if not any(s.staff_busy for s in value):
        raise ValidationError(
            field_name(instance, attribute), "at least one step must need the staff member"
        )


@attrs.frozen(kw_only=True)
class Service:
    """A bookable service: price, the skill it needs, its ordered steps and buffers in minutes.

    ``contraindications`` are allergens that block the service for a customer allergic to them;
    ``patch_test_days`` (colour) requires a passed patch test within that many days.
    """

    id: str = attrs.field(validator=non_empty)
    name: str = attrs.field(validator=non_empty)
    category: str = "hair"
    price: Money
    skill: str = attrs.field(validator=non_empty)
    steps: tuple[ServiceStep, ...] = attrs.field(converter=to_tuple, validator=[_steps, unique_ids])
    buffer_before: int = attrs.field(default=0, validator=non_negative_int)
    buffer_after: int = attrs.field(default=0, validator=non_negative_int)
    online_bookable: bool = True
    patch_test_days: int | None = attrs.field(default=None, validator=optional(positive_int))
    contraindications: frozenset[str] = attrs.field(default=frozenset(), converter=to_frozenset)
    deposit: Money | None = None
    active: bool = True
    version: int = 0

    @property
    def minutes(self) -> int:
        """Total length of the steps (buffers excluded)."""
        return sum(s.minutes for s in self.steps)

    def step_minutes(self, override: tuple[int, ...] | None = None) -> tuple[int, ...]:
        """Step durations, or a staff member's override when it has one per step."""
        if override is None:
            return tuple(s.minutes for s in self.steps)
        if len(override) != len(self.steps):
            raise ValidationError(
                "staffmember.duration_overrides",
                f"service {self.id} has {len(self.steps)} steps, override gives {len(override)}",
            )
        return override


@attrs.frozen(kw_only=True)
class Resource:
    """A kind of shared resource in a store (chairs, basins, rooms) with how many units exist."""

    id: str = attrs.field(validator=non_empty)
    store_id: str = attrs.field(validator=non_empty)
    kind: str = attrs.field(validator=non_empty)
    capacity: int = attrs.field(validator=positive_int)
    name: str = ""
    version: int = 0


class ProductKind(Enum):
    """Retail products are sold to customers; professional ones are consumed by services."""

    RETAIL = "retail"
    PROFESSIONAL = "professional"


UNITS = frozenset({"ml", "l", "g", "kg", "piece"})


@attrs.frozen(kw_only=True)
class Product:
    """A stocked product. ``sku`` is its id; ``unit`` is the unit stock is counted in.

    ``purchase_unit_size`` is how many ``unit`` one purchase unit holds (500 for a 500 ml bottle).
    """

    sku: str = attrs.field(validator=non_empty)
    name: str = attrs.field(validator=non_empty)
    unit: str = "piece"
    kind: ProductKind = ProductKind.RETAIL
    barcode: str | None = None
    category: str = ""
    price: Money | None = None
    purchase_unit_size: Decimal = Decimal(1)
    active: bool = True
    version: int = 0

    def __attrs_post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValidationError(
                "product.unit", f"must be one of {sorted(UNITS)}, got {self.unit!r}"
            )
        if not isinstance(self.purchase_unit_size, Decimal) or self.purchase_unit_size <= 0:
            raise ValidationError("product.purchase_unit_size", "must be a positive Decimal")

    @property
    def id(self) -> str:
        """Products are identified by their SKU."""
        return self.sku


__all__ = ["UNITS", "Product", "ProductKind", "Resource", "Service", "ServiceStep"]
