"""Dates, times, money and quantities written the way a customer's language writes them (Babel).

Messages are rendered in the customer's language (``Customer.language``: ``"en"``, ``"zh_CN"``,
``"zh-CN"``...) and the store's time zone.

>>> import pendulum
>>> from decimal import Decimal
>>> from salonkit.domain.money import Money
>>> when = pendulum.datetime(2026, 5, 5, 8, 0)
>>> format_when(when, "Asia/Shanghai", "zh_CN")
'2026年5月5日周二 16:00'
>>> format_when(when, "Europe/London", "en")
'Tue, May 5, 2026, 9:00 AM'
>>> format_money(Money(Decimal("85.00"), "CNY"), "zh_CN")
'¥85.00'
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

import pendulum
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_time, match_skeleton
from babel.numbers import format_currency, format_decimal

from salonkit.domain.money import Money

#: The language used when a customer's language is unknown or has no templates.
DEFAULT_LANGUAGE = "en"

# CLDR puts narrow and ordinary no-break spaces in times and amounts; an SMS gateway would then
# have to send the whole message as UCS-2 (70 characters per part instead of 160).
_PLAIN_SPACES = str.maketrans({"\u202f": " ", "\xa0": " "})


def _plain(text: str) -> str:
    return text.translate(_PLAIN_SPACES)


@functools.lru_cache(maxsize=64)
def babel_locale(language: str) -> Locale:
    """The Babel locale for a language tag (``"zh-CN"`` and ``"zh_CN"`` both work); English when
    the tag is empty or unknown."""
    tag = (language or DEFAULT_LANGUAGE).replace("-", "_")
    try:
        return Locale.parse(tag)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LANGUAGE)


@functools.lru_cache(maxsize=64)
def _day_pattern(language: str) -> str:
    """The locale's pattern for weekday, day, month and year (matching a skeleton is slow)."""
    locale = babel_locale(language)
    skeleton = match_skeleton("yMMMEd", locale.datetime_skeletons) or "yMMMEd"
    return str(locale.datetime_skeletons[skeleton].pattern)


def format_when(instant: dt.datetime, timezone: str, language: str) -> str:
    """Weekday, date and time of ``instant`` on the wall clock of ``timezone``."""
    locale = babel_locale(language)
    tz = pendulum.timezone(timezone)
    day = format_datetime(instant, _day_pattern(language), tzinfo=tz, locale=locale)
    time = format_time(instant, "short", tzinfo=tz, locale=locale)
    separator = " " if locale.language in ("zh", "ja", "ko") else ", "
    return _plain(f"{day}{separator}{time}")


def format_clock(instant: dt.datetime, timezone: str, language: str) -> str:
    """Only the time of day of ``instant`` in ``timezone`` (``"4:00 PM"``, ``"16:00"``)."""
    tz = pendulum.timezone(timezone)
    return _plain(format_time(instant, "short", tzinfo=tz, locale=babel_locale(language)))


def format_day(day: dt.date, language: str) -> str:
    """A calendar date in long form (``"May 5, 2026"``, ``"2026年5月5日"``)."""
    return _plain(format_date(day, "long", locale=babel_locale(language)))


def format_money(money: Money, language: str) -> str:
    """An amount with its currency sign as the language writes it."""
    return _plain(format_currency(money.amount, money.currency, locale=babel_locale(language)))


def format_quantity(quantity: Decimal, language: str) -> str:
    """A decimal quantity with the language's separators, without trailing zeros."""
    normal = quantity.normalize() if quantity == quantity.to_integral() else quantity
    return _plain(format_decimal(normal, locale=babel_locale(language)))


__all__ = [
    "DEFAULT_LANGUAGE",
    "babel_locale",
    "format_clock",
    "format_day",
    "format_money",
    "format_quantity",
    "format_when",
]
