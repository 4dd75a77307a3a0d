"""The one exception hierarchy of salonkit.

Every error the library raises on purpose derives from :class:`SalonkitError`, so a host can
catch them all in one place and map each kind to its own response (400, 404, 409, 403 ...).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs


class SalonkitError(Exception):
    """Root of every error raised by salonkit on purpose."""


class ValidationError(SalonkitError, ValueError):
    """Input that breaks a rule of the domain.

    ``field`` names what is wrong (``"customer.phone"``, ``"money.currency"``) so a host can
    point at it; the message says why.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class NotFound(SalonkitError, LookupError):
    """A record asked for by id (or by a unique key) does not exist."""

    def __init__(self, kind: str, key: object) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"{kind} {key!r} not found")


class AlreadyExists(ValidationError):
    """A record with the same id or unique key is already stored."""

    def __init__(self, kind: str, key: object) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"{kind}.id", f"{kind} {key!r} already exists")


@attrs.frozen
class ConflictReason:
    """One reason a booking cannot be made: a machine-readable ``code`` and a sentence."""

    code: str
    message: str
    subject: str | None = None


class BookingConflict(SalonkitError):
    """A booking, reschedule or hold cannot be made; ``reasons`` lists every reason found.

    ``suggestions`` holds alternatives when the service that raised it computed them.
    """

    def __init__(
        self, reasons: Iterable[ConflictReason], suggestions: Sequence[object] = ()
    ) -> None:
        self.reasons: tuple[ConflictReason, ...] = tuple(reasons)
        self.suggestions: tuple[object, ...] = tuple(suggestions)
        text = "; ".join(r.message for r in self.reasons) or "conflict"
        super().__init__(f"booking not possible: {text}")

    @property
    def codes(self) -> frozenset[str]:
        """The set of reason codes, handy in tests and in host error mapping."""
        return frozenset(r.code for r in self.reasons)


class ConcurrencyError(SalonkitError):
    """Another writer changed the record first (a stale ``version``); reload and retry."""


class IdempotencyConflict(SalonkitError):
    """An idempotency key was reused for a different request."""


class PermissionDenied(SalonkitError):
    """The acting user's role does not allow this action in this store."""


class InsufficientStock(SalonkitError):
    """Stock would go below zero under the refuse policy."""


class InsufficientBalance(SalonkitError):
    """A points or wallet balance is too low for the operation."""


class PluginError(SalonkitError):
    """A plugin is missing, misconfigured or broke its hook contract."""


class StorageError(SalonkitError):
    """The storage backend failed in a way the caller cannot fix by changing its input."""


__all__ = [
    "AlreadyExists",
    "BookingConflict",
    "ConcurrencyError",
    "ConflictReason",
    "IdempotencyConflict",
    "InsufficientBalance",
    "InsufficientStock",
    "NotFound",
    "PermissionDenied",
    "PluginError",
    "SalonkitError",
    "StorageError",
    "ValidationError",
]
