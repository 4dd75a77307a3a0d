"""Who is acting: the user, their role and the store they act in."""

from __future__ import annotations

import attrs

from salonkit.domain.validation import non_empty


@attrs.frozen
class Actor:
    """The person (or process) a use case runs for. ``store_id`` is ``None`` for chain-wide roles.

    >>> Actor("mei", "front_desk", "flagship")
    Actor(user='mei', role='front_desk', store_id='flagship')
    """

    user: str = attrs.field(validator=non_empty)
    role: str = attrs.field(default="owner", validator=non_empty)
    store_id: str | None = None


#: The actor of work done by salonkit itself or by a host that does not say who is acting.
SYSTEM = Actor("system", "system")
