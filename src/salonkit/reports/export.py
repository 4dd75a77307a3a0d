"""CSV export of report rows (attrs instances or mappings), for spreadsheets and accountants.

>>> import attrs
>>> @attrs.frozen
... class Row:
...     name: str
...     total: Money
>>> print(to_csv([Row("cut", Money("12.50", "CNY"))]), end="")
name,total,total_currency
cut,12.50,CNY
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from enum import Enum
from typing import Any

import attrs

from salonkit.domain.money import Money, minor_unit_exponent


def _flatten(row: object) -> dict[str, Any]:
    if attrs.has(type(row)):
        items = {f.name: getattr(row, f.name) for f in attrs.fields(type(row))}  # type: ignore[arg-type]
    elif isinstance(row, Mapping):
        items = dict(row)
    else:
        raise TypeError(f"cannot export {type(row).__name__}: use attrs classes or mappings")
    out: dict[str, Any] = {}
    for key, value in items.items():
        if isinstance(value, Money):
            out[key] = f"{value.amount:.{minor_unit_exponent(value.currency)}f}"
            out[f"{key}_currency"] = value.currency
        elif isinstance(value, Enum):
            out[key] = value.value
        elif isinstance(value, (dt.datetime, dt.date, dt.time)):
            out[key] = value.isoformat()
        elif isinstance(value, Decimal):
            out[key] = str(value)
        elif isinstance(value, (list, tuple, frozenset, set)):
            out[key] = ";".join(str(v) for v in value)
        else:
            out[key] = "" if value is None else value
    return out


def to_csv(rows: Iterable[object], columns: Sequence[str] | None = None) -> str:
    """``rows`` as CSV text with a header; Money becomes an amount and a currency column."""
    flat = [_flatten(row) for row in rows]
    header: list[str] = list(columns) if columns is not None else []
    if columns is None:
        for row in flat:
            header.extend(k for k in row if k not in header)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(flat)
    return buffer.getvalue()


__all__ = ["to_csv"]
