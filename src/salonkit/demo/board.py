"""The day board: one HTML page with a timeline per staff member and per chair and basin.

Each appointment step is a block placed by its start and length. On a staff member's row, a
step that does not need them (colour processing) is drawn hatched and see-through: that is the
gap they can use for someone else. On a resource row every step holding that unit is solid.
Late-running bookings carry a red edge. Plain HTML and CSS, no script.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Mapping, Sequence

import pendulum

from salonkit.domain.catalogue import Resource, Service
from salonkit.domain.staff import StaffMember
from salonkit.domain.store import Store
from salonkit.reports.utilisation import HeatMap
from salonkit.scheduling.availability import unit_ids
from salonkit.scheduling.model import Appointment, AppointmentStatus

_COLOURS = ("#e07a5f", "#3d85c6", "#81b29a", "#f2cc8f", "#9b72cf", "#5fb4c9", "#d4a373")

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }
h1 { font-size: 1.3rem; margin-bottom: .2rem; }
.sub { color: #666; margin-bottom: 1rem; }
.board { border: 1px solid #ccc; }
.row { display: flex; border-top: 1px solid #eee; height: 34px; }
.row.head { height: 22px; border-top: none; background: #fafafa; font-size: .75rem; }
.row.section { height: 24px; background: #f0f0f0; font-weight: 600; font-size: .8rem;
  align-items: center; padding-left: .5rem; }
.name { width: 180px; flex: none; font-size: .8rem; padding: 0 .5rem; display: flex;
  align-items: center; border-right: 1px solid #ddd; }
.lane { position: relative; flex: 1; }
.hour { position: absolute; top: 0; bottom: 0; border-left: 1px solid #eee; padding-left: 2px;
  color: #888; }
.off { position: absolute; top: 0; bottom: 0; background: repeating-linear-gradient(
  45deg, #f4f4f4, #f4f4f4 4px, #fbfbfb 4px, #fbfbfb 8px); }
.block { position: absolute; top: 4px; bottom: 4px; border-radius: 4px; color: #fff;
  font-size: .68rem; overflow: hidden; white-space: nowrap; padding: 1px 3px;
  box-sizing: border-box; border: 1px solid rgba(0,0,0,.15); }
.block.gap { background-image: repeating-linear-gradient(45deg, rgba(255,255,255,.55),
  rgba(255,255,255,.55) 3px, transparent 3px, transparent 7px); opacity: .55; color: #222; }
.block.done { filter: saturate(.6); }
.block.late { border: 2px solid #c00; }
.legend { margin-top: 1rem; font-size: .8rem; }
.legend span { display: inline-block; margin-right: 1rem; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px;
  vertical-align: middle; margin-right: 4px; }
table.figures { border-collapse: collapse; margin-top: 1rem; font-size: .85rem; }
table.figures td, table.figures th { border: 1px solid #ddd; padding: 3px 8px; text-align: right; }
table.figures th { background: #f6f6f6; }
table.figures td:first-child, table.figures th:first-child { text-align: left; }
"""


def _minutes(instant: dt.datetime, origin: pendulum.DateTime) -> float:
    return (pendulum.instance(instant) - origin).total_seconds() / 60


