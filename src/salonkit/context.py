"""What every use-case service receives: storage, clock, id generator and event delivery.

Services are constructed as ``SomeService(context)`` by the composition root
(:func:`salonkit.bootstrap`); tests build a :class:`Context` over the memory backend with a
frozen clock and predictable ids (see :func:`salonkit.testing.memory_context`).
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from salonkit.domain.actor import SYSTEM, Actor
from salonkit.domain.clock import Clock, SystemClock
from salonkit.domain.events import DomainEvent
from salonkit.domain.ids import IdGenerator, UuidIds
from salonkit.storage.port import Backend, UnitOfWork


def _drop(events: list[DomainEvent]) -> None:
    """Default event sink: nobody listens."""


@attrs.frozen
class Context:
    """Dependencies shared by the services of one salon."""

    backend: Backend
    clock: Clock = attrs.field(factory=SystemClock)
    ids: IdGenerator = attrs.field(factory=UuidIds)
    deliver: Callable[[list[DomainEvent]], None] = _drop
    #: Run inside every writing transaction just before it commits (outbox, audit): see
    #: :attr:`salonkit.storage.UnitOfWork.before_commit`.
    before_commit: tuple[Callable[[UnitOfWork, list[DomainEvent]], None], ...] = ()
    #: Whether writing units of work record their changes (the audit log needs them).
    track_changes: bool = False
    #: Who the use cases run for (recorded in the audit log).
    actor: Actor = SYSTEM

    def unit_of_work(self, *, readonly: bool = False) -> UnitOfWork:
        """A new transaction whose events are delivered to listeners after commit.

        Pass ``readonly=True`` for queries: they then never wait for writers on SQLite.
        """
        uow = self.backend.unit_of_work(after_commit=self.deliver, readonly=readonly)
        if not readonly:
            uow.before_commit.extend(self.before_commit)
            uow.track_changes = self.track_changes
        uow.actor = self.actor
        return uow

    def with_before_commit(
        self, handler: Callable[[UnitOfWork, list[DomainEvent]], None]
    ) -> Context:
        """A copy of this context that also runs ``handler`` before each commit."""
        return attrs.evolve(self, before_commit=(*self.before_commit, handler))
