"""Read the Curtois & Qu "Employee Shift Scheduling Benchmark" text format.

The format is plain text: ``#`` starts a comment, each section starts with its name
(``SECTION_HORIZON``, ``SECTION_SHIFTS``, ``SECTION_STAFF``, ``SECTION_DAYS_OFF``,
``SECTION_SHIFT_ON_REQUESTS``, ``SECTION_SHIFT_OFF_REQUESTS``, ``SECTION_COVER``) and holds
comma-separated rows. A row that cannot be read raises :class:`salonkit.errors.ValidationError`
naming the section and the line.
"""

from __future__ import annotations

import os
from pathlib import Path

from salonkit.errors import ValidationError
from salonkit.scheduling.rota.model import (
    Contract,
    CoverRequirement,
    Employee,
    RotaProblem,
    ShiftRequest,
    ShiftType,
)

SECTIONS = (
    "SECTION_HORIZON",
    "SECTION_SHIFTS",
    "SECTION_STAFF",
    "SECTION_DAYS_OFF",
    "SECTION_SHIFT_ON_REQUESTS",
    "SECTION_SHIFT_OFF_REQUESTS",
    "SECTION_COVER",
)

Row = tuple[int, list[str]]


def _sections(text: str) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {}
    current: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("SECTION_"):
            if line not in SECTIONS:
                raise ValidationError(f"line {number}", f"unknown section {line!r}")
            if line in out:
                raise ValidationError(f"line {number}", f"{line} appears twice")
            current = line
            out[current] = []
            continue
        if current is None:
            raise ValidationError(f"line {number}", "data before the first SECTION_ header")
        out[current].append((number, [cell.strip() for cell in line.split(",")]))
    for required in ("SECTION_HORIZON", "SECTION_SHIFTS", "SECTION_STAFF"):
        if required not in out:
            raise ValidationError(required, "missing section")
    return out


def _int(section: str, number: int, cell: str, what: str) -> int:
    try:
        return int(cell)
    except ValueError:
        raise ValidationError(
            f"{section} line {number}", f"{what} must be an integer, got {cell!r}"
        ) from None


def _width(section: str, number: int, cells: list[str], low: int, high: int | None = None) -> None:
    if len(cells) < low or (high is not None and len(cells) > high):
        expected = str(low) if high == low else f"{low}+" if high is None else f"{low}-{high}"
        raise ValidationError(
            f"{section} line {number}", f"expected {expected} fields, got {len(cells)}"
        )


def parse_instance(text: str, name: str = "") -> RotaProblem:
    """Build a :class:`RotaProblem` from the text of a benchmark instance."""
    sections = _sections(text)
    horizon_rows = sections["SECTION_HORIZON"]
    if len(horizon_rows) != 1:
        raise ValidationError("SECTION_HORIZON", "must hold exactly one number")
    number, cells = horizon_rows[0]
    _width("SECTION_HORIZON", number, cells, 1, 1)
    horizon = _int("SECTION_HORIZON", number, cells[0], "horizon")

    shifts: list[ShiftType] = []
    for number, cells in sections["SECTION_SHIFTS"]:
        _width("SECTION_SHIFTS", number, cells, 2, 3)
        blocked = cells[2] if len(cells) == 3 else ""
        shifts.append(
            ShiftType(
                id=cells[0],
                minutes=_int("SECTION_SHIFTS", number, cells[1], "length"),
                forbidden_next=frozenset(s.strip() for s in blocked.split("|") if s.strip()),
            )
        )

    days_off: dict[str, set[int]] = {}
    for number, cells in sections.get("SECTION_DAYS_OFF", []):
        _width("SECTION_DAYS_OFF", number, cells, 1)
        days_off.setdefault(cells[0], set()).update(
            _int("SECTION_DAYS_OFF", number, c, "day") for c in cells[1:] if c
        )

    employees: list[Employee] = []
    for number, cells in sections["SECTION_STAFF"]:
        section = "SECTION_STAFF"
        _width(section, number, cells, 8, 8)
        max_shifts: dict[str, int] = {}
        for item in cells[1].split("|"):
            if not item.strip():
                continue
            shift, sep, count = item.partition("=")
            if not sep:
                raise ValidationError(
                    f"{section} line {number}", f"MaxShifts item {item!r} is not ShiftID=max"
                )
            max_shifts[shift.strip()] = _int(section, number, count.strip(), "MaxShifts")
        values = [_int(section, number, c, "limit") for c in cells[2:]]
        try:
            contract = Contract(
                max_shifts=max_shifts,
                max_minutes=values[0],
                min_minutes=values[1],
                max_consecutive=values[2],
                min_consecutive=values[3],
                min_days_off=values[4],
                max_weekends=values[5],
            )
        except ValidationError as exc:
            raise ValidationError(f"{section} line {number}: {exc.field}", exc.message) from None
        employees.append(
            Employee(id=cells[0], contract=contract, days_off=frozenset(days_off.pop(cells[0], ())))
        )
    if days_off:
        raise ValidationError("SECTION_DAYS_OFF", f"unknown employees {sorted(days_off)}")

    requests: list[ShiftRequest] = []
    for section, kind in (
        ("SECTION_SHIFT_ON_REQUESTS", "on"),
        ("SECTION_SHIFT_OFF_REQUESTS", "off"),
    ):
        for number, cells in sections.get(section, []):
            _width(section, number, cells, 4, 4)
            requests.append(
                ShiftRequest(
                    employee=cells[0],
                    day=_int(section, number, cells[1], "day"),
                    shift=cells[2],
                    weight=_int(section, number, cells[3], "weight"),
                    kind="on" if kind == "on" else "off",
                )
            )

    cover: list[CoverRequirement] = []
    for number, cells in sections.get("SECTION_COVER", []):
        _width("SECTION_COVER", number, cells, 5, 5)
        section = "SECTION_COVER"
        cover.append(
            CoverRequirement(
                day=_int(section, number, cells[0], "day"),
                shift=cells[1],
                requirement=_int(section, number, cells[2], "requirement"),
                under_weight=_int(section, number, cells[3], "under weight"),
                over_weight=_int(section, number, cells[4], "over weight"),
            )
        )
    return RotaProblem(
        horizon=horizon,
        shifts=shifts,
        employees=employees,
        requests=requests,
        cover=cover,
        name=name,
    )


def load_instance(path: str | os.PathLike[str]) -> RotaProblem:
    """Read a benchmark instance file; the problem is named after the file (``Instance1``)."""
    p = Path(path)
    return parse_instance(p.read_text(encoding="utf-8"), name=p.stem)


__all__ = ["SECTIONS", "load_instance", "parse_instance"]
