"""Outbox messages hold personal data: encrypted at rest under the customer's key, and unreadable
(never sent) once the customer is erased."""

from __future__ import annotations

from typing import Any

import pendulum
import sqlalchemy as sa

from salonkit.notifications import DeliveryStatus, NotificationSettings
from salonkit.notifications.records import OUTBOX
from salonkit.storage.protection import KeyRing
from salonkit.testing import FrozenClock, RecordingNotifier

RING = KeyRing(keys={"k1": b"k" * 32}, current="k1", index_key=b"i" * 32)


def test_outbox_messages_are_encrypted_and_die_with_the_erased_customer(
    sqlite_url: str, salon_factory: Any
) -> None:
    sms = RecordingNotifier(channels=("sms",))
    clock = FrozenClock(pendulum.datetime(2026, 5, 4, 10))
    salon = salon_factory(sqlite_url, clock, [sms], keys=RING)
    try:
        salon.notifications.configure(NotificationSettings(store_id="flagship", quiet_hours=None))
        mei = salon.customers.register("Lin Mei", phone="+86 138 0013 8001", consent_marketing=True)
        bo = salon.customers.register("Bo", phone="+86 139 0000 0002", consent_marketing=True)
        queued = salon.notifications.send_campaign(
            "spring", store="flagship", title={"en": "Spring"}, text={"en": "Hello Lin"}
        )
        assert len(queued) == 2
        backend = salon.backend
        with backend.engine.connect() as conn:
            raw = conn.execute(sa.select(backend.table(OUTBOX).c.doc)).scalars().all()
        stored = " ".join(str(doc) for doc in raw)
        assert "+86 138 0013 8001" not in stored and "Hello Lin" not in stored
        assert salon.notifications.get(f"campaign:spring:{mei.id}").to == "+86 138 0013 8001"

        salon.customers.erase(mei.id)
        report = salon.notifications.dispatch_due()
        assert report.cancelled == (f"campaign:spring:{mei.id}",)
        assert report.sent == (f"campaign:spring:{bo.id}",)
        assert [m.to for m in sms.sent] == ["+86 139 0000 0002"]
        erased = salon.notifications.get(f"campaign:spring:{mei.id}")
        assert erased.status is DeliveryStatus.CANCELLED and erased.to == ""
    finally:
        salon.close()
