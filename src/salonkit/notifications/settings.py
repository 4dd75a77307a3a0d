"""Per-store notification settings and the dispatcher's retry policy."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from salonkit.domain.validation import non_empty
from salonkit.errors import ValidationError
from salonkit.notifications.quiet_hours import QuietHours


def _positive(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValidationError(
            f"retry.{attribute.name}", f"must be a positive integer, got {value!r}"
        )


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How often and how soon a failed delivery is tried again: exponential back-off.

    After the n-th failed attempt the next one waits ``first_delay_seconds * factor**(n-1)``
    seconds, at most ``max_delay_seconds``; after ``max_attempts`` attempts the message is
    marked failed.

    >>> [RetryPolicy().delay(n).total_seconds() for n in (1, 2, 3, 8)]
    [60.0, 120.0, 240.0, 3600.0]
    """

    max_attempts: int = attrs.field(default=5, validator=_positive)
    first_delay_seconds: int = attrs.field(default=60, validator=_positive)
    factor: int = attrs.field(default=2, validator=_positive)
    max_delay_seconds: int = attrs.field(default=3600, validator=_positive)

    def delay(self, attempts: int) -> dt.timedelta:
        """How long to wait after the ``attempts``-th failed attempt."""
        exponent = max(attempts - 1, 0)
        seconds = self.first_delay_seconds * self.factor**exponent
        return dt.timedelta(seconds=min(seconds, self.max_delay_seconds))


def _hours(value: Any) -> tuple[int, ...]:
    hours = tuple(value)
    for h in hours:
        if not isinstance(h, int) or isinstance(h, bool) or h < 1:
            raise ValidationError("reminder_hours", f"must be positive whole hours, got {h!r}")
    return tuple(sorted(set(hours), reverse=True))


#: Default quiet hours: 21:00 to 08:00 in the store's zone.
DEFAULT_QUIET_HOURS = QuietHours(dt.time(21), dt.time(8))


@attrs.frozen(kw_only=True)
class NotificationSettings:
    """How a store notifies.

    - ``quiet_hours``: nothing is sent inside them (``None``: no quiet hours).
    - ``reminder_hours``: a reminder goes this many hours before each appointment (several
      allowed, e.g. ``(48, 2)``); a reminder whose time has passed when the booking is made, or
      that quiet hours would push past the start, is not sent.
    - ``channels``: the channels tried for a customer, in order of preference; a customer's
      ``preferences["notify_by"]`` goes first. ``"sms"`` uses the phone, ``"email"`` the e-mail
      address, any other channel ``preferences["<channel>_address"]``.
    - ``survey_delay_hours`` / ``survey_link``: a survey follows a completed appointment (only
      to customers with marketing consent); ``{appointment}`` in the link is replaced by its id.
    - ``birthday_time``: when on the birthday (wall clock) the greeting is due.
    - ``manager_channel`` / ``manager_to`` / ``manager_language``: where low-stock alerts go.
    """

    store_id: str = attrs.field(validator=non_empty)
    quiet_hours: QuietHours | None = DEFAULT_QUIET_HOURS
    reminder_hours: tuple[int, ...] = attrs.field(default=(24,), converter=_hours)
    channels: tuple[str, ...] = ("sms", "email")
    survey_delay_hours: int = 2
    survey_link: str = ""
    birthday_time: dt.time = dt.time(10)
    manager_channel: str | None = None
    manager_to: str | None = None
    manager_language: str = "en"
    version: int = 0


__all__ = ["DEFAULT_QUIET_HOURS", "NotificationSettings", "RetryPolicy"]
