"""The clock port: everything that asks "what time is it?" asks a :class:`Clock`."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import pendulum


@runtime_checkable
class Clock(Protocol):
    """Tells the current instant. Tests pass :class:`salonkit.testing.FrozenClock`."""

    def now(self) -> pendulum.DateTime:
        """The current instant, timezone-aware (UTC)."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> pendulum.DateTime:
        """The current instant in UTC."""
        return pendulum.now("UTC")
