"""Surveys and complaints: NPS, low ratings, deadlines and escalation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from salonkit.demo.setup import DemoSalon, open_demo_salon
from salonkit.errors import ValidationError
from salonkit.feedback.model import ComplaintStatus
from salonkit.testing import RecordingListener, RecordingPrinter

DAY = dt.date(2026, 11, 23)


@pytest.fixture
def shop() -> Iterator[tuple[DemoSalon, RecordingListener]]:
    listener = RecordingListener()
    opened = open_demo_salon("memory://", DAY, plugins=[listener], printer=RecordingPrinter())
    yield opened, listener
    opened.salon.close()


def test_survey_summary_and_nps(shop: tuple[DemoSalon, RecordingListener]) -> None:
    demo, listener = shop
    salon: Any = demo.salon
    for customer, rating, recommend, staff in (
        ("cust-01", 5, 10, "ana"),
        ("cust-02", 4, 9, "chen"),
        ("cust-03", 4, 7, "bo"),
        ("cust-04", 2, 3, "bo"),
    ):
        salon.feedback.record_survey(
            "flagship", customer, rating=rating, recommend=recommend, staff_id=staff
        )
    summary = salon.feedback.surveys("flagship", days=(DAY, DAY))
    assert summary.responses == 4 and summary.average_rating == 3.75
    assert summary.nps == 25  # 2 promoters, 1 detractor of 4
    assert summary.by_staff == {"ana": 5.0, "bo": 3.0, "chen": 4.0}
    assert listener.names().count("LowRating") == 1
    with pytest.raises(ValidationError):
        salon.feedback.record_survey("flagship", "cust-01", rating=6)


def test_an_unanswered_complaint_escalates_until_the_top(
    shop: tuple[DemoSalon, RecordingListener],
) -> None:
    demo, listener = shop
    salon: Any = demo.salon
    complaint = salon.feedback.open_complaint(
        "flagship", "cust-05", subject="Colour uneven", staff_id="chen"
    )
    assert complaint.respond_by == demo.clock.now().add(hours=24)
    assert salon.feedback.escalate_overdue() == []
    demo.clock.advance(hours=24)
    (escalated,) = salon.feedback.escalate_overdue()
    assert (escalated.level, escalated.handler) == (1, "store manager")
    demo.clock.advance(hours=24)
    assert salon.feedback.escalate_overdue()[0].handler == "owner"
    demo.clock.advance(hours=24)
    assert salon.feedback.escalate_overdue() == []  # already at the top
    assert listener.names().count("ComplaintEscalated") == 2
    answered = salon.feedback.respond(complaint.id, by="manager", text="Free correction booked")
    assert answered.status is ComplaintStatus.RESPONDED
    resolved = salon.feedback.resolve(complaint.id, by="manager", resolution="Corrected")
    assert resolved.status is ComplaintStatus.RESOLVED
    assert salon.feedback.complaints("flagship", open_only=True) == []
