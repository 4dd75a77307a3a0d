"""Errors specific to the salon-day optimiser."""

from __future__ import annotations

from salonkit.errors import ValidationError


class InfeasibleDay(ValidationError):
    """The fixed parts of the day (pinned bookings and breaks) cannot all be honoured.

    ``field`` names the pinned request or break that cannot be placed when it is known.
    """


__all__ = ["InfeasibleDay"]
