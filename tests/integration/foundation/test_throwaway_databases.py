"""Throw-away PostgreSQL databases are dropped even when an autovacuum worker is on them (every
PostgreSQL test creates and drops one through the same code)."""

from __future__ import annotations

from unittest import mock

import pytest
from psycopg import errors

from salonkit.testing import databases


def _runner(*failures: BaseException) -> tuple[list[str], object]:
    """A fake ``run`` that raises ``failures`` one per call, then succeeds; records statements."""
    ran: list[str] = []
    pending = list(failures)

    def run(statement: object) -> None:
        ran.append(str(statement.as_string(None)))  # type: ignore[attr-defined]
        if pending:
            raise pending.pop(0)

    return ran, run


def test_a_refused_forced_drop_falls_back_to_a_plain_one() -> None:
    ran, run = _runner(errors.InsufficientPrivilege("must be a member of the role"))
    databases.drop_database(run, "salonkit_test_x")  # type: ignore[arg-type]
    assert ran == [
        'DROP DATABASE IF EXISTS "salonkit_test_x" WITH (FORCE)',
        'DROP DATABASE IF EXISTS "salonkit_test_x"',
    ]


def test_a_database_still_in_use_is_tried_again_then_given_up() -> None:
    busy = errors.ObjectInUse("being accessed by other users")
    ran, run = _runner(errors.InsufficientPrivilege("x"), busy, busy)
    with mock.patch.object(databases, "DROP_PAUSE_S", 0):
        databases.drop_database(run, "d")  # type: ignore[arg-type]
    assert len(ran) == 4 and ran[-1].endswith("WITH (FORCE)")
    ran, run = _runner(*[errors.ObjectInUse("busy")] * 3)
    with (
        mock.patch.object(databases, "DROP_PAUSE_S", 0),
        mock.patch.object(databases, "DROP_ATTEMPTS", 3),
        pytest.raises(errors.ObjectInUse),
    ):
        databases.drop_database(run, "d")  # type: ignore[arg-type]
