"""Customers: chain-wide records with contact details, preferences, allergies and consent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import attrs

from salonkit.domain.validation import email, non_empty, optional, phone, to_frozenset, to_tuple


@attrs.frozen
class PatchTest:
    """A skin allergy test for colour services, done on ``on`` with ``passed`` as its result."""

    on: dt.date
    passed: bool
    product: str = ""


def _frozen_mapping(value: Mapping[str, str] | None) -> dict[str, str]:
    return dict(value or {})


@attrs.frozen(kw_only=True)
class Customer:
    """A customer of the chain. Personal fields are optional; ``name`` is required.

    ``allergies`` are free-text allergen names matched against a service's contraindications;
    ``consent_marketing`` gates every marketing message; ``language`` picks message templates.
    """

    id: str = attrs.field(validator=non_empty)
    name: str = attrs.field(validator=non_empty)
    phone: str | None = attrs.field(default=None, validator=optional(phone))
    email: str | None = attrs.field(default=None, validator=optional(email))
    birthday: dt.date | None = None
    notes: str = ""
    preferences: Mapping[str, str] = attrs.field(
        factory=dict, converter=_frozen_mapping, hash=False
    )
    preferred_staff: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)
    allergies: frozenset[str] = attrs.field(default=frozenset(), converter=to_frozenset)
    patch_tests: tuple[PatchTest, ...] = attrs.field(default=(), converter=to_tuple)
    consent_marketing: bool = False
    tags: frozenset[str] = attrs.field(default=frozenset(), converter=to_frozenset)
    language: str = "en"
    vip: bool = False
    home_store_id: str | None = None
    version: int = 0

    def last_passed_patch_test(self) -> dt.date | None:
        """Date of the most recent passed patch test, if any."""
        passed = [t.on for t in self.patch_tests if t.passed]
        return max(passed) if passed else None
