"""The floor during the day: when is an appointment going to finish, and whom does it delay?

From the steps' actual start and finish times (:class:`~salonkit.workforce.model.StepProgress`)
:func:`projected_end` works out when the appointment will end: the step under way ends its
planned length after it started (or now, if it has run over), the remaining steps follow back to
back. :func:`delays` then walks the staff member's later bookings: each one whose hold (its
buffer included) begins before the running end is late by the difference, and its own end moves
by as much, which may delay the next one too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pendulum

from salonkit.scheduling.model import Appointment
from salonkit.workforce.model import StepProgress


def projected_end(
    appt: Appointment, progress: StepProgress | None, now: dt.datetime
) -> pendulum.DateTime:
    """When ``appt`` will end, given its progress so far and the time ``now``."""
    now = pendulum.instance(now)
    cursor = appt.starts_at
    started_any = False
    for index, step in enumerate(appt.steps):
        started = progress.started[index] if progress and index < len(progress.started) else None
        finished = progress.finished[index] if progress and index < len(progress.finished) else None
        if finished is not None:
            cursor = pendulum.instance(finished)
            started_any = True
        elif started is not None:
            cursor = max(pendulum.instance(started).add(minutes=step.minutes), now)
            started_any = True
        else:
            begin = max(cursor, now) if started_any or now > cursor else cursor
            cursor = begin.add(minutes=step.minutes)
    return cursor


def delays(
    appt: Appointment,
    end: dt.datetime,
    later: Sequence[Appointment],
    *,
    tolerance_minutes: int = 5,
) -> list[tuple[Appointment, int]]:
    """The bookings in ``later`` (the same staff member's, after ``appt``, in start order) that
    ``appt`` ending at ``end`` delays, each with the minutes it will start late."""
    running = pendulum.instance(end).add(minutes=appt.buffer_after)
    out: list[tuple[Appointment, int]] = []
    for booking in later:
        late = int((running - booking.held_from).total_seconds() // 60)
        if late <= tolerance_minutes:
            break
        out.append((booking, late))
        running = booking.held_until.add(minutes=late)
    return out


__all__ = ["delays", "projected_end"]
