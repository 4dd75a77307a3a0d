"""Surveys and complaints (pure values) and the complaint policy.

A complaint must get a first response within ``respond_within_hours``; when that deadline passes
unanswered it is escalated one level (shift lead → manager → owner) and gets a new deadline
``escalate_every_hours`` later, up to ``max_level``.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import attrs
import pendulum

from salonkit.domain.time import require_aware
from salonkit.domain.validation import non_empty, positive_int
from salonkit.errors import ValidationError


def _instant(value: dt.datetime) -> pendulum.DateTime:
    return require_aware(value, "instant")


def _optional(value: dt.datetime | None) -> pendulum.DateTime | None:
    return None if value is None else require_aware(value, "instant")


def _between(low: int, high: int) -> Any:
    def check(instance: object, attribute: attrs.Attribute[Any], value: int | None) -> None:
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(
                f"survey.{attribute.name}", f"must be {low} to {high}, got {value!r}"
            )

    return check


@attrs.frozen(kw_only=True)
class SurveyResponse:
    """A customer's answer after a visit: ``rating`` 1-5, ``recommend`` 0-10 (for NPS)."""

    id: str = attrs.field(validator=non_empty)
    store_id: str = attrs.field(validator=non_empty)
    customer_id: str = attrs.field(validator=non_empty)
    rating: int = attrs.field(validator=_between(1, 5))
    recommend: int | None = attrs.field(default=None, validator=_between(0, 10))
    comment: str = ""
    staff_id: str | None = None
    order_id: str | None = None
    appointment_id: str | None = None
    at: pendulum.DateTime = attrs.field(converter=_instant)


class ComplaintStatus(StrEnum):
    """Where a complaint is."""

    OPEN = "open"
    RESPONDED = "responded"
    RESOLVED = "resolved"


#: Who handles a complaint at each escalation level.
LEVELS = ("front desk", "store manager", "owner")


@attrs.frozen(kw_only=True)
class ComplaintNote:
    """A response or an internal note on a complaint."""

    at: pendulum.DateTime = attrs.field(converter=_instant)
    by: str
    text: str


@attrs.frozen(kw_only=True)
class Complaint:
    """A complaint: who, about what, its deadline and escalation level."""

    id: str = attrs.field(validator=non_empty)
    store_id: str = attrs.field(validator=non_empty)
    customer_id: str = attrs.field(validator=non_empty)
    subject: str = attrs.field(validator=non_empty)
    detail: str = ""
    staff_id: str | None = None
    order_id: str | None = None
    opened_at: pendulum.DateTime = attrs.field(converter=_instant)
    respond_by: pendulum.DateTime = attrs.field(converter=_instant)
    status: ComplaintStatus = ComplaintStatus.OPEN
    level: int = 0
    notes: tuple[ComplaintNote, ...] = ()
    resolved_at: pendulum.DateTime | None = attrs.field(default=None, converter=_optional)
    resolution: str = ""
    version: int = 0

    @property
    def handler(self) -> str:
        """Who is responsible at the current level."""
        return LEVELS[min(self.level, len(LEVELS) - 1)]

    def overdue(self, now: dt.datetime) -> bool:
        """True when no response came by the deadline."""
        return self.status is ComplaintStatus.OPEN and now >= self.respond_by


@attrs.frozen(kw_only=True)
class ComplaintPolicy:
    """Response deadline and escalation of a store's complaints."""

    respond_within_hours: int = attrs.field(default=24, validator=positive_int)
    escalate_every_hours: int = attrs.field(default=24, validator=positive_int)
    max_level: int = attrs.field(default=len(LEVELS) - 1, validator=positive_int)


@attrs.frozen(kw_only=True)
class SurveySummary:
    """Survey results of a period: count, average rating, NPS and the average per staff member."""

    responses: int
    average_rating: float
    nps: int | None
    by_staff: dict[str, float] = attrs.field(factory=dict, hash=False)


def summarise(responses: list[SurveyResponse]) -> SurveySummary:
    """Count, average rating, Net Promoter Score (promoters 9-10 minus detractors 0-6, in %)."""
    if not responses:
        return SurveySummary(responses=0, average_rating=0.0, nps=None)
    scored = [r.recommend for r in responses if r.recommend is not None]
    nps = (
        round(
            100
            * (sum(1 for s in scored if s >= 9) - sum(1 for s in scored if s <= 6))
            / len(scored)
        )
        if scored
        else None
    )
    by_staff: dict[str, list[int]] = {}
    for r in responses:
        if r.staff_id:
            by_staff.setdefault(r.staff_id, []).append(r.rating)
    return SurveySummary(
        responses=len(responses),
        average_rating=round(sum(r.rating for r in responses) / len(responses), 2),
        nps=nps,
        by_staff={k: round(sum(v) / len(v), 2) for k, v in sorted(by_staff.items())},
    )


__all__ = [
    "LEVELS",
    "Complaint",
    "ComplaintNote",
    "ComplaintPolicy",
    "ComplaintStatus",
    "SurveyResponse",
    "SurveySummary",
    "summarise",
]
