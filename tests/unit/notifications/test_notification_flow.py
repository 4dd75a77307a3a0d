"""Messages follow the booking: written in its transaction, moved and withdrawn with it, held in
quiet hours, gated by marketing consent, and rendered in the customer's language."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pendulum
import pytest

from salonkit.domain.catalogue import Product
from salonkit.errors import ValidationError
from salonkit.inventory.events import StockLow
from salonkit.notifications import (
    DEFAULT_TEMPLATES,
    DeliveryStatus,
    NotificationService,
    NotificationSettings,
    Purpose,
    QuietHours,
    Template,
)
from salonkit.notifications.records import OUTBOX
from salonkit.scheduling.records import APPOINTMENTS

WED = dt.date(2026, 5, 6)


def pending(world: Any, source: str) -> list[tuple[str, str]]:
    return [
        (m.purpose.value, m.due_at.isoformat())
        for m in world.salon.notifications.messages(source=source, status=DeliveryStatus.PENDING)
    ]


def test_a_booking_writes_its_confirmation_and_reminder_in_the_same_transaction(world: Any) -> None:
    ann = world.customer("Ann", phone="+44 7700 900001")
    appt = world.book(ann, WED)  # 09:00 London = 08:00 UTC
    assert str(appt.starts_at) == "2026-05-06 08:00:00+00:00"
    assert pending(world, appt.id) == [
        ("confirmation", "2026-05-04T10:00:00+00:00"),
        ("reminder", "2026-05-05T08:00:00+00:00"),
    ]
    reminder = world.salon.notifications.get(f"reminder:{appt.id}:20260506T0800Z:24h")
    assert reminder.channel == "sms" and reminder.to == "+44 7700 900001"
    assert reminder.body == (
        "Hi Ann, a reminder of your Cut and finish with Stylist 1 on Wed, May 6, 2026, 9:00 AM. "
        "Flagship"
    )


def test_when_writing_the_message_fails_the_booking_is_rolled_back(world: Any) -> None:
    broken = DEFAULT_TEMPLATES.with_template(
        Template(Purpose.CONFIRMATION, "en", "x", "{no_such_field}")
    )
    world.salon.notifications.templates = broken
    ann = world.customer("Ann", phone="+44 7700 900001")
    with pytest.raises(ValidationError, match="no_such_field"):
        world.book(ann, WED)
    with world.salon.context.unit_of_work(readonly=True) as uow:
        assert uow.repo(APPOINTMENTS).count() == 0
        assert uow.repo(OUTBOX).count() == 0


def test_a_rolled_back_change_leaves_no_message(world: Any) -> None:
    class Boom(Exception):
        pass

    world.salon.notifications.configure(
        NotificationSettings(store_id="flagship", manager_channel="sms", manager_to="+44 1")
    )
    with pytest.raises(Boom), world.salon.context.unit_of_work() as uow:
        uow.emit(
            StockLow(
                occurred_at=world.clock.now(),
                store_id="flagship",
                sku="DYE",
                quantity=Decimal(1),
                reorder_point=Decimal(2),
            )
        )
        raise Boom
    assert world.salon.notifications.messages() == []


def test_moving_a_booking_moves_its_reminder(world: Any) -> None:
    ann = world.customer("Ann", phone="+44 7700 900001")
    appt = world.book(ann, WED)
    new_start = pendulum.datetime(2026, 5, 7, 14, tz="Europe/London")
    world.salon.bookings.reschedule(appt.id, new_start)
    messages = {m.id: m for m in world.salon.notifications.messages(source=appt.id)}
    old = messages[f"reminder:{appt.id}:20260506T0800Z:24h"]
    assert old.status is DeliveryStatus.CANCELLED
    # The confirmation of the old time had not gone out yet: withdrawn too.
    assert messages[f"confirmation:{appt.id}"].status is DeliveryStatus.CANCELLED
    assert pending(world, appt.id) == [
        ("reschedule", "2026-05-04T10:00:00+00:00"),
        ("reminder", "2026-05-06T13:00:00+00:00"),
    ]
    notice = world.salon.notifications.messages(source=appt.id, purpose=Purpose.RESCHEDULE)[0]
    assert "from Wed, May 6, 2026, 9:00 AM to Thu, May 7, 2026, 2:00 PM" in notice.body
    # At the old reminder's time only the reschedule notice goes out.
    world.clock.set(pendulum.datetime(2026, 5, 5, 8, 0))
    world.salon.notifications.dispatch_due()
    assert [m.purpose for m in world.sms.sent] == ["reschedule"]
    world.clock.set(pendulum.datetime(2026, 5, 6, 13, 0))
    report = world.salon.notifications.dispatch_due()
    assert report.sent == (f"reminder:{appt.id}:20260507T1300Z:24h:20260504T100000.000000Z",)
    assert "Thu, May 7, 2026, 2:00 PM" in world.sms.sent[-1].body


def test_moving_away_and_back_gives_fresh_messages(world: Any) -> None:
    ann = world.customer("Ann", phone="+44 7700 900001")
    appt = world.book(ann, WED)  # Wednesday 09:00
    notes = world.salon.notifications
    notes.dispatch_due()  # the confirmation goes out
    world.clock.advance(minutes=10)
    world.salon.bookings.reschedule(appt.id, pendulum.datetime(2026, 5, 7, 14, tz="Europe/London"))
    assert len(notes.dispatch_due().sent) == 1
    assert [m.purpose for m in world.sms.sent] == ["confirmation", "reschedule"]
    world.clock.advance(minutes=10)
    world.salon.bookings.reschedule(appt.id, pendulum.datetime(2026, 5, 6, 9, tz="Europe/London"))
    pending = notes.messages(source=appt.id, status=DeliveryStatus.PENDING)
    assert [(m.purpose.value, m.due_at.isoformat()) for m in pending] == [
        ("reschedule", "2026-05-04T10:20:00+00:00"),
        ("reminder", "2026-05-05T08:00:00+00:00"),  # back at Wednesday 09:00
    ]
    notes.dispatch_due()
    assert "from Thu, May 7, 2026, 2:00 PM to Wed, May 6, 2026, 9:00 AM" in world.sms.sent[-1].body
    world.clock.set(pendulum.datetime(2026, 5, 5, 8))
    assert len(notes.dispatch_due().sent) == 1  # the reminder of the final time, once
    assert [m.purpose for m in world.sms.sent] == [
        "confirmation",
        "reschedule",
        "reschedule",
        "reminder",
    ]


def test_cancelling_a_booking_removes_its_reminder(world: Any) -> None:
    ann = world.customer("Ann", phone="+44 7700 900001")
    appt = world.book(ann, WED)
    world.salon.bookings.cancel(appt.id, "ill")
    statuses = {
        m.purpose.value: m.status.value for m in world.salon.notifications.messages(source=appt.id)
    }
    assert statuses == {
        "confirmation": "cancelled",  # not yet sent when the booking was cancelled
        "reminder": "cancelled",
        "cancellation": "pending",
    }
    world.clock.set(pendulum.datetime(2026, 5, 6, 8, 0))
    world.salon.notifications.dispatch_due()
    assert [m.purpose for m in world.sms.sent] == ["cancellation"]


def test_a_sent_confirmation_stays_sent_when_the_booking_is_cancelled(world: Any) -> None:
    ann = world.customer("Ann", phone="+44 7700 900001")
    appt = world.book(ann, WED)
    assert world.salon.notifications.dispatch_due().sent == (f"confirmation:{appt.id}",)
    world.salon.bookings.cancel(appt.id, "ill")
    assert world.salon.notifications.get(f"confirmation:{appt.id}").status is DeliveryStatus.SENT


def test_nothing_is_sent_in_quiet_hours(world: Any) -> None:
    ann = world.customer("Ann", phone="+44 7700 900001")
    world.clock.set(pendulum.datetime(2026, 5, 4, 21, 30))  # 22:30 in London
    appt = world.book(ann, WED)
    confirmation = world.salon.notifications.get(f"confirmation:{appt.id}")
    assert confirmation.due_at == pendulum.datetime(2026, 5, 5, 7, 0)  # 08:00 BST
    for hour in (22, 23, 0, 3, 6):
        world.clock.set(
            pendulum.datetime(2026, 5, 4, hour, 30)
            if hour >= 22
            else pendulum.datetime(2026, 5, 5, hour, 30)
        )
        assert world.salon.notifications.dispatch_due().sent == ()
    assert world.sms.sent == []
    world.clock.set(pendulum.datetime(2026, 5, 5, 7, 0))
    assert world.salon.notifications.dispatch_due().sent == (f"confirmation:{appt.id}",)


def test_a_retry_that_falls_in_quiet_hours_is_held(world: Any) -> None:
    class Down:
        def send(self, message: Any) -> str:
            raise ConnectionError("gateway down")

    ann = world.customer("Ann", phone="+44 7700 900001")
    world.clock.set(pendulum.datetime(2026, 5, 4, 19, 59))  # 20:59 BST
    appt = world.book(ann, WED)
    key = f"confirmation:{appt.id}"
    world.salon.notifiers["sms"] = Down()
    assert world.salon.notifications.dispatch_due().retrying == (key,)
    world.salon.notifiers["sms"] = world.sms
    world.clock.set(pendulum.datetime(2026, 5, 4, 20, 1))  # 21:01 BST: quiet
    report = world.salon.notifications.dispatch_due()
    assert report.held == (key,) and report.sent == ()
    assert world.salon.notifications.get(key).next_attempt_at == pendulum.datetime(2026, 5, 5, 7)


def test_a_reminder_that_quiet_hours_would_push_past_the_start_is_not_written(world: Any) -> None:
    world.salon.notifications.configure(
        NotificationSettings(
            store_id="flagship",
            reminder_hours=(24, 2),
            quiet_hours=QuietHours(dt.time(21), dt.time(9)),
        )
    )
    ann = world.customer("Ann", phone="+44 7700 900001")
    appt = world.book(ann, WED)  # 09:00: the 2-hour reminder at 07:00 would be held until 09:00
    assert [m.id for m in world.salon.notifications.messages(purpose=Purpose.REMINDER)] == [
        f"reminder:{appt.id}:20260506T0800Z:24h"
    ]
    later = world.book(ann, WED, hour=15)  # 15:00: the 2-hour reminder is at 13:00
    assert len(world.salon.notifications.messages(source=later.id, purpose=Purpose.REMINDER)) == 2


def test_marketing_never_goes_to_a_customer_without_consent(world: Any) -> None:
    yes = world.customer(
        "Yes", phone="+44 7700 900001", consent_marketing=True, birthday=dt.date(1990, 5, 5)
    )
    no = world.customer(
        "No", phone="+44 7700 900002", consent_marketing=False, birthday=dt.date(1991, 5, 5)
    )
    notes = world.salon.notifications
    campaign = notes.send_campaign(
        "spring", store="flagship", title={"en": "Spring"}, text={"en": "20% off colour."}
    )
    assert [m.customer_id for m in campaign] == [yes.id]
    birthdays = notes.queue_birthdays(dt.date(2026, 5, 5), store="flagship")
    assert [m.customer_id for m in birthdays] == [yes.id]
    assert birthdays[0].due_at == pendulum.datetime(2026, 5, 5, 9)  # 10:00 BST
    # A survey follows a completed visit, only with consent.
    for customer in (yes, no):
        appt = world.book(customer, dt.date(2026, 5, 4), hour=12)
        world.clock.set(appt.starts_at)
        world.salon.bookings.check_in(appt.id)
        world.salon.bookings.complete(appt.id)
        world.clock.set(pendulum.datetime(2026, 5, 4, 10))
    surveys = notes.messages(purpose=Purpose.SURVEY)
    assert [m.customer_id for m in surveys] == [yes.id]
    # Everything due goes out: nothing marketing reaches "No".
    world.clock.set(pendulum.datetime(2026, 5, 6, 12))
    notes.dispatch_due()
    marketing = [m for m in world.sms.sent if m.purpose in ("campaign", "birthday", "survey")]
    assert {m.to for m in marketing} == {"+44 7700 900001"}
    assert sorted(m.purpose for m in marketing) == ["birthday", "campaign", "survey"]


def test_withdrawn_consent_cancels_queued_marketing(world: Any) -> None:
    ann = world.customer("Ann", phone="+44 7700 900001", consent_marketing=True)
    notes = world.salon.notifications
    [queued] = notes.send_campaign(
        "spring",
        store="flagship",
        title={"en": "Spring"},
        text={"en": "Hi"},
        at=pendulum.datetime(2026, 5, 5, 9),
    )
    world.salon.customers.change(ann.id, consent_marketing=False)
    world.clock.set(pendulum.datetime(2026, 5, 5, 9))
    assert notes.dispatch_due().cancelled == (queued.id,)
    assert world.sms.sent == []


def test_queueing_a_campaign_twice_sends_once(world: Any) -> None:
    world.customer("Ann", phone="+44 7700 900001", consent_marketing=True)
    notes = world.salon.notifications
    first = notes.send_campaign("spring", store="flagship", title={"en": "S"}, text={"en": "T"})
    again = notes.send_campaign("spring", store="flagship", title={"en": "S"}, text={"en": "T"})
    assert [m.id for m in first] == [m.id for m in again]
    notes.dispatch_due()
    notes.dispatch_due()
    assert len(world.sms.sent) == 1


def test_messages_are_in_the_customers_language_with_babel_dates_and_money(world: Any) -> None:
    mei = world.customer("林梅", phone="+86 138 0013 8001", language="zh_CN")
    ann = world.customer("Ann", email="ann@example.com", language="en")
    world.book(mei, WED)
    world.book(ann, WED, hour=11)
    world.salon.notifications.dispatch_due()
    assert world.sms.sent[0].body == (
        "林梅，您好！您已预约 2026年5月6日周三 09:00 的 Cut and finish（£45.00），发型师 Stylist 1。"
        "期待您的光临！Flagship"
    )
    assert world.sms.sent[0].subject == "Flagship预约确认"
    assert world.email.sent[0].to == "ann@example.com"
    assert world.email.sent[0].body == (
        "Hi Ann, your Cut and finish (£45.00) with Stylist 1 is booked for "
        "Wed, May 6, 2026, 11:00 AM. See you soon! Flagship"
    )


def test_a_customers_channel_preference_wins(world: Any) -> None:
    ann = world.customer(
        "Ann",
        phone="+44 7700 900001",
        email="ann@example.com",
        preferences={"notify_by": "email"},
    )
    world.book(ann, WED)
    world.salon.notifications.dispatch_due()
    assert [m.channel for m in world.email.sent] == ["email"] and world.sms.sent == []


def test_low_stock_goes_to_the_manager(world: Any) -> None:
    notes = world.salon.notifications
    world.salon.catalogue.add_product(Product(sku="DYE-6N", name="Dye 6N", unit="ml"))
    event = StockLow(
        occurred_at=world.clock.now(),
        store_id="flagship",
        sku="DYE-6N",
        quantity=Decimal("150.0"),
        reorder_point=Decimal("200"),
    )
    with world.salon.context.unit_of_work() as uow:  # no manager configured: nothing
        uow.emit(event)
    assert notes.messages() == []
    notes.configure(
        NotificationSettings(
            store_id="flagship",
            manager_channel="email",
            manager_to="manager@example.com",
            manager_language="zh_CN",
        )
    )
    with world.salon.context.unit_of_work() as uow:
        uow.emit(event)
    notes.dispatch_due()
    assert world.email.sent[0].to == "manager@example.com"
    assert world.email.sent[0].body == "Flagship：Dye 6N（DYE-6N）库存仅剩 150（补货点 200）。"


def test_a_waitlist_offer_is_sent_to_the_waiting_customer(world: Any) -> None:
    ann = world.customer("Ann", phone="+44 7700 900001")
    bob = world.customer("Bob", phone="+44 7700 900002")
    appt = world.book(ann, WED)
    world.salon.bookings.join_waitlist(
        bob.id,
        "cut",
        within=(appt.starts_at, appt.starts_at.add(hours=1)),
        staff=appt.staff_id,
        store="flagship",
    )
    world.salon.bookings.cancel(appt.id, "ill")
    offers = world.salon.notifications.messages(customer=bob.id, purpose=Purpose.WAITLIST_OFFER)
    assert len(offers) == 1
    assert offers[0].body.startswith("Hi Bob, a slot for Cut and finish is free on Wed, May 6")
    assert "Reply before 12:00 PM" in offers[0].body  # offered at 11:00 BST for an hour


def test_only_a_failed_message_can_be_retried_by_hand(world: Any) -> None:
    ann = world.customer("Ann", phone="+44 7700 900001")
    appt = world.book(ann, WED)
    with pytest.raises(ValidationError, match="failed"):
        world.salon.notifications.retry(f"confirmation:{appt.id}")


def test_settings_are_saved_per_store(world: Any) -> None:
    notes: NotificationService = world.salon.notifications
    assert notes.settings("flagship").reminder_hours == (24,)
    saved = notes.configure(NotificationSettings(store_id="flagship", reminder_hours=(2, 48, 2)))
    assert saved.reminder_hours == (48, 2)
    again = notes.configure(NotificationSettings(store_id="flagship", quiet_hours=None))
    assert again.version == 1 and notes.settings("flagship").quiet_hours is None
