"""Every write lands in the hash-chained audit log; tampering of each kind is detected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

import salonkit
from salonkit.audit import AUDIT_LOG, verify
from salonkit.cli import main
from salonkit.domain.actor import Actor
from salonkit.testing import FrozenClock, SequentialIds


def _salon(url: str) -> salonkit.Salon:
    return salonkit.Salon.open(
        url, clock=FrozenClock(), ids=SequentialIds(), load_entrypoints=False
    )


def _busy_salon(url: str) -> salonkit.Salon:
    salon = _salon(url)
    desk = salon.acting_as(Actor("mei", "front_desk", "flagship"))
    mei = desk.customers.register("Lin Mei", phone="+86 138 0013 8001")
    desk.customers.change(mei.id, notes="prefers Chen")
    salon.customers.register("Wang Fang")
    return salon


def test_writes_are_logged_with_who_before_and_after(any_url: str) -> None:
    salon = _busy_salon(any_url)
    with salon.backend.unit_of_work(readonly=True) as uow:
        log = uow.repo(AUDIT_LOG).select(order_by="seq")
    assert [(e.seq, e.record_kind, e.op, e.user) for e in log] == [
        (1, "customer", "add", "mei"),
        (2, "customer", "update", "mei"),
        (3, "customer", "add", "system"),
    ]
    assert log[1].before is not None and log[1].before["notes"] == ""
    assert log[1].after is not None and log[1].after["notes"] == "prefers Chen"
    assert log[0].role == "front_desk" and log[0].store_id == "flagship"
    report = verify(salon.backend)
    assert report.ok and report.entries == 3 and report.head_hash == log[-1].hash
    salon.close()


def test_rolled_back_use_cases_leave_no_entry(any_url: str) -> None:
    salon = _salon(any_url)
    salon.customers.register("Lin Mei", phone="+86 138 0013 8001")
    with pytest.raises(salonkit.AlreadyExists):
        salon.customers.register("Twin", phone="+86 138 0013 8001")
    assert verify(salon.backend).entries == 1
    salon.close()


def _tamper(db: Path, statement: str, **params: object) -> None:
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.execute(sa.text(statement), params)
    engine.dispose()


@pytest.mark.parametrize("attack", ["change", "remove", "reorder"])
def test_tampering_is_detected(
    tmp_path: Path, attack: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "salon.db"
    _busy_salon(str(db)).close()
    assert main(["audit", "verify", str(db)]) == 0
    assert "3 entries, chain intact" in capsys.readouterr().out
    if attack == "change":
        engine = sa.create_engine(f"sqlite:///{db}")
        with engine.begin() as conn:
            doc = json.loads(
                conn.execute(
                    sa.text("SELECT doc FROM sk_audit_entry WHERE key = '000000000002'")
                ).scalar_one()
            )
            doc["after"]["notes"] = "edited afterwards"
            conn.execute(
                sa.text("UPDATE sk_audit_entry SET doc = :d WHERE key = '000000000002'"),
                {"d": json.dumps(doc)},
            )
        engine.dispose()
    elif attack == "remove":
        _tamper(db, "DELETE FROM sk_audit_entry WHERE key = '000000000002'")
    else:
        _tamper(
            db,
            "UPDATE sk_audit_entry SET doc = CASE key"
            " WHEN '000000000001' THEN (SELECT doc FROM sk_audit_entry WHERE key = '000000000002')"
            " ELSE (SELECT doc FROM sk_audit_entry WHERE key = '000000000001') END"
            " WHERE key IN ('000000000001', '000000000002')",
        )
    assert main(["audit", "verify", str(db)]) == 1
    out = capsys.readouterr().out
    expected = {"change": "changed", "remove": "removed", "reorder": "reordered"}[attack]
    assert expected in out
