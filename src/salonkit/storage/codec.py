"""Turning domain records into JSON-safe dicts and back (cattrs, with salonkit's value types).

Every backend stores a record as the dict :func:`unstructure` makes; :func:`structure` rebuilds the
attrs instance, running its validators again.
"""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

import cattrs
import pendulum
from cattrs.gen import make_dict_structure_fn

from salonkit.domain.money import Money

T = TypeVar("T")

converter = cattrs.Converter()


def utc_wall(value: dt.datetime) -> dt.datetime:
    """The naive UTC wall time of an aware ``value`` (naive values are taken as UTC), by plain
    arithmetic: pendulum's zone conversions cost several times more, and every stored
    appointment, move and entry carries a few datetimes."""
    offset = value.utcoffset() or dt.timedelta(0)
    wall = dt.datetime(
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond,
    )
    return wall - offset


def _dt_to_str(value: dt.datetime) -> str:
    return utc_wall(value).replace(tzinfo=dt.UTC).isoformat()


def _str_to_dt(value: Any, _: type) -> pendulum.DateTime:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):  # not ISO 8601 as Python reads it: let pendulum try
        fallback = pendulum.parse(value)
        assert isinstance(fallback, pendulum.DateTime)
        return fallback.in_timezone("UTC")
    u = utc_wall(parsed)
    return pendulum.DateTime(
        u.year, u.month, u.day, u.hour, u.minute, u.second, u.microsecond, tzinfo=pendulum.UTC
    )


converter.register_unstructure_hook(Decimal, str)
converter.register_structure_hook(Decimal, lambda v, _: Decimal(str(v)))
converter.register_unstructure_hook(pendulum.DateTime, _dt_to_str)
converter.register_unstructure_hook(dt.datetime, _dt_to_str)
converter.register_structure_hook(pendulum.DateTime, _str_to_dt)
converter.register_structure_hook(dt.datetime, _str_to_dt)
converter.register_unstructure_hook(dt.date, lambda d: d.isoformat())
converter.register_structure_hook(dt.date, lambda v, _: dt.date.fromisoformat(v))
converter.register_unstructure_hook(dt.time, lambda t: t.isoformat(timespec="minutes"))
converter.register_structure_hook(dt.time, lambda v, _: dt.time.fromisoformat(v))
converter.register_unstructure_hook(
    Money, lambda m: {"amount": str(m.amount), "currency": m.currency}
)
converter.register_structure_hook(Money, lambda v, _: Money(Decimal(v["amount"]), v["currency"]))


def _is_set(cls: Any) -> bool:
    return cls in (set, frozenset) or typing.get_origin(cls) in (set, frozenset)


# Sets become sorted lists, so a stored document is deterministic and JSON-safe.
converter.register_unstructure_hook_func(
    _is_set, lambda s: sorted((converter.unstructure(x) for x in s), key=repr)
)


def structure_hook(
    fast: Callable[[dict[str, Any], type], T], cls: type[T]
) -> Callable[[dict[str, Any], type], T]:
    """A structure hook for ``cls`` trying a hand-written ``fast`` reader first (for records
    read on hot paths: the generated function costs several times more); a document ``fast``
    cannot read goes to the codec's own generated function, so a malformed one fails exactly as
    it would without the hook. Register it with ``converter.register_structure_hook``."""
    generic = make_dict_structure_fn(cls, converter)

    def hook(data: dict[str, Any], _: type) -> T:
        try:
            return fast(data, cls)
        except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError):
            return generic(data, cls)

    return hook


def unstructure(record: object) -> dict[str, Any]:
    """A JSON-safe dict of ``record`` (an attrs instance)."""
    data = converter.unstructure(record)
    assert isinstance(data, dict)
    return data


def structure(data: dict[str, Any], cls: type[T]) -> T:
    """Rebuild an instance of ``cls`` from :func:`unstructure`'s output (validators run again)."""
    try:
        return converter.structure(data, cls)
    except cattrs.BaseValidationError as exc:
        # A validator's own error (ValidationError) is more useful than cattrs' wrapper.
        for inner in exc.exceptions:
            if isinstance(inner, Exception) and type(inner).__module__.startswith("salonkit"):
                raise inner from exc
        raise
