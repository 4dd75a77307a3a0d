"""Record kinds of the feedback package."""

from __future__ import annotations

import datetime as dt

from salonkit.feedback.model import Complaint, SurveyResponse
from salonkit.storage.kinds import Column, Kind, registry

SURVEYS = registry.register(
    Kind(
        "survey_response",
        SurveyResponse,
        columns=(
            Column("store_id", str),
            Column("customer_id", str),
            Column("staff_id", str),
            Column("at", dt.datetime),
            Column("appointment_id", str),
        ),
        versioned=False,
    )
)
COMPLAINTS = registry.register(
    Kind(
        "complaint",
        Complaint,
        columns=(
            Column("store_id", str),
            Column("customer_id", str),
            Column("status", str, extract=lambda c: c.status.value),
            Column("respond_by", dt.datetime),
            Column("opened_at", dt.datetime),
        ),
    )
)

KINDS = (SURVEYS, COMPLAINTS)

__all__ = ["COMPLAINTS", "KINDS", "SURVEYS"]
