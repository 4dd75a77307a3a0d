"""Message templates: one subject and body per purpose and language, filled with named fields.

Templates are ``str.format`` strings over fields that are already formatted for the language
(dates, times and money come from :mod:`salonkit.notifications.formatting`). A missing language
falls back to the language without its region (``zh_TW`` → ``zh``), then to any region of the
same language, then to English.

>>> t = DEFAULT_TEMPLATES.get(Purpose.REMINDER, "zh-CN")
>>> t.language
'zh_CN'
>>> subject, body = t.render({"customer": "林梅", "service": "剪发", "when": "5月5日周二 16:00",
...                          "staff": "小王", "store": "旗舰店"})
>>> body
'林梅，您好！提醒您：剪发 预约在 5月5日周二 16:00，发型师 小王。旗舰店'
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping

import attrs

from salonkit.errors import ValidationError
from salonkit.notifications.formatting import DEFAULT_LANGUAGE
from salonkit.notifications.purposes import Purpose


def _fields_of(text: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name)


@attrs.frozen
class Template:
    """The ``subject`` and ``body`` of one purpose in one ``language`` (``str.format`` syntax)."""

    purpose: Purpose
    language: str
    subject: str
    body: str

    @property
    def fields(self) -> frozenset[str]:
        """The field names the template uses."""
        return _fields_of(self.subject) | _fields_of(self.body)

    def render(self, values: Mapping[str, str]) -> tuple[str, str]:
        """``(subject, body)`` with the fields filled in; a missing field is a ValidationError."""
        missing = sorted(self.fields - set(values))
        if missing:
            raise ValidationError(
                f"template.{self.purpose.value}",
                f"no value for {', '.join(missing)} ({self.language} template)",
            )
        return self.subject.format_map(values), self.body.format_map(values)


def _norm(language: str) -> str:
    return (language or DEFAULT_LANGUAGE).replace("-", "_")


@attrs.frozen
class TemplateSet:
    """Templates by ``(purpose, language)``; hosts replace or add some with :meth:`with_template`."""

    templates: Mapping[tuple[Purpose, str], Template] = attrs.field(factory=dict)

    @classmethod
    def of(cls, templates: Iterable[Template]) -> TemplateSet:
        """A set holding ``templates`` (a later one replaces an earlier for the same key)."""
        return cls({(t.purpose, _norm(t.language)): t for t in templates})

    def with_template(self, template: Template) -> TemplateSet:
        """A copy with ``template`` added (or replacing the one for its purpose and language)."""
        merged = dict(self.templates)
        merged[(template.purpose, _norm(template.language))] = template
        return TemplateSet(merged)

    def languages(self, purpose: Purpose) -> list[str]:
        """The languages with a template for ``purpose``."""
        return sorted(lang for p, lang in self.templates if p is purpose)

    def get(self, purpose: Purpose, language: str) -> Template:
        """The template for ``purpose`` in ``language``, with the fallbacks described above."""
        tag = _norm(language)
        base = tag.split("_", 1)[0]
        candidates = [tag, base]
        candidates += [lang for lang in self.languages(purpose) if lang.split("_", 1)[0] == base]
        candidates.append(DEFAULT_LANGUAGE)
        for lang in candidates:
            found = self.templates.get((purpose, lang))
            if found is not None:
                return found
        raise ValidationError("template", f"no template for {purpose.value} in any language")


_EN = {
    Purpose.CONFIRMATION: (
        "Your appointment at {store}",
        "Hi {customer}, your {service} ({price}) with {staff} is booked for {when}. "
        "See you soon! {store}",
    ),
    Purpose.REMINDER: (
        "Reminder: {service} on {when}",
        "Hi {customer}, a reminder of your {service} with {staff} on {when}. {store}",
    ),
    Purpose.RESCHEDULE: (
        "Your appointment has moved",
        "Hi {customer}, your {service} has moved from {previous_when} to {when} with {staff}. "
        "{store}",
    ),
    Purpose.CANCELLATION: (
        "Your appointment is cancelled",
        "Hi {customer}, your {service} on {when} is cancelled. We hope to see you again soon. "
        "{store}",
    ),
    Purpose.WAITLIST_OFFER: (
        "A slot for {service} is free",
        "Hi {customer}, a slot for {service} is free on {when}. Reply before {expires} to take "
        "it. {store}",
    ),
    Purpose.BIRTHDAY: (
        "Happy birthday from {store}",
        "Happy birthday, {customer}! Everyone at {store} wishes you a wonderful day.",
    ),
    Purpose.CAMPAIGN: ("{title}", "{text} {store}"),
    Purpose.SURVEY: (
        "How was your visit?",
        "Hi {customer}, how was your {service} today? Tell us in one minute: {link} {store}",
    ),
    Purpose.LOW_STOCK: (
        "Low stock: {product}",
        "{store}: {product} ({sku}) is down to {quantity} (reorder point {reorder_point}).",
    ),
}

_ZH_CN = {
    Purpose.CONFIRMATION: (
        "{store}预约确认",
        "{customer}，您好！您已预约 {when} 的 {service}（{price}），发型师 {staff}。"
        "期待您的光临！{store}",
    ),
    Purpose.REMINDER: (
        "预约提醒：{service}",
        "{customer}，您好！提醒您：{service} 预约在 {when}，发型师 {staff}。{store}",
    ),
    Purpose.RESCHEDULE: (
        "预约时间已更改",
        "{customer}，您好！您的 {service} 预约已由 {previous_when} 改到 {when}，发型师 {staff}。"
        "{store}",
    ),
    Purpose.CANCELLATION: (
        "预约已取消",
        "{customer}，您好！您 {when} 的 {service} 预约已取消，期待再次为您服务。{store}",
    ),
    Purpose.WAITLIST_OFFER: (
        "{service}有空位了",
        "{customer}，您好！{when} 的 {service} 有空位，请在 {expires} 前回复确认。{store}",
    ),
    Purpose.BIRTHDAY: (
        "{store}祝您生日快乐",
        "{customer}，生日快乐！{store}全体员工祝您度过美好的一天。",
    ),
    Purpose.CAMPAIGN: ("{title}", "{text}【{store}】"),
    Purpose.SURVEY: (
        "您对本次服务满意吗？",
        "{customer}，您好！您对今天的 {service} 满意吗？请花一分钟告诉我们：{link} {store}",
    ),
    Purpose.LOW_STOCK: (
        "库存不足：{product}",
        "{store}：{product}（{sku}）库存仅剩 {quantity}（补货点 {reorder_point}）。",
    ),
}

#: The templates salonkit ships: English and Simplified Chinese for every purpose.
DEFAULT_TEMPLATES = TemplateSet.of(
    [Template(p, "en", s, b) for p, (s, b) in _EN.items()]
    + [Template(p, "zh_CN", s, b) for p, (s, b) in _ZH_CN.items()]
)

__all__ = ["DEFAULT_TEMPLATES", "Template", "TemplateSet"]
