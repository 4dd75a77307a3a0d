"""Notifications: templates per purpose and language, an outbox written with the change that
caused it, reminders that follow their booking, and at-least-once delivery with retries.

Start with :class:`NotificationService` (``salon.notifications``).
"""

from salonkit.notifications.dispatcher import Dispatcher, DispatchReport, Outcome
from salonkit.notifications.errors import DeliveryError, PermanentDeliveryError
from salonkit.notifications.purposes import MARKETING, Purpose, is_marketing
from salonkit.notifications.quiet_hours import QuietHours
from salonkit.notifications.records import OUTBOX, DeliveryStatus, OutboxMessage
from salonkit.notifications.service import NotificationService
from salonkit.notifications.settings import NotificationSettings, RetryPolicy
from salonkit.notifications.templates import DEFAULT_TEMPLATES, Template, TemplateSet

__all__ = [
    "DEFAULT_TEMPLATES",
    "MARKETING",
    "OUTBOX",
    "DeliveryError",
    "DeliveryStatus",
    "DispatchReport",
    "Dispatcher",
    "NotificationService",
    "NotificationSettings",
    "OutboxMessage",
    "Outcome",
    "PermanentDeliveryError",
    "Purpose",
    "QuietHours",
    "RetryPolicy",
    "Template",
    "TemplateSet",
    "is_marketing",
]
