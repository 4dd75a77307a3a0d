"""A whole demo day, then the data-protection operations on it.

- backed up from SQLite and restored into PostgreSQL, every record of every kind matches and the
  day's report, stock, points and wallet balances read the same;
- a customer with orders erased: their personal fields are gone everywhere readable, while the
  day's report, the ledgers and the audit chain are unchanged.
"""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

import salonkit
from salonkit.audit import verify
from salonkit.backup import backup, restore
from salonkit.demo.day import run_day
from salonkit.demo.seed import OPENING_STOCK, STORE_ID
from salonkit.demo.setup import open_demo_salon
from salonkit.storage.catalog import all_kinds
from salonkit.storage.codec import unstructure
from salonkit.testing import RecordingPrinter

pytestmark = pytest.mark.e2e

DAY = dt.date(2026, 11, 23)
KEYS = "k1:" + base64.b64encode(b"7" * 32).decode()


def _everything(salon: Any) -> dict[str, list[dict[str, Any]]]:
    with salon.backend.unit_of_work(readonly=True) as uow:
        return {
            kind.name: [unstructure(r) for r in uow.repo(kind).select()] for kind in all_kinds()
        }


def _balances(salon: Any) -> dict[str, Any]:
    members = sorted({o.customer_id for o in salon.orders.find(store=STORE_ID) if o.customer_id})
    return {
        "report": salon.reports.day(STORE_ID, DAY),
        "stock": {sku: salon.inventory.on_hand(STORE_ID, sku) for sku, *_ in OPENING_STOCK},
        "points": {m: salon.loyalty.balance(m).total for m in members},
        "wallet": {m: salon.wallet.balance(m).total for m in members},
        "wallet_liability": salon.wallet.liability(),
    }


def test_a_day_on_sqlite_restores_into_postgresql(tmp_path: Path, postgres_url: str) -> None:
    demo = open_demo_salon(str(tmp_path / "day.db"), DAY, printer=RecordingPrinter())
    run_day(demo, lambda line: None, out_dir=tmp_path / "out")
    source = demo.salon
    out = tmp_path / "day.skbak"
    summary = backup(source.backend, out)
    assert summary.counts["order"] >= 11 and summary.counts["stock_move"] > 0
    target = salonkit.Salon.open(
        postgres_url, load_entrypoints=False, clock=demo.clock, settings=source.settings
    )
    restore(out, target.backend)
    assert _everything(target) == _everything(source)
    assert _balances(target) == _balances(source)
    assert verify(target.backend).ok
    target.close()
    source.close()


def test_erasing_a_customer_with_orders_keeps_every_figure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SALONKIT_MASTER_KEYS", KEYS)  # the built-in key provider reads it
    demo = open_demo_salon(str(tmp_path / "encrypted.db"), DAY, printer=RecordingPrinter())
    salon: Any = demo.salon
    assert salon.backend.protector is not None
    run_day(demo, lambda line: None, out_dir=tmp_path / "out")
    customer = next(
        o.customer_id for o in salon.orders.find(store=STORE_ID) if o.customer_id and o.paid_at
    )
    person = salon.customers.get(customer)
    before = _balances(salon)
    salon.customers.erase(customer)
    assert _balances(salon) == before
    assert verify(salon.backend).ok
    erased = salon.customers.get(customer)
    assert (erased.name, erased.phone, erased.email, erased.birthday) == (
        "Erased customer",
        None,
        None,
        None,
    )
    exported = repr(salon.customers.export(customer))
    salon.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("encrypted.db*"))
    secrets = [s for s in (person.name, person.phone, person.email) if s]
    assert secrets
    for secret in secrets:
        assert secret.encode() not in raw, secret
        assert secret not in exported, secret
