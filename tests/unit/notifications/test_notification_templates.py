"""Templates: every purpose in English and Chinese, language fallbacks, strict fields."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

import salonkit
from salonkit.domain.money import Money
from salonkit.errors import ValidationError
from salonkit.notifications import DEFAULT_TEMPLATES, Purpose, Template, is_marketing
from salonkit.notifications.formatting import (
    babel_locale,
    format_day,
    format_money,
    format_quantity,
    format_when,
)


@pytest.mark.parametrize("purpose", list(Purpose))
@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_every_purpose_has_a_template_in_english_and_chinese(
    purpose: Purpose, language: str
) -> None:
    template = DEFAULT_TEMPLATES.get(purpose, language)
    assert template.language == language
    assert "store" in template.fields
    values = {name: f"<{name}>" for name in template.fields}
    subject, body = template.render(values)
    assert subject and body
    assert "{" not in body and "}" not in body


def test_languages_fall_back_to_region_then_language_then_english() -> None:
    assert DEFAULT_TEMPLATES.get(Purpose.REMINDER, "zh-CN").language == "zh_CN"
    assert DEFAULT_TEMPLATES.get(Purpose.REMINDER, "zh").language == "zh_CN"
    assert DEFAULT_TEMPLATES.get(Purpose.REMINDER, "zh_TW").language == "zh_CN"
    assert DEFAULT_TEMPLATES.get(Purpose.REMINDER, "fr").language == "en"
    assert DEFAULT_TEMPLATES.get(Purpose.REMINDER, "").language == "en"


def test_a_host_can_replace_a_template() -> None:
    custom = DEFAULT_TEMPLATES.with_template(
        Template(Purpose.BIRTHDAY, "en", "Cheers", "Cheers {customer}! {store}")
    )
    assert custom.get(Purpose.BIRTHDAY, "en").render({"customer": "Ann", "store": "Hair"}) == (
        "Cheers",
        "Cheers Ann! Hair",
    )
    assert DEFAULT_TEMPLATES.get(Purpose.BIRTHDAY, "en").subject != "Cheers"


def test_a_missing_field_is_a_validation_error_naming_it() -> None:
    template = DEFAULT_TEMPLATES.get(Purpose.REMINDER, "en")
    with pytest.raises(ValidationError, match="service") as info:
        template.render({"customer": "Ann", "store": "Hair"})
    assert info.value.field == "template.reminder"


def test_marketing_purposes() -> None:
    assert {p for p in Purpose if is_marketing(p)} == {
        Purpose.BIRTHDAY,
        Purpose.CAMPAIGN,
        Purpose.SURVEY,
    }


def test_babel_formats_dates_times_and_money_per_language() -> None:
    when = pendulum.datetime(2026, 12, 24, 10, 30)  # UTC
    assert format_when(when, "Asia/Shanghai", "zh_CN") == "2026年12月24日周四 18:30"
    assert format_when(when, "Europe/London", "en") == "Thu, Dec 24, 2026, 10:30 AM"
    assert format_when(when, "Europe/London", "en_GB") == "Thu, 24 Dec 2026, 10:30"
    assert format_money(Money(Decimal("1288.5"), "CNY"), "zh_CN") == "¥1,288.50"
    assert format_money(Money(Decimal("1288.5"), "CNY"), "en") == "CN¥1,288.50"
    assert format_day(dt.date(2026, 5, 5), "zh_CN") == "2026年5月5日"
    assert format_quantity(Decimal("2.500"), "en") == "2.5"
    assert format_quantity(Decimal("3.000"), "en") == "3"
    assert babel_locale("xx-not-a-locale").language == "en"


@given(
    st.sampled_from(["en", "zh_CN", "en_GB", "zh", "de"]),
    st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1)),
)
def test_formatted_times_are_plain_text_for_sms(language: str, naive: dt.datetime) -> None:
    text = format_when(pendulum.instance(naive, tz="UTC"), "America/New_York", language)
    assert "\u202f" not in text and "\xa0" not in text


class LanguagePack:
    """A plugin offering a confirmation template in Japanese."""

    def __init__(self, subject: str) -> None:
        self.subject = subject

    @salonkit.hookimpl
    def salonkit_register_templates(self, register: Any) -> None:
        register(
            Template(
                Purpose.CONFIRMATION,
                "ja",
                self.subject,
                "{customer}様、{when}に{service}（{price}）のご予約を承りました。{store}",
            )
        )


def test_plugins_offer_templates_and_the_last_registered_wins() -> None:
    salon = salonkit.Salon.open(
        "memory://", plugins=[LanguagePack("first"), LanguagePack("second")], load_entrypoints=False
    )
    assert salon.notifications.templates.get(Purpose.CONFIRMATION, "ja").subject == "second"
    assert salon.notifications.templates.get(Purpose.CONFIRMATION, "en").language == "en"


def test_a_customer_gets_a_plugins_language(make_world: Any) -> None:
    world = make_world()
    pack = LanguagePack("ご予約の確認")
    world.salon.notifications.templates = world.salon.notifications.templates.with_template(
        Template(Purpose.CONFIRMATION, "ja", pack.subject, "{customer}様 {when} {price} {store}")
    )
    yumi = world.customer("由美", phone="+81 90 1234 5678", language="ja")
    world.book(yumi, dt.date(2026, 5, 6))
    world.salon.notifications.dispatch_due()
    assert world.sms.sent[0].subject == "ご予約の確認"
    assert world.sms.sent[0].body == "由美様 2026年5月6日(水) 9:00 £45.00 Flagship"
