"""Record kinds of the workforce package."""

from __future__ import annotations

import datetime as dt

from salonkit.storage.kinds import Column, Kind, registry
from salonkit.workforce.commission import CommissionPlan
from salonkit.workforce.model import ClockEntry, LateFlag, StepProgress

CLOCK_ENTRIES = registry.register(
    Kind(
        "clock_entry",
        ClockEntry,
        columns=(Column("staff_id", str), Column("store_id", str), Column("day", dt.date)),
    )
)
STEP_PROGRESS = registry.register(
    Kind(
        "step_progress",
        StepProgress,
        columns=(Column("store_id", str), Column("staff_id", str), Column("day", dt.date)),
    )
)
LATE_FLAGS = registry.register(
    Kind(
        "late_flag",
        LateFlag,
        columns=(Column("store_id", str), Column("day", dt.date), Column("caused_by", str)),
    )
)
COMMISSION_PLANS = registry.register(Kind("commission_plan", CommissionPlan))

KINDS = (CLOCK_ENTRIES, STEP_PROGRESS, LATE_FLAGS, COMMISSION_PLANS)

__all__ = ["CLOCK_ENTRIES", "COMMISSION_PLANS", "KINDS", "LATE_FLAGS", "STEP_PROGRESS"]
