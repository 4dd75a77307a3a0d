"""The floor during the day: when will an appointment's steps happen, and whom does it delay?

From the steps' actual start and finish times (:class:`~salonkit.workforce.model.StepProgress`)
:func:`projected_steps` works out when each step will run: a finished step is where it was, the
step under way ends its planned length after it started (or now, if it has already run over),
and the remaining steps follow back to back. :func:`delays` then looks at the staff member's later
bookings: a booking is late when the time the stylist is needed for it (its staff-busy steps and
buffers) would overlap the time they are still needed for the late-running one. Processing time,
when the stylist is free, never delays anybody; each delayed booking is pushed back by the least
amount that clears the overlap, and may in turn delay the next one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pendulum

from salonkit.scheduling.model import Appointment
from salonkit.workforce.model import StepProgress

Span = tuple[int, int]


def projected_steps(
    appt: Appointment, progress: StepProgress | None, now: dt.datetime
) -> list[tuple[pendulum.DateTime, pendulum.DateTime]]:
    """When each step of ``appt`` ran or will run, given its progress and the time ``now``."""
    now = pendulum.instance(now)
    cursor = pendulum.instance(appt.starts_at)
    out: list[tuple[pendulum.DateTime, pendulum.DateTime]] = []
    for index, step in enumerate(appt.steps):
        started = progress.started[index] if progress and index < len(progress.started) else None
        finished = progress.finished[index] if progress and index < len(progress.finished) else None
        if started is not None:
            begin = pendulum.instance(started)
            end = (
                pendulum.instance(finished)
                if finished is not None
                else max(begin.add(minutes=step.minutes), now)
            )
        else:
            begin = max(cursor, now) if (out or now > cursor) else cursor
            end = begin.add(minutes=step.minutes)
        out.append((begin, end))
        cursor = end
    return out


def projected_end(
    appt: Appointment, progress: StepProgress | None, now: dt.datetime
) -> pendulum.DateTime:
    """When ``appt`` will end."""
    return projected_steps(appt, progress, now)[-1][1]


def _busy(
    appt: Appointment, steps: Sequence[tuple[dt.datetime, dt.datetime]], shift: int = 0
) -> list[Span]:
    """Epoch seconds the stylist is needed for ``appt`` run at ``steps`` (buffers included)."""
    spans = [
        (int(a.timestamp()) + shift, int(b.timestamp()) + shift)
        for step, (a, b) in zip(appt.steps, steps, strict=True)
        if step.staff_busy
    ]
    first, last = steps[0][0], steps[-1][1]
    if appt.buffer_before:
        start = int(first.timestamp()) + shift
        spans.append((start - appt.buffer_before * 60, start))
    if appt.buffer_after:
        end = int(last.timestamp()) + shift
        spans.append((end, end + appt.buffer_after * 60))
    return spans


def _scheduled(appt: Appointment) -> list[tuple[pendulum.DateTime, pendulum.DateTime]]:
    start = pendulum.instance(appt.starts_at)
    return [
        (start.add(minutes=s.offset), start.add(minutes=s.offset + s.minutes)) for s in appt.steps
    ]


def _overlap(a: Sequence[Span], b: Sequence[Span]) -> bool:
    return any(x1 < y2 and y1 < x2 for x1, x2 in a for y1, y2 in b)


def delays(
    appt: Appointment,
    steps: Sequence[tuple[dt.datetime, dt.datetime]],
    later: Sequence[Appointment],
    *,
    tolerance_minutes: int = 5,
) -> list[tuple[Appointment, int]]:
    """The bookings in ``later`` (the same staff member's, after ``appt``, in start order) that
    ``appt`` running at ``steps`` delays, each with the minutes it will start late (more than
    ``tolerance_minutes``)."""
    occupied = _busy(appt, steps)
    out: list[tuple[Appointment, int]] = []
    for booking in later:
        plan = _scheduled(booking)
        mine = _busy(booking, plan)
        shift = 0
        if _overlap(mine, occupied):
            candidates = sorted(
                {o_end - m_start for m_start, _ in mine for _, o_end in occupied if o_end > m_start}
            )
            for candidate in candidates:
                if candidate > 0 and not _overlap(_busy(booking, plan, candidate), occupied):
                    shift = candidate
                    break
        minutes = -(-shift // 60)
        if minutes > tolerance_minutes:
            out.append((booking, minutes))
            occupied += _busy(booking, plan, shift)
        else:
            occupied += mine
    return out


__all__ = ["delays", "projected_end", "projected_steps"]
