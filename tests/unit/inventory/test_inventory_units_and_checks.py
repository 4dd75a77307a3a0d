"""Unit conversions and the checks every posted move goes through."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pendulum
import pytest

from salonkit.domain.catalogue import Product
from salonkit.errors import NotFound, ValidationError
from salonkit.inventory.ledger import StockLedger
from salonkit.inventory.model import Move, MoveType
from salonkit.inventory.units import PACK, factor, from_stock_units, to_stock_units

T0 = pendulum.datetime(2026, 3, 2, 9)


def test_conversions() -> None:
    wax = Product(sku="WAX", name="Wax", unit="g", purchase_unit_size=Decimal(85))
    assert to_stock_units(Decimal(2), PACK, wax) == Decimal(170)
    assert to_stock_units(Decimal("0.5"), "kg", wax) == Decimal(500)
    assert to_stock_units(Decimal(3), None, wax) == Decimal(3)
    assert from_stock_units(Decimal(170), PACK, wax) == Decimal(2)
    assert factor("g", wax) == 1
    for bad in ("ml", "piece", "box"):
        with pytest.raises(ValidationError):
            factor(bad, wax)


def move(kind: MoveType, quantity: str, **fields: object) -> Move:
    values: dict[str, object] = dict(
        id="m1",
        seq=1,
        store_id="s1",
        sku="P",
        type=kind,
        quantity=Decimal(quantity),
        posted_at=T0,
        recorded_at=T0,
        actor="a",
    )
    values.update(fields)
    return Move(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (move(MoveType.RECEIVE, "-1"), "quantity"),
        (move(MoveType.CONSUME, "1"), "quantity"),
        (move(MoveType.ADJUST, "0"), "quantity"),
        (move(MoveType.SELL, "-1", value=Decimal(1)), "value"),
        (move(MoveType.RECEIVE, "1", value=Decimal(-1)), "value"),
        (move(MoveType.TRANSFER_OUT, "-1"), "reference"),
        (move(MoveType.TRANSFER_IN, "1", reference="nope"), None),
    ],
)
def test_posted_moves_are_checked(
    new_ledger: Callable[..., StockLedger], bad: Move, field: str | None
) -> None:
    ledger = new_ledger()
    if field is None:
        with pytest.raises(NotFound):
            ledger.post(bad)
    else:
        with pytest.raises(ValidationError) as err:
            ledger.post(bad)
        assert err.value.field == field
    assert ledger.moves() == []


def test_unknown_product_is_not_found(new_ledger: Callable[..., StockLedger]) -> None:
    with pytest.raises(NotFound):
        new_ledger().post(move(MoveType.RECEIVE, "1", sku="X", value=Decimal(1)))


def test_stock_settings_refuse_negative_or_float_reorder_values() -> None:
    from salonkit.inventory.model import StockSettings

    with pytest.raises(ValidationError, match="stocksettings.reorder_point"):
        StockSettings(reorder_point=Decimal(-1))
    with pytest.raises(ValidationError, match="stocksettings.reorder_quantity"):
        StockSettings(reorder_quantity=2.5)  # type: ignore[arg-type]
