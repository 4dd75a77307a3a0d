"""Idempotency keys: a retried request returns what the first one produced, and creates nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from salonkit.errors import IdempotencyConflict
from salonkit.storage.port import UnitOfWork, in_
from salonkit.storage.records import IDEMPOTENCY, IdempotencyRecord


def fingerprint(payload: Any) -> str:
    """A stable digest of a request's content (JSON-serialisable, with ``str`` for the rest)."""
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def recall(uow: UnitOfWork, key: str | None, digest: str) -> IdempotencyRecord | None:
    """The earlier result for ``key``, or ``None`` if the key is new (or not given).

    Raises :class:`~salonkit.IdempotencyConflict` when the key was used for another request.
    """
    if key is None:
        return None
    found = uow.repo(IDEMPOTENCY).find(key)
    if found is not None and found.fingerprint != digest:
        raise IdempotencyConflict(
            f"idempotency key {key!r} was already used for a different request"
        )
    return found


def remember(
    uow: UnitOfWork, key: str | None, digest: str, kind: str, result_id: str, now: dt.datetime
) -> None:
    """Record that ``key`` produced the ``kind`` record ``result_id`` (in the same transaction)."""
    if key is None:
        return
    uow.repo(IDEMPOTENCY).add(
        IdempotencyRecord(
            key=key, fingerprint=digest, result_kind=kind, result_id=result_id, created_at=now
        )
    )


def recall_many(uow: UnitOfWork, digests: Mapping[str, str]) -> dict[str, IdempotencyRecord]:
    """:func:`recall` for many keys in one query: ``{key: digest}`` in, the earlier results of
    the keys already used out. Raises :class:`~salonkit.IdempotencyConflict` like it."""
    if not digests:
        return {}
    found = {r.key: r for r in uow.repo(IDEMPOTENCY).select(in_("key", sorted(digests)))}
    for key, record in found.items():
        if record.fingerprint != digests[key]:
            raise IdempotencyConflict(
                f"idempotency key {key!r} was already used for a different request"
            )
    return found


def remember_many(uow: UnitOfWork, records: Sequence[IdempotencyRecord]) -> None:
    """:func:`remember` for many keys in one write."""
    uow.repo(IDEMPOTENCY).add_many(records)
