"""Events of the loyalty package, delivered to listeners after the unit of work commits."""

from __future__ import annotations

import attrs

from salonkit.domain.events import DomainEvent
from salonkit.domain.money import Money


@attrs.frozen(kw_only=True)
class PointsEarned(DomainEvent):
    """A member earned ``points`` (on ``order_id`` or for ``action``); ``available`` after it."""

    member_id: str
    points: int
    order_id: str | None = None
    action: str | None = None
    available: int = 0


@attrs.frozen(kw_only=True)
class PointsRedeemed(DomainEvent):
    """A member spent ``points`` on ``order_id`` for ``discount`` off."""

    member_id: str
    points: int
    order_id: str
    discount: Money
    available: int = 0


@attrs.frozen(kw_only=True)
class TierChanged(DomainEvent):
    """A member moved from tier ``old`` to ``new`` (``move`` is ``"upgrade"``/``"downgrade"``)."""

    member_id: str
    old: str
    new: str
    move: str


@attrs.frozen(kw_only=True)
class WalletLow(DomainEvent):
    """A payment left a member's wallet ``balance`` below the policy's ``threshold``."""

    member_id: str
    balance: Money
    threshold: Money
