"""The audit log: every write, with who, when, before and after, in a hash chain.

Each :class:`AuditEntry` stores the SHA-256 of its own content together with the previous entry's
hash, so changing, removing or reordering any entry breaks the chain, and :func:`verify` finds it.
Entries are appended inside the same transaction as the writes they describe (a before-commit
handler, serialised by ``uow.lock("audit")``), so the log never misses a committed change and never
records a rolled-back one.

What the chain cannot show on its own: someone with write access to the database who rewrites the
*whole* chain from the tampered entry on, or cuts entries off its end. Record the head hash
(``salonkit audit head DB``) somewhere else, for instance in the daily report, and compare it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from typing import Any

import attrs

from salonkit.context import Context
from salonkit.domain.events import DomainEvent
from salonkit.storage.codec import unstructure
from salonkit.storage.kinds import Column, Kind, registry
from salonkit.storage.port import Backend, UnitOfWork

GENESIS = "0" * 64


@attrs.frozen(kw_only=True)
class AuditEntry:
    """One write: ``op`` (add/update/remove) of record ``record_key`` of ``record_kind``."""

    seq: int
    at: dt.datetime
    user: str
    role: str
    store_id: str | None
    record_kind: str
    record_key: str
    op: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    prev_hash: str
    hash: str

    @property
    def id(self) -> str:
        """Zero-padded sequence number, so ids sort in chain order."""
        return f"{self.seq:012d}"


AUDIT_LOG = registry.register(
    Kind(
        "audit_entry",
        AuditEntry,
        columns=(
            Column("seq", int, unique=True),
            Column("at", dt.datetime),
            Column("record_kind", str),
            Column("record_key", str),
            Column("user", str),
        ),
        append_only=True,
        versioned=False,
        audited=False,
    )
)


def entry_hash(entry: AuditEntry) -> str:
    """The SHA-256 of an entry's content (everything but ``hash``), its ``prev_hash`` included."""
    content = unstructure(entry)
    content.pop("hash", None)
    text = json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _head(uow: UnitOfWork) -> AuditEntry | None:
    found = uow.repo(AUDIT_LOG).select(order_by="seq", descending=True, limit=1)
    return found[0] if found else None


def make_handler(context: Context) -> Any:
    """The before-commit handler that appends an entry for each change of the transaction."""

    def append_entries(uow: UnitOfWork, events: list[DomainEvent]) -> None:
        done = getattr(uow, "_audited_changes", 0)
        pending = uow.changes[done:]
        if not pending:
            return
        uow.lock("audit")
        head = _head(uow)
        seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
        now = context.clock.now()
        actor = uow.actor
        entries = []
        for change in pending:
            seq += 1
            draft = AuditEntry(
                seq=seq,
                at=now,
                user=actor.user,
                role=actor.role,
                store_id=actor.store_id,
                record_kind=change.kind,
                record_key=change.key,
                op=change.op,
                before=change.before,
                after=change.after,
                prev_hash=prev,
                hash="",
            )
            prev = entry_hash(draft)
            entries.append(attrs.evolve(draft, hash=prev))
        uow.repo(AUDIT_LOG).add_many(entries)
        uow._audited_changes = len(uow.changes)  # type: ignore[attr-defined]

    return append_entries


def with_audit(context: Context) -> Context:
    """A copy of ``context`` whose writing units of work append to the audit log."""
    return attrs.evolve(context.with_before_commit(make_handler(context)), track_changes=True)


@attrs.frozen
class AuditReport:
    """The result of :func:`verify`: ``ok`` when the chain is intact."""

    entries: int
    head_hash: str
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems


def entries(backend: Backend) -> Iterator[AuditEntry]:
    """Every audit entry, in stored-key order (which is chain order unless someone reordered)."""
    with backend.unit_of_work(readonly=True) as uow:
        yield from uow.repo(AUDIT_LOG).select()


def verify(backend: Backend) -> AuditReport:
    """Walk the chain and report every changed, missing or reordered entry."""
    problems: list[str] = []
    prev = GENESIS
    expected_seq = 1
    count = 0
    for entry in entries(backend):
        count += 1
        if entry.seq != expected_seq:
            problems.append(
                f"entry {entry.id}: expected sequence {expected_seq}, found {entry.seq} (removed or reordered)"
            )
        if entry.prev_hash != prev:
            problems.append(
                f"entry {entry.id}: does not follow the previous entry (removed or reordered before it)"
            )
        if entry_hash(entry) != entry.hash:
            problems.append(f"entry {entry.id}: content does not match its hash (changed)")
        prev = entry.hash
        expected_seq = entry.seq + 1
    return AuditReport(count, prev, tuple(problems))
