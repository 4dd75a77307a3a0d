"""Running another package's use cases inside the checkout's unit of work.

The scheduling, inventory and loyalty services open their own unit of work in every public
method. Checkout must do all of it in ONE transaction, so :func:`enlisted` returns a copy of such
a service whose context hands out a :class:`JoinedUnitOfWork`: a view of the caller's unit of work
that never begins, commits or rolls back on its own. Whatever the service writes, locks and emits
goes into the caller's transaction; an exception anywhere propagates and the caller rolls back
everything. (A ``uow``-taking variant of each use case in those packages would make this
unnecessary; until then this adapter keeps the transaction whole.)
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from types import TracebackType
from typing import Self, TypeVar

import attrs

from salonkit.context import Context
from salonkit.domain.events import DomainEvent
from salonkit.storage.kinds import Kind
from salonkit.storage.port import Repository, UnitOfWork

T = TypeVar("T")
S = TypeVar("S")


class JoinedUnitOfWork(UnitOfWork):
    """A unit of work that delegates everything to ``outer`` and leaves commit to it."""

    def __init__(self, outer: UnitOfWork) -> None:
        super().__init__(None)
        self._outer = outer

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Nothing to do: the outer unit of work commits or rolls back."""

    def emit(self, event: DomainEvent) -> None:
        """Queue ``event`` on the outer unit of work."""
        self._outer.emit(event)

    @property
    def pending_events(self) -> tuple[DomainEvent, ...]:
        """The outer unit of work's events."""
        return self._outer.pending_events

    def repo(self, kind: Kind[T]) -> Repository[T]:
        """The outer unit of work's repository of ``kind``."""
        return self._outer.repo(kind)

    def lock(self, scope: str) -> None:
        """Lock ``scope`` in the outer transaction."""
        self._outer.lock(scope)

    def _begin(self) -> None:  # pragma: no cover - never entered through the base class
        pass

    def _commit(self) -> None:  # pragma: no cover
        pass

    def _rollback(self) -> None:  # pragma: no cover
        pass


@attrs.define
class _JoinedBackend:
    """A backend whose every unit of work is the caller's."""

    outer: UnitOfWork
    url: str = "joined://"

    def unit_of_work(
        self,
        after_commit: Callable[[list[DomainEvent]], None] | None = None,
        *,
        readonly: bool = False,
    ) -> UnitOfWork:
        """A joined view of the outer unit of work."""
        return JoinedUnitOfWork(self.outer)

    def migrate(self) -> None:
        """Nothing to migrate."""

    def close(self) -> None:
        """Nothing to close."""


def joined_context(context: Context, uow: UnitOfWork) -> Context:
    """``context`` whose units of work all join ``uow``."""
    return attrs.evolve(context, backend=_JoinedBackend(uow), before_commit=())


def enlisted(service: S, context: Context, uow: UnitOfWork) -> S:
    """A copy of ``service`` (a class holding its context in ``_ctx``) working inside ``uow``."""
    clone = copy.copy(service)
    clone._ctx = joined_context(context, uow)  # type: ignore[attr-defined]
    return clone


__all__ = ["JoinedUnitOfWork", "enlisted", "joined_context"]
