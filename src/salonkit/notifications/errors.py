"""Errors a notifier raises to tell the dispatcher whether trying again can help."""

from __future__ import annotations

from salonkit.errors import SalonkitError


class DeliveryError(SalonkitError):
    """A delivery failed for a reason that may pass (gateway down, timeout, 5xx): retried.

    Any other exception a notifier raises is treated the same way.
    """


class PermanentDeliveryError(DeliveryError):
    """A delivery failed for good (bad address, 4xx refusal): marked failed without retrying."""


__all__ = ["DeliveryError", "PermanentDeliveryError"]
