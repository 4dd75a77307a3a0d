"""salonkit: the domain of hair and beauty salons and salon chains, as a Python library."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("salonkit")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

from salonkit.context import Context
from salonkit.domain.money import Money
from salonkit.domain.time import TimeRange
from salonkit.errors import (
    AlreadyExists,
    BookingConflict,
    ConcurrencyError,
    ConflictReason,
    IdempotencyConflict,
    InsufficientBalance,
    InsufficientStock,
    NotFound,
    PermissionDenied,
    PluginError,
    SalonkitError,
    StorageError,
    ValidationError,
)
from salonkit.plugins import get_plugin_manager, hookimpl
from salonkit.salon import Salon, SalonSettings, bootstrap

__all__ = [
    "AlreadyExists",
    "BookingConflict",
    "ConcurrencyError",
    "ConflictReason",
    "Context",
    "IdempotencyConflict",
    "InsufficientBalance",
    "InsufficientStock",
    "Money",
    "NotFound",
    "PermissionDenied",
    "PluginError",
    "Salon",
    "SalonSettings",
    "SalonkitError",
    "StorageError",
    "TimeRange",
    "ValidationError",
    "__version__",
    "bootstrap",
    "get_plugin_manager",
    "hookimpl",
]
