"""Small validators that raise :class:`salonkit.ValidationError` naming the field."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs
import pendulum

from salonkit.errors import ValidationError

_Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def field_name(instance: object, attribute: attrs.Attribute[Any]) -> str:
    """``"customer.phone"`` style name of an attribute of an instance, used in error messages."""
    return f"{type(instance).__name__.lower()}.{attribute.name}"


def non_empty(instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    """Reject an empty or blank string."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field_name(instance, attribute), "must be a non-empty string")


def positive_int(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    """Reject anything but an ``int`` greater than zero (``bool`` included)."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValidationError(
            field_name(instance, attribute), f"must be a positive integer, got {value!r}"
        )


def non_negative_int(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    """Reject anything but an ``int`` of zero or more."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(
            field_name(instance, attribute), f"must be a non-negative integer, got {value!r}"
        )


def non_negative_decimal(instance: object, attribute: attrs.Attribute[Any], value: Decimal) -> None:
    """Reject floats and negative or non-finite numbers."""
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise ValidationError(
            field_name(instance, attribute), f"must be a non-negative Decimal, got {value!r}"
        )


def aware_datetime(instance: object, attribute: attrs.Attribute[Any], value: dt.datetime) -> None:
    """Reject naive datetimes: salonkit stores instants, always with a zone."""
    if not isinstance(value, dt.datetime):
        raise ValidationError(field_name(instance, attribute), f"must be a datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            field_name(instance, attribute),
            "must be timezone-aware (a naive datetime is ambiguous)",
        )


def optional(validator: _Validator) -> _Validator:
    """Apply ``validator`` unless the value is ``None``."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None:
            validator(instance, attribute, value)

    return check


@functools.cache
def _kept_zone(name: str) -> object:
    """pendulum's zone for ``name``, kept alive. pendulum caches zones weakly, so converting to
    a zone nothing holds reads its file from disk again every time (about 150 µs); every zone a
    record names is held here instead."""
    ZoneInfo(name)  # raises for an unknown name
    return pendulum.timezone(name)


def timezone_name(instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    """Reject a name that is not an IANA time zone known to this machine."""
    if not isinstance(value, str) or not value:
        raise ValidationError(field_name(instance, attribute), "must be an IANA time zone name")
    try:
        _kept_zone(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            field_name(instance, attribute), f"unknown time zone {value!r}"
        ) from exc


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{4,20}$")


def email(instance: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    """Accept ``None`` or a plausible e-mail address."""
    if value is not None and not _EMAIL.match(value):
        raise ValidationError(field_name(instance, attribute), f"not an e-mail address: {value!r}")


def phone(instance: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    """Accept ``None`` or a phone number of digits, spaces, dashes and an optional ``+``."""
    if value is not None and not _PHONE.match(value):
        raise ValidationError(field_name(instance, attribute), f"not a phone number: {value!r}")


def normalise_phone(value: str) -> str:
    """The digits of a phone number with its leading ``+``: the form used for lookups."""
    digits = "".join(ch for ch in value if ch.isdigit())
    return ("+" if value.strip().startswith("+") else "") + digits


def unique_ids(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Reject a collection of items whose ``id`` (or ``name``) repeats."""
    seen: set[object] = set()
    for item in value:
        key = getattr(item, "id", None) or getattr(item, "name", None)
        if key in seen:
            raise ValidationError(field_name(instance, attribute), f"duplicate id {key!r}")
        seen.add(key)


def to_tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    """attrs converter: any iterable to a tuple (typed for mypy's attrs plugin)."""
    return tuple(value)


def to_frozenset(value: Iterable[Any]) -> frozenset[Any]:
    """attrs converter: any iterable to a frozenset."""
    return frozenset(value)
