"""Reference data kept between transactions, checked with one tiny read.

Stores, staff, services, resources and booking rules are read by every booking but change a few
times a day. Their kinds are declared ``cacheable``: a unit of work that writes any such record
bumps the database's :class:`ReferenceStamp` as it commits, in the same transaction. A
:class:`ReferenceCache` keeps the records it read together with the stamp's version; the next
transaction reads the stamp (one row) and reuses every record while the version is unchanged.
This holds across processes, since the stamp lives in the database.

Records read after the stamp inside one transaction are at least as new as the stamp, so a
cache can hold a record newer than its version says, never an older one; a writer that commits
after the read bumps the version and the next reader starts afresh.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from salonkit.errors import NotFound
from salonkit.storage.kinds import Kind, registry

if TYPE_CHECKING:
    from salonkit.storage.port import Condition, UnitOfWork

T = TypeVar("T")

#: The id of the single stamp row.
STAMP_ID = "reference"


@attrs.frozen
class ReferenceStamp:
    """How many committed transactions changed reference data (cacheable kinds)."""

    id: str
    version: int = 0


REFERENCE_STAMPS = registry.register(Kind("reference_stamp", ReferenceStamp, audited=False))


def reference_version(uow: UnitOfWork) -> int:
    """The reference stamp's version as seen by ``uow`` (0 before any reference data was
    written)."""
    stamp = uow.repo(REFERENCE_STAMPS).find(STAMP_ID)
    return stamp.version if stamp is not None else 0


def bump_reference_stamp(uow: UnitOfWork) -> None:
    """Record in ``uow`` that reference data changed. Called by the unit of work itself just
    before it commits a transaction that wrote a cacheable record; writers are serialised on
    the stamp so concurrent changes of reference data never fail on it."""
    uow.lock("reference-stamp")
    repo = uow.repo(REFERENCE_STAMPS)
    stamp = repo.find(STAMP_ID)
    if stamp is None:
        repo.add(ReferenceStamp(id=STAMP_ID, version=1))
    else:
        repo.update(stamp)


@attrs.frozen
class _Generation:
    version: int
    records: dict[tuple[str, str], Any] = attrs.field(factory=dict)
    selections: dict[tuple[str, tuple[Condition, ...]], tuple[Any, ...]] = attrs.field(factory=dict)


class ReferenceView:
    """The cache as seen by one unit of work: records of cacheable kinds by key or by query."""

    def __init__(self, uow: UnitOfWork, generation: _Generation | None) -> None:
        self.uow = uow
        self._generation = generation

    @staticmethod
    def _check(kind: Kind[Any]) -> None:
        if not kind.cacheable:
            raise ValueError(f"record kind {kind.name!r} is not cacheable")

    def find(self, kind: Kind[T], key: str) -> T | None:
        """The record of ``kind`` with id ``key``, or ``None``."""
        self._check(kind)
        generation = self._generation
        if generation is None:
            return self.uow.repo(kind).find(key)
        slot = (kind.name, key)
        if slot in generation.records:
            return generation.records[slot]  # type: ignore[no-any-return]
        found = self.uow.repo(kind).find(key)
        generation.records[slot] = found
        return found

    def get(self, kind: Kind[T], key: str) -> T:
        """The record of ``kind`` with id ``key``; :class:`~salonkit.NotFound` when missing."""
        found = self.find(kind, key)
        if found is None:
            raise NotFound(kind.name, key)
        return found

    def select(self, kind: Kind[T], *where: Condition) -> list[T]:
        """Records of ``kind`` matching every condition (as :meth:`Repository.select`)."""
        self._check(kind)
        generation = self._generation
        if generation is None:
            return self.uow.repo(kind).select(*where)
        slot = (kind.name, where)
        found = generation.selections.get(slot)
        if found is None:
            found = generation.selections[slot] = tuple(self.uow.repo(kind).select(*where))
        return list(found)


class ReferenceCache:
    """Records of cacheable kinds, kept while the reference stamp is unchanged.

    Use one per long-lived service object::

        view = cache.view(uow)          # reads the stamp: one small query
        store = view.get(STORES, "flagship")

    Safe to share between threads: a generation is replaced whole, never emptied in place.
    A unit of work that has itself written reference data reads around the cache.
    """

    def __init__(self) -> None:
        self._generation: _Generation | None = None
        self._lock = threading.Lock()

    def view(self, uow: UnitOfWork) -> ReferenceView:
        """The cache for ``uow``: current records, re-read when the stamp has moved."""
        if uow.wrote_cacheable:
            return ReferenceView(uow, None)
        version = reference_version(uow)
        with self._lock:
            generation = self._generation
            if generation is None or generation.version != version:
                generation = self._generation = _Generation(version)
        return ReferenceView(uow, generation)

    def clear(self) -> None:
        """Forget everything (the next view reads afresh)."""
        with self._lock:
            self._generation = None


__all__ = [
    "REFERENCE_STAMPS",
    "STAMP_ID",
    "ReferenceCache",
    "ReferenceStamp",
    "ReferenceView",
    "bump_reference_stamp",
    "reference_version",
]