def render_board(
    *,
    store: Store,
    day: dt.date,
    staff: Sequence[StaffMember],
    resources: Sequence[Resource],
    services: Sequence[Service],
    appointments: Iterable[Appointment],
    customers: Mapping[str, str],
    late: Iterable[str] = (),
    working: Mapping[str, Sequence[tuple[dt.datetime, dt.datetime]]] | None = None,
    figures: Sequence[tuple[str, str]] = (),
    heat: HeatMap | None = None,
) -> str:
    """The day board as an HTML document.

    ``customers`` maps customer ids to names, ``late`` lists the ids of late-running bookings,
    ``working`` gives each staff member's working ranges (the rest of their row is shaded) and
    ``figures`` adds a small table of the day's numbers under the board, ``heat`` the
    utilisation heat map (busy share of each hour, per staff member and resource).
    """
    ranges = store.open_ranges(day)
    if not ranges:
        return f"<!doctype html><title>{html.escape(store.name)}</title><p>Closed on {day}.</p>"
    origin = ranges[0].start.in_timezone(store.timezone).start_of("hour")
    close = ranges[-1].end.in_timezone(store.timezone)
    span = _minutes(close, origin)
    late_ids = set(late)
    colour = {s.id: _COLOURS[i % len(_COLOURS)] for i, s in enumerate(services)}
    names = {s.id: s.name for s in services}
    active = [
        a
        for a in appointments
        if a.status
        in (
            AppointmentStatus.BOOKED,
            AppointmentStatus.CONFIRMED,
            AppointmentStatus.CHECKED_IN,
            AppointmentStatus.COMPLETED,
        )
    ]

    def pos(start: float, length: float) -> str:
        return f"left:{100 * start / span:.3f}%;width:{100 * length / span:.3f}%"

    def block(appt: Appointment, index: int, gap: bool) -> str:
        step = appt.steps[index]
        start = _minutes(appt.starts_at, origin) + step.offset
        classes = ["block"]
        if gap:
            classes.append("gap")
        if appt.status is AppointmentStatus.COMPLETED:
            classes.append("done")
        if appt.id in late_ids:
            classes.append("late")
        who = customers.get(appt.customer_id, appt.customer_id)
        label = f"{who} · {step.name}"
        title = f"{names.get(appt.service_id, appt.service_id)}: {step.name}, {step.minutes} min"
        return (
            f'<div class="{" ".join(classes)}" style="{pos(start, step.minutes)};'
            f'background-color:{colour.get(appt.service_id, "#888")}" '
            f'title="{html.escape(title)}">{html.escape(label)}</div>'
        )

    hours = []
    t = origin
    while t < close:
        hours.append(
            f'<div class="hour" style="left:{100 * _minutes(t, origin) / span:.3f}%">{t:%H:%M}</div>'
        )
        t = t.add(hours=1)
    out = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(store.name)} · {day:%d %b %Y}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(store.name)} · day board</h1>",
        f'<div class="sub">{day:%A %d %B %Y} · {len(active)} appointments · times in '
        f"{html.escape(store.timezone)}</div>",
        '<div class="board">',
        f'<div class="row head"><div class="name"></div><div class="lane">{"".join(hours)}</div></div>',
        '<div class="row section">Staff</div>',
    ]
    for member in staff:
        cells = []
        shifts = (working or {}).get(member.id)
        if shifts is not None:
            cursor = 0.0
            for a, b in sorted(shifts):
                lo, hi = _minutes(a, origin), _minutes(b, origin)
                if lo > cursor:
                    cells.append(f'<div class="off" style="{pos(cursor, lo - cursor)}"></div>')
                cursor = max(cursor, hi)
            if cursor < span:
                cells.append(f'<div class="off" style="{pos(cursor, span - cursor)}"></div>')
        for appt in active:
            if appt.staff_id != member.id:
                continue
            for i, step in enumerate(appt.steps):
                cells.append(block(appt, i, gap=not step.staff_busy))
        out.append(
            f'<div class="row"><div class="name">{html.escape(member.name)}</div>'
            f'<div class="lane">{"".join(cells)}</div></div>'
        )
    for resource in resources:
        out.append(f'<div class="row section">{html.escape(resource.name or resource.kind)}</div>')
        for n, unit in enumerate(unit_ids(resource), start=1):
            cells = []
            for appt in active:
                for i, step in enumerate(appt.steps):
                    if unit in step.units:
                        cells.append(block(appt, i, gap=False))
            out.append(
                f'<div class="row"><div class="name">{html.escape(resource.kind)} {n}</div>'
                f'<div class="lane">{"".join(cells)}</div></div>'
            )
    out.append("</div>")
    out.append('<div class="legend">')
    for service in services:
        out.append(
            f'<span><i class="swatch" style="background:{colour[service.id]}"></i>'
            f"{html.escape(service.name)}</span>"
        )
    out.append(
        '<span><i class="swatch" style="background:#ccc;opacity:.5"></i>'
        "hatched: processing, stylist free</span>"
    )
    out.append('<span><i class="swatch" style="border:2px solid #c00"></i>running late</span>')
    out.append("</div>")
    if figures:
        out.append('<table class="figures"><tr><th>The day</th><th></th></tr>')
        for label, value in figures:
            out.append(f"<tr><td>{html.escape(label)}</td><td>{html.escape(value)}</td></tr>")
        out.append("</table>")
    if heat is not None and heat.hours:
        out.append(_heat_table(heat))
    out.append("</body></html>")
    return "\n".join(out)


def _heat_table(heat: HeatMap) -> str:
    """The heat map as a table: one cell per hour, shaded by how busy it was."""
    rows = ['<table class="figures heat"><tr><th>Utilisation</th>']
    rows.extend(f"<th>{h:02d}</th>" for h in heat.hours)
    rows.append("<th>day</th></tr>")
    for row in (*heat.staff, *heat.resources):
        rows.append(f"<tr><td>{html.escape(row.label)}</td>")
        for i in range(len(heat.hours)):
            share = row.percent(i)
            if share is None:
                rows.append('<td style="background:#f4f4f4"></td>')
            else:
                alpha = min(share, 100) / 100
                rows.append(f'<td style="background:rgba(224,122,95,{alpha:.2f})">{share}%</td>')
        rows.append(f"<td>{row.utilisation:.0%}</td></tr>")
    rows.append("</table>")
    return "".join(rows)


__all__ = ["render_board"]
