"""Feedback use cases: ``salon.feedback``. Each writing method is one unit of work."""

from __future__ import annotations

import datetime as dt

import attrs
import pendulum

from salonkit.context import Context
from salonkit.domain.events import DomainEvent
from salonkit.domain.time import require_aware, wall_to_instant
from salonkit.errors import ValidationError
from salonkit.feedback.model import (
    Complaint,
    ComplaintNote,
    ComplaintPolicy,
    ComplaintStatus,
    SurveyResponse,
    SurveySummary,
    summarise,
)
from salonkit.feedback.records import COMPLAINTS, SURVEYS
from salonkit.storage.port import eq, ge, in_, le, lt
from salonkit.storage.records import CUSTOMERS, STORES


@attrs.frozen(kw_only=True)
class ComplaintEscalated(DomainEvent):
    """A complaint went unanswered past its deadline and moved up to ``handler``."""

    complaint_id: str
    level: int
    handler: str


@attrs.frozen(kw_only=True)
class LowRating(DomainEvent):
    """A survey came back with a rating of 2 or less."""

    response_id: str
    customer_id: str
    rating: int
    staff_id: str | None = None


class FeedbackService:
    """Surveys and complaints. ``policy`` sets complaint deadlines and escalation."""

    def __init__(self, context: Context, policy: ComplaintPolicy | None = None) -> None:
        self._ctx = context
        self.policy = policy or ComplaintPolicy()

    def _now(self) -> pendulum.DateTime:
        return require_aware(self._ctx.clock.now(), "clock.now")

    # -- surveys ---------------------------------------------------------------------------

    def record_survey(
        self,
        store_id: str,
        customer_id: str,
        *,
        rating: int,
        recommend: int | None = None,
        comment: str = "",
        staff_id: str | None = None,
        order_id: str | None = None,
        appointment_id: str | None = None,
    ) -> SurveyResponse:
        """Store a survey answer; a rating of 2 or less raises :class:`LowRating`."""
        now = self._now()
        with self._ctx.unit_of_work() as uow:
            uow.repo(STORES).get(store_id)
            uow.repo(CUSTOMERS).get(customer_id)
            response = SurveyResponse(
                id=self._ctx.ids.new("survey"),
                store_id=store_id,
                customer_id=customer_id,
                rating=rating,
                recommend=recommend,
                comment=comment,
                staff_id=staff_id,
                order_id=order_id,
                appointment_id=appointment_id,
                at=now,
            )
            uow.repo(SURVEYS).add(response)
            if rating <= 2:
                uow.emit(
                    LowRating(
                        occurred_at=now,
                        store_id=store_id,
                        response_id=response.id,
                        customer_id=customer_id,
                        rating=rating,
                        staff_id=staff_id,
                    )
                )
            return response

    def surveys(self, store_id: str, *, days: tuple[dt.date, dt.date]) -> SurveySummary:
        """Survey results of the store's local days ``days`` (inclusive)."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            store = uow.repo(STORES).get(store_id)
            start = wall_to_instant(days[0], dt.time(0), store.timezone)
            end = wall_to_instant(days[1] + dt.timedelta(days=1), dt.time(0), store.timezone)
            found = uow.repo(SURVEYS).select(
                eq("store_id", store_id), ge("at", start), lt("at", end)
            )
        return summarise(found)

    # -- complaints ------------------------------------------------------------------------

    def open_complaint(
        self,
        store_id: str,
        customer_id: str,
        *,
        subject: str,
        detail: str = "",
        staff_id: str | None = None,
        order_id: str | None = None,
    ) -> Complaint:
        """Record a complaint, due for a first response within the policy's hours."""
        now = self._now()
        with self._ctx.unit_of_work() as uow:
            uow.repo(STORES).get(store_id)
            uow.repo(CUSTOMERS).get(customer_id)
            complaint = Complaint(
                id=self._ctx.ids.new("complaint"),
                store_id=store_id,
                customer_id=customer_id,
                subject=subject,
                detail=detail,
                staff_id=staff_id,
                order_id=order_id,
                opened_at=now,
                respond_by=now.add(hours=self.policy.respond_within_hours),
            )
            return uow.repo(COMPLAINTS).add(complaint)

    def respond(self, complaint_id: str, *, by: str, text: str) -> Complaint:
        """Answer a complaint (it stops the escalation clock)."""
        if not text.strip():
            raise ValidationError("text", "a response needs some text")
        now = self._now()
        with self._ctx.unit_of_work() as uow:
            repo = uow.repo(COMPLAINTS)
            complaint = repo.get(complaint_id)
            if complaint.status is ComplaintStatus.RESOLVED:
                raise ValidationError("complaint", "is already resolved")
            return repo.update(
                attrs.evolve(
                    complaint,
                    status=ComplaintStatus.RESPONDED,
                    notes=(*complaint.notes, ComplaintNote(at=now, by=by, text=text)),
                )
            )

    def resolve(self, complaint_id: str, *, by: str, resolution: str) -> Complaint:
        """Close a complaint with its resolution."""
        now = self._now()
        with self._ctx.unit_of_work() as uow:
            repo = uow.repo(COMPLAINTS)
            complaint = repo.get(complaint_id)
            return repo.update(
                attrs.evolve(
                    complaint,
                    status=ComplaintStatus.RESOLVED,
                    resolved_at=now,
                    resolution=resolution,
                    notes=(*complaint.notes, ComplaintNote(at=now, by=by, text=resolution)),
                )
            )

    def escalate_overdue(self) -> list[Complaint]:
        """Escalate every open complaint past its deadline by one level (run it periodically)."""
        now = self._now()
        out = []
        with self._ctx.unit_of_work() as uow:
            repo = uow.repo(COMPLAINTS)
            for complaint in repo.select(
                eq("status", ComplaintStatus.OPEN.value), le("respond_by", now)
            ):
                if complaint.level >= self.policy.max_level:
                    continue
                escalated = repo.update(
                    attrs.evolve(
                        complaint,
                        level=complaint.level + 1,
                        respond_by=now.add(hours=self.policy.escalate_every_hours),
                    )
                )
                uow.emit(
                    ComplaintEscalated(
                        occurred_at=now,
                        store_id=complaint.store_id,
                        complaint_id=complaint.id,
                        level=escalated.level,
                        handler=escalated.handler,
                    )
                )
                out.append(escalated)
        return out

    def complaints(self, store_id: str, *, open_only: bool = False) -> list[Complaint]:
        """The store's complaints, oldest first."""
        conditions = [eq("store_id", store_id)]
        if open_only:
            conditions.append(
                in_("status", (ComplaintStatus.OPEN.value, ComplaintStatus.RESPONDED.value))
            )
        with self._ctx.unit_of_work(readonly=True) as uow:
            return uow.repo(COMPLAINTS).select(*conditions, order_by="opened_at")


__all__ = ["ComplaintEscalated", "FeedbackService", "LowRating"]
