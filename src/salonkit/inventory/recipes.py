"""Service recipes: what a service consumes, posting it, and actual-versus-recipe variance.

A colour service declares 60 ml of dye and 30 ml of developer; at checkout the stylist may
override an amount (or add a product the recipe does not list). :func:`consume_for_service`
posts one consume move per product, all or nothing, each tagged with the service.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Protocol

import attrs

from salonkit.domain.catalogue import Product
from salonkit.domain.money import Money, to_decimal
from salonkit.domain.validation import non_empty
from salonkit.errors import ValidationError
from salonkit.inventory.ledger import StockLedger
from salonkit.inventory.model import MoveType, Posting
from salonkit.inventory.units import to_stock_units

_ZERO = Decimal(0)


class ProductSource(Protocol):
    """Anything that finds a product by SKU (a :class:`StockLedger`, a stock session)."""

    def product(self, sku: str) -> Product:
        """The product ``sku``."""
        ...


def _positive(instance: object, attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        raise ValidationError("recipeline.quantity", f"must be a positive Decimal, got {value!r}")


@attrs.frozen
class RecipeLine:
    """``quantity`` of ``sku`` in ``unit`` (the product's stock unit when ``None``)."""

    sku: str = attrs.field(validator=non_empty)
    quantity: Decimal = attrs.field(validator=_positive)
    unit: str | None = None


def _lines(value: Iterable[RecipeLine]) -> tuple[RecipeLine, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Recipe:
    """What one performance of ``service_id`` consumes."""

    service_id: str = attrs.field(validator=non_empty)
    lines: tuple[RecipeLine, ...] = attrs.field(converter=_lines)
    version: int = 0

    def __attrs_post_init__(self) -> None:
        skus = [line.sku for line in self.lines]
        if len(skus) != len(set(skus)):
            raise ValidationError("recipe.lines", "a product is listed twice")

    @property
    def id(self) -> str:
        """Recipes are identified by their service."""
        return self.service_id

    def in_stock_units(self, ledger: ProductSource) -> dict[str, Decimal]:
        """Each product's quantity in its stock unit."""
        return {
            line.sku: to_stock_units(line.quantity, line.unit, ledger.product(line.sku))
            for line in self.lines
        }


def planned_quantities(
    ledger: ProductSource, recipe: Recipe, overrides: Mapping[str, Decimal] | None = None
) -> dict[str, Decimal]:
    """What to consume: the recipe in stock units, with ``overrides`` (stock units) applied.

    An override of zero skips the product; an override for a product not in the recipe adds it.
    """
    planned = recipe.in_stock_units(ledger)
    for sku, amount in (overrides or {}).items():
        ledger.product(sku)
        value = to_decimal(amount, f"overrides.{sku}")
        if value < 0:
            raise ValidationError(f"overrides.{sku}", "must not be negative")
        planned[sku] = value
    return {sku: qty for sku, qty in planned.items() if qty}


def consume_for_service(
    ledger: StockLedger,
    recipe: Recipe,
    *,
    store_id: str,
    actor: str,
    reference: str | None = None,
    overrides: Mapping[str, Decimal] | None = None,
    at: dt.datetime | None = None,
) -> list[Posting]:
    """Post the consume moves of one performance of the recipe's service (all or nothing)."""
    planned = planned_quantities(ledger, recipe, overrides)
    with ledger.atomic():
        return [
            ledger.consume(
                store_id,
                sku,
                qty,
                actor=actor,
                reference=reference,
                service_id=recipe.service_id,
                at=at,
            )
            for sku, qty in sorted(planned.items())
        ]


@attrs.frozen(kw_only=True)
class VarianceLine:
    """Actual against recipe for one product of one service over a period.

    ``performed`` counts the distinct references (appointments) that consumed for the service.
    ``value`` prices the variance at the average cost of what was actually consumed.
    """

    service_id: str
    sku: str
    performed: int
    expected: Decimal
    actual: Decimal
    variance: Decimal
    cost: Money
    value: Money


def variance_report(
    ledger: StockLedger,
    recipes: Mapping[str, Recipe],
    *,
    store_id: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[VarianceLine]:
    """Compare what services consumed with what their recipes say, per service and product."""
    actual: dict[tuple[str, str], Decimal] = defaultdict(lambda: _ZERO)
    cost: dict[tuple[str, str], Decimal] = defaultdict(lambda: _ZERO)
    performed: dict[str, set[str]] = defaultdict(set)
    for posting in ledger.postings(store_id, since=since, until=until, types=[MoveType.CONSUME]):
        move = posting.move
        if move.service_id is None:
            continue
        actual[(move.service_id, move.sku)] += -move.quantity
        cost[(move.service_id, move.sku)] += posting.cost
        performed[move.service_id].add(move.reference or move.id)
    keys = set(actual)
    for service_id in performed:
        recipe = recipes.get(service_id)
        if recipe is not None:
            keys.update((service_id, line.sku) for line in recipe.lines)
    lines: list[VarianceLine] = []
    for service_id, sku in sorted(keys):
        times = len(performed[service_id])
        recipe = recipes.get(service_id)
        per = recipe.in_stock_units(ledger).get(sku, _ZERO) if recipe is not None else _ZERO
        expected = per * times
        used = actual.get((service_id, sku), _ZERO)
        spent = cost.get((service_id, sku), _ZERO)
        average = spent / used if used else ledger.rate(store_id or "", sku).amount
        variance = used - expected
        lines.append(
            VarianceLine(
                service_id=service_id,
                sku=sku,
                performed=times,
                expected=expected,
                actual=used,
                variance=variance,
                cost=Money(spent, ledger.currency),
                value=Money(variance * average, ledger.currency).round(),
            )
        )
    return lines


__all__ = [
    "ProductSource",
    "Recipe",
    "RecipeLine",
    "VarianceLine",
    "consume_for_service",
    "planned_quantities",
    "variance_report",
]
