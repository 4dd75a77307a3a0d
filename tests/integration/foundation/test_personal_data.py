"""Personal data is encrypted at rest, still searchable, erasable, and keys rotate."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import sqlalchemy as sa

import salonkit
from salonkit.audit import AUDIT_LOG, verify
from salonkit.cli import main
from salonkit.storage import eq
from salonkit.storage.protection import SUBJECT_KEYS, KeyRing
from salonkit.storage.records import CUSTOMERS
from salonkit.testing import FrozenClock, SequentialIds

KEY_1 = "k1:" + base64.b64encode(b"1" * 32).decode()
KEY_2 = "k2:" + base64.b64encode(b"2" * 32).decode()
SECRETS = ["13800138001", "mei.lin@example.com", "ppd-allergy", "Lin Mei", "likes jasmine tea"]


def _open(url: str, keys: str = KEY_1) -> salonkit.Salon:
    return salonkit.Salon.open(
        url,
        clock=FrozenClock(),
        ids=SequentialIds(),
        load_entrypoints=False,
        keys=KeyRing.from_text(keys),
    )


def _register(salon: salonkit.Salon) -> salonkit.domain.customer.Customer:
    mei = salon.customers.register(
        "Lin Mei", phone="+86 138 0013 8001", email="mei.lin@example.com", allergies={"ppd-allergy"}
    )
    salon.customers.change(mei.id, notes="likes jasmine tea")
    return mei


def _raw_bytes(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))


def test_sqlite_file_holds_no_plaintext_yet_lookups_work(tmp_path: Path) -> None:
    db = tmp_path / "salon.db"
    salon = _open(str(db))
    mei = _register(salon)
    assert salon.customers.find_by_phone("+86-138-0013-8001") == salon.customers.get(mei.id)
    assert salon.customers.find_by_email("MEI.LIN@example.com") is not None
    assert salon.customers.get(mei.id).allergies == {"ppd-allergy"}
    salon.close()
    raw = _raw_bytes(db)
    for secret in SECRETS:
        assert secret.encode() not in raw, secret


def test_postgresql_tables_hold_no_plaintext(postgres_url: str) -> None:
    salon = _open(postgres_url)
    mei = _register(salon)
    assert salon.customers.find_by_phone("+8613800138001").id == mei.id  # type: ignore[union-attr]
    salon.close()
    engine = sa.create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        tables = (
            conn.execute(sa.text("SELECT tablename FROM pg_tables WHERE tablename LIKE 'sk_%'"))
            .scalars()
            .all()
        )
        dump = "".join(
            str(row)
            for table in tables
            for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')).all()
        )
    engine.dispose()
    for secret in SECRETS:
        assert secret not in dump, secret


def test_without_the_key_nothing_reads(tmp_path: Path) -> None:
    db = tmp_path / "salon.db"
    salon = _open(str(db))
    mei = _register(salon)
    salon.close()
    wrong = _open(str(db), keys=KEY_2)
    with pytest.raises(salonkit.ValidationError, match="k1"):
        wrong.customers.get(mei.id)
    wrong.close()


def test_erasure_makes_every_copy_unreadable_and_keeps_the_chain(tmp_path: Path) -> None:
    db = tmp_path / "salon.db"
    salon = _open(str(db))
    mei = _register(salon)
    other = salon.customers.register("Wang Fang", phone="+86 139 0013 8002")
    exported = salon.customers.export(mei.id)
    assert exported["customer"][0]["phone"] == "+86 138 0013 8001"
    salon.customers.erase(mei.id)
    erased = salon.customers.get(mei.id)
    assert (erased.name, erased.phone, erased.email, erased.notes) == (
        "Erased customer",
        None,
        None,
        "",
    )
    assert salon.customers.find_by_phone("+8613800138001") is None
    assert salon.customers.get(other.id).phone == "+86 139 0013 8002"
    protector = salon.backend.protector  # type: ignore[attr-defined]
    with salon.backend.unit_of_work(readonly=True) as uow:
        images = [
            image
            for entry in uow.repo(AUDIT_LOG).select(eq("record_key", mei.id))
            for image in (entry.before, entry.after)
            if image is not None
        ]
        assert len(images) >= 4
        opened = [protector.open(uow, CUSTOMERS, mei.id, image) for image in images]
    readable = repr(opened)
    for secret in SECRETS:
        assert secret not in readable, secret
    assert verify(salon.backend).ok
    salon.close()


def test_master_key_rotation_rewraps_and_old_key_can_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "salon.db"
    salon = _open(str(db))
    mei = _register(salon)
    salon.close()
    monkeypatch.setenv("SALONKIT_MASTER_KEYS", f"{KEY_2},{KEY_1}")
    assert main(["keys", "rotate", str(db)]) == 0
    rotated = _open(str(db), keys=f"{KEY_2},{KEY_1}")
    with rotated.backend.unit_of_work(readonly=True) as uow:
        assert {k.kid for k in uow.repo(SUBJECT_KEYS).select()} == {"k2"}
    rotated.close()
    # the blind index key came from k1 (listed last); keep it explicitly once k1 is retired
    index_key = KeyRing.from_text(KEY_1).index_key
    only_new = salonkit.Salon.open(
        str(db), load_entrypoints=False, keys=KeyRing.from_text(KEY_2, index_key)
    )
    assert only_new.customers.get(mei.id).phone == "+86 138 0013 8001"
    assert only_new.customers.find_by_phone("+8613800138001") is not None
    only_new.close()


def test_a_ciphertext_moved_to_another_record_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "salon.db"
    salon = _open(str(db))
    mei = salon.customers.register("Lin Mei", phone="+86 138 0013 8001")
    salon.close()
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        doc = conn.execute(
            sa.text("SELECT doc FROM sk_customer WHERE key = :k"), {"k": mei.id}
        ).scalar_one()
        # same subject key, but the phone's ciphertext pasted into the e-mail field
        import json

        data = json.loads(doc)
        data["email"] = data["phone"]
        conn.execute(
            sa.text("UPDATE sk_customer SET doc = :d WHERE key = :k"),
            {"d": json.dumps(data), "k": mei.id},
        )
    engine.dispose()
    again = _open(str(db))
    with pytest.raises(salonkit.ValidationError, match="does not belong"):
        again.customers.get(mei.id)
    again.close()
