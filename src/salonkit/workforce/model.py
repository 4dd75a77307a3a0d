"""Attendance and floor records: clock entries, step progress and running-late flags."""

from __future__ import annotations

import datetime as dt

import attrs
import pendulum

from salonkit.domain.time import require_aware
from salonkit.domain.validation import non_empty


def _instant(value: dt.datetime) -> pendulum.DateTime:
    return require_aware(value, "instant")


def _optional(value: dt.datetime | None) -> pendulum.DateTime | None:
    return None if value is None else require_aware(value, "instant")


@attrs.frozen(kw_only=True)
class ClockEntry:
    """A staff member's clocked time: in at ``clock_in``, out at ``clock_out`` (``None`` while
    still working)."""

    id: str = attrs.field(validator=non_empty)
    staff_id: str = attrs.field(validator=non_empty)
    store_id: str = attrs.field(validator=non_empty)
    day: dt.date
    clock_in: pendulum.DateTime = attrs.field(converter=_instant)
    clock_out: pendulum.DateTime | None = attrs.field(default=None, converter=_optional)
    version: int = 0

    @property
    def minutes(self) -> int:
        """Minutes worked (zero while still clocked in)."""
        if self.clock_out is None:
            return 0
        return int((self.clock_out - self.clock_in).total_seconds() // 60)


@attrs.frozen(kw_only=True)
class StepProgress:
    """How far an appointment has got: when each step actually started and finished
    (``id`` is the appointment's id)."""

    id: str = attrs.field(validator=non_empty)
    store_id: str = attrs.field(validator=non_empty)
    staff_id: str = attrs.field(validator=non_empty)
    day: dt.date
    started: tuple[pendulum.DateTime | None, ...] = ()
    finished: tuple[pendulum.DateTime | None, ...] = ()
    version: int = 0

    def current_step(self) -> int | None:
        """The index of the step under way (started, not finished), if any."""
        for i, start in enumerate(self.started):
            if start is not None and (i >= len(self.finished) or self.finished[i] is None):
                return i
        return None


@attrs.frozen(kw_only=True)
class LateFlag:
    """A booking delayed by an earlier one running over (``id`` is the delayed appointment's)."""

    id: str = attrs.field(validator=non_empty)
    store_id: str = attrs.field(validator=non_empty)
    day: dt.date
    staff_id: str
    caused_by: str
    minutes_late: int
    flagged_at: pendulum.DateTime = attrs.field(converter=_instant)
    cleared: bool = False
    version: int = 0


__all__ = ["ClockEntry", "LateFlag", "StepProgress"]
