"""The day-plan use cases (:meth:`DayPlanService.propose`, :meth:`DayPlanService.apply`).

A thin service over :class:`~salonkit.scheduling.day_plan.DayPlanner`: it loads the optimiser
(OR-Tools, seconds to import) only on first use, so building a :class:`~salonkit.Salon` stays
quick. The salon exposes it as ``salon.day_plans`` (guarded like every namespace under
:meth:`~salonkit.Salon.acting_as`) and through :meth:`~salonkit.Salon.optimize_day` and
:meth:`~salonkit.Salon.apply_day_plan`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from salonkit.context import Context

if TYPE_CHECKING:
    from salonkit.scheduling.day.solver import ProgressCallback
    from salonkit.scheduling.day_plan import AppliedDayPlan, DayPlan, DayPlanner

#: How far (minutes, either way) a booking may move unless told otherwise.
DEFAULT_FLEX_MINUTES = 120


class DayPlanService:
    """Propose re-arrangements of a store's day and apply them (one unit of work each).

    ``DayPlanService(context, store_id=None)``: ``store_id`` is the store used when a call names
    none (a salon with a single store needs none).
    """

    def __init__(self, context: Context, store_id: str | None = None) -> None:
        self._ctx = context
        self._store_id = store_id

    def _planner(self) -> DayPlanner:
        from salonkit.scheduling.day_plan import DayPlanner

        return DayPlanner(self._ctx, self._store_id)

    def propose(
        self,
        date: dt.date,
        *,
        store: str | None = None,
        time_limit: float = 2.0,
        workers: int = 2,
        seed: int = 0,
        deterministic: bool = False,
        pinned: Iterable[str] = (),
        flex_minutes: int | None = DEFAULT_FLEX_MINUTES,
        keep_staff: bool = False,
        verify: bool = True,
        progress: ProgressCallback | None = None,
    ) -> DayPlan:
        """Propose a re-arrangement of ``date``: see
        :meth:`~salonkit.scheduling.day_plan.DayPlanner.propose`. Nothing is written."""
        return self._planner().propose(
            date,
            store=store,
            time_limit=time_limit,
            workers=workers,
            seed=seed,
            deterministic=deterministic,
            pinned=pinned,
            flex_minutes=flex_minutes,
            keep_staff=keep_staff,
            verify=verify,
            progress=progress,
        )

    def apply(self, plan: DayPlan) -> AppliedDayPlan:
        """Write ``plan`` in one unit of work, or nothing: see
        :meth:`~salonkit.scheduling.day_plan.DayPlanner.apply`."""
        return self._planner().apply(plan)


__all__ = ["DEFAULT_FLEX_MINUTES", "DayPlanService"]
