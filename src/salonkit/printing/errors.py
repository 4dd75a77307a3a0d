"""Errors printers raise."""

from __future__ import annotations

from salonkit.errors import SalonkitError


class PrinterUnavailable(SalonkitError):
    """The printer could not be reached or did not take the whole job (network, timeout)."""


__all__ = ["PrinterUnavailable"]
