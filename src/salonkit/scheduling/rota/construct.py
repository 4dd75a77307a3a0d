"""A first roster built one employee at a time, for rotas too large to start from nothing.

Every hard rule concerns one employee's row, so a valid roster can be built row by row: each
employee's row is solved on its own, as a :class:`~salonkit.scheduling.rota.parts.Part` (a
small CP-SAT model of that employee only), against the cover still missing once the rows before
it are placed. A row is first solved with its penalties for half of its share of the time;
when that finds nothing, it is solved for validity alone, which on long horizons (a year, 32
shift types, a band of minutes 720 wide) is many times faster, and then with its penalties
again from that valid row for what is left of its share. Rows of more than
:data:`FEASIBILITY_FIRST` variables go to validity at once. The result is valid by
construction and gives the search a complete starting point. An employee whose rules no row
can meet stops the construction with an error naming them.
"""

from __future__ import annotations

import logging
import time

from salonkit.scheduling.rota.model import NoValidRow, RotaProblem
from salonkit.scheduling.rota.parts import Part, PartResult, WorkingRoster, solve_part

logger = logging.getLogger(__name__)

#: Rows with more shift variables than this are solved for validity first.
FEASIBILITY_FIRST = 3_000


def _row_variables(problem: RotaProblem, employee: int) -> int:
    e = problem.employees[employee]
    types = sum(1 for n in e.contract.max_shifts.values() if n > 0)
    return types * sum(1 for d in range(problem.horizon) if d not in e.days_off)


def construct_roster(
    problem: RotaProblem,
    time_limit: float,
    seed: int = 0,
    workers: int = 1,
    *,
    deterministic: bool = False,
) -> dict[str, tuple[str, ...]] | None:
    """A valid roster built row by row within ``time_limit`` seconds, or ``None``.

    ``None`` when some employee's row was not found in the time given. Raises
    :class:`~salonkit.scheduling.rota.model.NoValidRow` when CP-SAT proves that no row of an
    employee meets their rules. With ``deterministic`` the limit counts CP-SAT's deterministic
    time, so the same seed gives the same roster whatever the machine load.
    """
    return construct_timed(problem, time_limit, seed, workers, deterministic=deterministic)[0]


def construct_timed(
    problem: RotaProblem,
    time_limit: float,
    seed: int = 0,
    workers: int = 1,
    *,
    deterministic: bool = False,
    share: float | None = None,
) -> tuple[dict[str, tuple[str, ...]] | None, float]:
    """:func:`construct_roster`, and the time it used (deterministic time when asked).

    ``share`` (at most ``time_limit``) is the time the rows' penalties may take: each row
    gets an equal part of what is left of it. Finding a valid row may go beyond it, up to
    ``time_limit``, since without every row there is no roster at all.
    """
    started = time.perf_counter()
    target = time_limit if share is None else min(share, time_limit)
    spent = 0.0
    work = WorkingRoster(problem)
    n = len(problem.employees)
    for ei, e in enumerate(problem.employees):
        if not deterministic:
            spent = time.perf_counter() - started
        left = time_limit - spent
        if left <= 0:
            return None, spent
        rows_left = n - ei
        budget = max(0.0, target - spent) / rows_left
        part = Part((ei,), 0, problem.horizon)
        result = PartResult("UNKNOWN", False)
        if budget > 0.02 and _row_variables(problem, ei) <= FEASIBILITY_FIRST:
            result, used = solve_part(
                work,
                part,
                budget / 2,
                workers,
                seed,
                deterministic=deterministic,
                accept_worse=True,
            )
            spent += used
        row_started = spent
        if not result.kept and result.status != "INFEASIBLE":
            limit = min(time_limit - spent, max(budget, 4 * (time_limit - spent) / rows_left))
            result, used = solve_part(
                work,
                part,
                limit,
                workers,
                seed,
                deterministic=deterministic,
                accept_worse=True,
                feasibility=True,
            )
            spent += used
            polish = budget - (spent - row_started)
            if result.kept and polish > 0.2:
                # the valid row as a hint: lower its penalties in what is left of its share
                _, used = solve_part(work, part, polish, workers, seed, deterministic=deterministic)
                spent += used
        if result.status == "INFEASIBLE":
            raise NoValidRow(e.id)
        if not result.kept:
            logger.info("no row found for %s (%s)", e.id, result.status)
            return None, spent
    logger.info("constructed a roster row by row in %.1f s", time.perf_counter() - started)
    if not deterministic:
        spent = time.perf_counter() - started
    return work.roster(), spent


__all__ = ["construct_roster", "construct_timed"]
