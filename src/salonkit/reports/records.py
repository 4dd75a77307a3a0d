"""Record kinds of the reports package: the store's expenses (for the P&L)."""

from __future__ import annotations

import datetime as dt

import attrs

from salonkit.domain.money import Money
from salonkit.domain.validation import non_empty
from salonkit.errors import ValidationError
from salonkit.storage.kinds import Column, Kind, registry


def _positive(instance: object, attribute: attrs.Attribute[Money], value: Money) -> None:
    if not isinstance(value, Money) or value.amount <= 0:
        raise ValidationError("expense.amount", f"must be positive Money, got {value!r}")


@attrs.frozen(kw_only=True)
class Expense:
    """Money the store spent on ``day``: rent, wages, utilities, supplies, marketing..."""

    id: str = attrs.field(validator=non_empty)
    store_id: str = attrs.field(validator=non_empty)
    day: dt.date
    category: str = attrs.field(validator=non_empty)
    amount: Money = attrs.field(validator=_positive)
    note: str = ""
    version: int = 0


EXPENSES = registry.register(
    Kind(
        "expense",
        Expense,
        columns=(Column("store_id", str), Column("day", dt.date), Column("category", str)),
    )
)

KINDS = (EXPENSES,)

__all__ = ["EXPENSES", "KINDS", "Expense"]
