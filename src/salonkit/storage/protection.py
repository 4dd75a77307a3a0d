"""Encryption of personal data at rest, blind indexes for look-ups, and crypto-shredding.

A kind lists the fields that hold personal data (``Kind(encrypted=("phone", ...), subject="id")``)
and the query columns derived from them (``Column(..., blind=True)``). With a :class:`Protector`
attached to a backend:

- each listed field is stored as AES-256-GCM ciphertext, under a *data key of its own data subject*
  (the customer), bound to the kind, record and field (authenticated data), so a ciphertext cannot be
  moved to another record;
- a subject's data key is stored wrapped (encrypted) by a master key from the key provider; master
  keys rotate by re-wrapping the small table of subject keys, while readers keep working;
- blind columns hold an HMAC-SHA256 of the value under an index key, so ``eq``/``in`` look-ups work
  and the plaintext is never stored;
- erasing a subject deletes its data key: every copy of its fields — in the records, in the audit
  log's before/after images, in the outbox — becomes unreadable at once (crypto-shredding), while
  ledgers, reports and the audit chain stay intact.

Without a protector, fields and columns are stored as they are (the default when no keys are
configured; see the security page of the documentation).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from typing import Any

import attrs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from salonkit.errors import ValidationError
from salonkit.storage.kinds import Column, Kind, registry
from salonkit.storage.port import UnitOfWork

MARK = "$enc"
_NONCE = 12


@attrs.frozen(kw_only=True)
class SubjectKey:
    """A data subject's data key ``key_id``, wrapped by master key ``kid``.

    A new ``key_id`` is drawn each time a subject gets a key, so a ciphertext sealed under a key
    that was destroyed (erasure) is told apart from one that was tampered with.
    """

    subject: str
    key_id: str
    kid: str
    wrapped: str
    version: int = 0


SUBJECT_KEYS = registry.register(Kind("subject_key", SubjectKey, key="subject", audited=False))


@attrs.frozen
class KeyRing:
    """Master keys by id (32 bytes each), which one wraps new keys, and the blind-index key.

    >>> ring = KeyRing.from_text("k1:" + "A" * 43 + "=", index_key=b"i" * 32)
    >>> ring.current
    'k1'
    """

    keys: Mapping[str, bytes]
    current: str
    index_key: bytes

    def __attrs_post_init__(self) -> None:
        if self.current not in self.keys:
            raise ValidationError("keys.current", f"no master key {self.current!r}")
        for kid, key in self.keys.items():
            if len(key) != 32:
                raise ValidationError(
                    "keys", f"master key {kid!r} must be 32 bytes, got {len(key)}"
                )
        if len(self.index_key) < 32:
            raise ValidationError("keys.index_key", "the blind-index key must be at least 32 bytes")

    @classmethod
    def from_text(cls, text: str, index_key: bytes | None = None) -> KeyRing:
        """Parse ``"kid:base64key,kid2:base64key"``; the first key is the current one.

        Without ``index_key``, the index key is derived from the *first-listed* key's id and bytes
        — so keep the original key listed (last) after rotating, or pass the index key explicitly.
        """
        keys: dict[str, bytes] = {}
        order: list[str] = []
        for part in (p.strip() for p in text.split(",") if p.strip()):
            kid, sep, encoded = part.partition(":")
            if not sep or not kid:
                raise ValidationError(
                    "keys", "expected 'kid:base64key' entries separated by commas"
                )
            try:
                keys[kid] = base64.b64decode(encoded, validate=True)
            except ValueError as exc:
                raise ValidationError("keys", f"key {kid!r} is not valid base64") from exc
            order.append(kid)
        if not order:
            raise ValidationError("keys", "no master key given")
        if index_key is None:
            oldest = order[-1]
            index_key = hashlib.sha256(
                b"salonkit-blind-index:" + oldest.encode() + keys[oldest]
            ).digest()
        return cls(keys, order[0], index_key)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> KeyRing | None:
        """Keys from ``SALONKIT_MASTER_KEYS`` (and optionally ``SALONKIT_INDEX_KEY``, base64), or
        ``None`` when the variable is not set."""
        env = os.environ if environ is None else environ
        text = env.get("SALONKIT_MASTER_KEYS")
        if not text:
            return None
        index = env.get("SALONKIT_INDEX_KEY")
        return cls.from_text(text, base64.b64decode(index) if index else None)

    @staticmethod
    def generate_text(kid: str = "k1") -> str:
        """A new random master key in the text form :meth:`from_text` reads."""
        return f"{kid}:{base64.b64encode(os.urandom(32)).decode()}"


class Protector:
    """Seals and opens documents of kinds with encrypted fields; computes blind-index values."""

    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring

    # -- keys --------------------------------------------------------------------------------

    def _cache(self, uow: UnitOfWork) -> dict[str, tuple[str, bytes] | None]:
        cache: dict[str, tuple[str, bytes] | None] | None = getattr(uow, "_subject_keys", None)
        if cache is None:
            cache = {}
            uow._subject_keys = cache  # type: ignore[attr-defined]
        return cache

    def subject_key(self, uow: UnitOfWork, subject: str, create: bool) -> tuple[str, bytes] | None:
        """``(key_id, key)`` of ``subject``'s data key (made and stored when ``create`` and it
        has none)."""
        cache = self._cache(uow)
        if subject in cache and (cache[subject] is not None or not create):
            return cache[subject]
        stored = uow.repo(SUBJECT_KEYS).find(subject)
        found: tuple[str, bytes] | None
        if stored is not None:
            found = (stored.key_id, self._unwrap(stored))
        elif create:
            key = AESGCM.generate_key(bit_length=256)
            key_id = os.urandom(8).hex()
            uow.repo(SUBJECT_KEYS).add(
                SubjectKey(
                    subject=subject,
                    key_id=key_id,
                    kid=self.ring.current,
                    wrapped=self._wrap(subject, key),
                )
            )
            found = (key_id, key)
        else:
            found = None
        cache[subject] = found
        return found

    def _wrap(self, subject: str, key: bytes) -> str:
        nonce = os.urandom(_NONCE)
        sealed = AESGCM(self.ring.keys[self.ring.current]).encrypt(nonce, key, subject.encode())
        return base64.b64encode(nonce + sealed).decode()

    def _unwrap(self, stored: SubjectKey) -> bytes:
        master = self.ring.keys.get(stored.kid)
        if master is None:
            raise ValidationError("keys", f"master key {stored.kid!r} is needed but not configured")
        raw = base64.b64decode(stored.wrapped)
        return AESGCM(master).decrypt(raw[:_NONCE], raw[_NONCE:], stored.subject.encode())

    def forget(self, uow: UnitOfWork, subject: str) -> None:
        """Crypto-shred ``subject``: delete its data key (in this transaction)."""
        if uow.repo(SUBJECT_KEYS).find(subject) is not None:
            uow.repo(SUBJECT_KEYS).remove(subject)
        self._cache(uow)[subject] = None

    def rewrap(self, uow: UnitOfWork) -> int:
        """Re-wrap every subject key not under the current master key; returns how many."""
        changed = 0
        for stored in uow.repo(SUBJECT_KEYS).select():
            if stored.kid == self.ring.current:
                continue
            key = self._unwrap(stored)
            uow.repo(SUBJECT_KEYS).update(
                attrs.evolve(stored, kid=self.ring.current, wrapped=self._wrap(stored.subject, key))
            )
            changed += 1
        return changed

    # -- documents ---------------------------------------------------------------------------

    def blind(self, value: Any) -> Any:
        """The blind-index value stored for ``value`` (``None`` stays ``None``)."""
        if value is None:
            return None
        return hmac.new(self.ring.index_key, str(value).encode(), hashlib.sha256).hexdigest()

    def columns(self, kind: Kind[Any], values: dict[str, Any]) -> dict[str, Any]:
        """Column values as stored: blind columns replaced by their index values."""
        blind = {c.name for c in kind.columns if c.blind}
        return {name: (self.blind(v) if name in blind else v) for name, v in values.items()}

    def seal(
        self, uow: UnitOfWork, kind: Kind[Any], key: str, doc: dict[str, Any]
    ) -> dict[str, Any]:
        """``doc`` with its kind's personal fields encrypted under the subject's data key."""
        if not kind.encrypted:
            return doc
        subject = str(doc.get(kind.subject or kind.key) or key)
        found = self.subject_key(uow, subject, create=True)
        assert found is not None
        key_id, data_key = found
        out = dict(doc)
        for field in kind.encrypted:
            plain = json.dumps(doc.get(field), sort_keys=True).encode()
            nonce = os.urandom(_NONCE)
            aad = f"{kind.name}:{key}:{field}".encode()
            sealed = AESGCM(data_key).encrypt(nonce, plain, aad)
            out[field] = {MARK: base64.b64encode(nonce + sealed).decode(), "key": key_id}
        return out

    def open(
        self, uow: UnitOfWork, kind: Kind[Any], key: str, doc: dict[str, Any]
    ) -> dict[str, Any]:
        """``doc`` with its encrypted fields decrypted; erased subjects' fields become defaults."""
        if not kind.encrypted:
            return doc
        subject = str(doc.get(kind.subject or kind.key) or key)
        found = self.subject_key(uow, subject, create=False)
        out = dict(doc)
        for field in kind.encrypted:
            value = doc.get(field)
            if not (isinstance(value, dict) and MARK in value):
                continue  # written before encryption was configured
            if found is None or value.get("key") != found[0]:
                out[field] = erased_value(kind, field)  # sealed under a key that was destroyed
                continue
            raw = base64.b64decode(value[MARK])
            try:
                plain = AESGCM(found[1]).decrypt(
                    raw[:_NONCE], raw[_NONCE:], f"{kind.name}:{key}:{field}".encode()
                )
            except InvalidTag as exc:
                raise ValidationError(
                    f"{kind.name}.{field}", "ciphertext does not belong to this record"
                ) from exc
            out[field] = json.loads(plain)
        return out


def erased_value(kind: Kind[Any], field: str) -> Any:
    """What an unreadable (erased) field reads as: the attrs default, else ``None``."""
    for attribute in attrs.fields(kind.cls):
        if attribute.name == field:
            default = attribute.default
            if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                return default.factory()
            return None if default is attrs.NOTHING else default
    return None


def blind_columns(kind: Kind[Any]) -> frozenset[str]:
    """Names of ``kind``'s blind-index columns."""
    return frozenset(c.name for c in kind.columns if c.blind)


__all__ = [
    "SUBJECT_KEYS",
    "Column",
    "KeyRing",
    "Protector",
    "SubjectKey",
    "blind_columns",
    "erased_value",
]
