"""Why a message is sent: its purpose decides its template and whether consent is needed."""

from __future__ import annotations

from enum import StrEnum


class Purpose(StrEnum):
    """The purpose of a notification; each has a template per language."""

    CONFIRMATION = "confirmation"
    REMINDER = "reminder"
    RESCHEDULE = "reschedule"
    CANCELLATION = "cancellation"
    WAITLIST_OFFER = "waitlist_offer"
    BIRTHDAY = "birthday"
    CAMPAIGN = "campaign"
    SURVEY = "survey"
    LOW_STOCK = "low_stock"


#: Purposes that are marketing: never sent to a customer without ``consent_marketing``.
#: A satisfaction survey counts as marketing (the conservative reading of most e-privacy rules).
MARKETING: frozenset[Purpose] = frozenset({Purpose.BIRTHDAY, Purpose.CAMPAIGN, Purpose.SURVEY})


def is_marketing(purpose: Purpose) -> bool:
    """True when ``purpose`` needs the customer's marketing consent.

    >>> is_marketing(Purpose.CAMPAIGN), is_marketing(Purpose.REMINDER)
    (True, False)
    """
    return purpose in MARKETING


__all__ = ["MARKETING", "Purpose", "is_marketing"]
