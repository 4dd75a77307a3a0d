"""A generic HTTP gateway notifier: SMS or webhook delivery as a signed JSON POST (stdlib only).

Each message is POSTed as JSON (``key``, ``channel``, ``to``, ``subject``, ``body``,
``purpose``, ``customer_id``, ``metadata``) with these headers:

- ``Idempotency-Key``: the message's stable key, the same on every retry. A gateway that
  honours it delivers a message once however often it is posted.
- ``X-Salonkit-Timestamp``: seconds since the epoch when the request was signed.
- ``X-Salonkit-Signature``: ``sha256=`` and the hex HMAC-SHA256, keyed with the shared secret,
  of ``"<timestamp>." + body``. Receivers check it with :func:`verify_signature`.

A 2xx answer is a delivery (its JSON ``id`` or ``reference`` is the delivery reference); 408,
425, 429, any 5xx, a timeout or a refused connection are transient (:class:`DeliveryError`, the
dispatcher retries); any other 4xx is permanent (:class:`PermanentDeliveryError`).

Configure it with an object or from the environment (:meth:`HttpGatewayConfig.from_env`):
``SALONKIT_HTTP_GATEWAY_URL``, ``..._SECRET``, ``..._CHANNEL`` (``sms``), ``..._TIMEOUT``
(seconds, ``10``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation

import attrs

from salonkit.errors import ValidationError
from salonkit.notifications.errors import DeliveryError, PermanentDeliveryError
from salonkit.plugins.hookspecs import Message, Notifier, hookimpl

SIGNATURE_HEADER = "X-Salonkit-Signature"
TIMESTAMP_HEADER = "X-Salonkit-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
_TRANSIENT_4XX = frozenset({408, 425, 429})


def _http_url(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise ValidationError("gateway.url", f"must be an http:// or https:// URL, got {value!r}")


def _positive_seconds(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value > 0:
        raise ValidationError(
            "gateway.timeout", f"must be a positive number of seconds, got {value!r}"
        )


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp``: ``sha256=<hex>``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify_signature(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    now: float | None = None,
    tolerance_seconds: int = 300,
) -> bool:
    """For receivers: True when ``signature`` is right for ``body`` and ``timestamp`` is within
    ``tolerance_seconds`` of ``now`` (a replayed old request fails).

    >>> sig = sign("s3cret", "1700000000", b'{"to":"+86"}')
    >>> verify_signature("s3cret", "1700000000", b'{"to":"+86"}', sig, now=1700000010)
    True
    >>> verify_signature("other", "1700000000", b'{"to":"+86"}', sig, now=1700000010)
    False
    """
    try:
        stamp = int(timestamp)
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - stamp) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


@attrs.frozen(kw_only=True)
class HttpGatewayConfig:
    """Where and how to POST: ``url``, the HMAC ``secret``, the ``channel`` served, a request
    ``timeout`` in seconds and extra ``headers`` (an API token, say)."""

    url: str = attrs.field(validator=_http_url)
    secret: str = attrs.field(repr=False)
    channel: str = "sms"
    timeout: float = attrs.field(default=10.0, validator=_positive_seconds)
    headers: Mapping[str, str] = attrs.field(factory=dict, hash=False)

    @classmethod
    def from_env(
        cls, prefix: str = "SALONKIT_HTTP_GATEWAY_", environ: Mapping[str, str] | None = None
    ) -> HttpGatewayConfig | None:
        """The configuration in ``<prefix>URL``, ``SECRET``, ``CHANNEL``, ``TIMEOUT``; ``None``
        when no URL is set."""
        env = os.environ if environ is None else environ
        url = env.get(prefix + "URL")
        if not url:
            return None
        secret = env.get(prefix + "SECRET", "")
        if not secret:
            raise ValidationError(prefix + "SECRET", "a gateway needs a signing secret")
        try:
            timeout = float(Decimal(env.get(prefix + "TIMEOUT", "10")))
        except InvalidOperation:
            raise ValidationError(prefix + "TIMEOUT", "must be a number of seconds") from None
        return cls(
            url=url, secret=secret, channel=env.get(prefix + "CHANNEL", "sms"), timeout=timeout
        )


class HttpGatewayNotifier:
    """Sends messages to an HTTP gateway (see the module doc). Also a plugin: pass it to
    ``Salon.open(..., plugins=[HttpGatewayNotifier(config)])`` to serve ``config.channel``."""

    def __init__(
        self, config: HttpGatewayConfig, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.config = config
        self._clock = clock

    @staticmethod
    def payload(message: Message) -> bytes:
        """The JSON body for ``message`` (UTF-8, keys sorted)."""
        document = {
            "key": message.key,
            "channel": message.channel,
            "to": message.to,
            "subject": message.subject,
            "body": message.body,
            "purpose": message.purpose,
            "customer_id": message.customer_id,
            "metadata": dict(message.metadata),
        }
        return json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")

    def request(self, message: Message) -> urllib.request.Request:
        """The signed HTTP request for ``message``."""
        body = self.payload(message)
        timestamp = str(int(self._clock()))
        headers = {
            **self.config.headers,
            "Content-Type": "application/json; charset=utf-8",
            IDEMPOTENCY_HEADER: message.key,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self.config.secret, timestamp, body),
        }
        return urllib.request.Request(self.config.url, data=body, headers=headers, method="POST")

    def send(self, message: Message) -> str:
        """POST ``message``; the gateway's reference, or the key when it gives none."""
        try:
            with urllib.request.urlopen(
                self.request(message), timeout=self.config.timeout
            ) as reply:
                raw = reply.read()
        except urllib.error.HTTPError as exc:
            exc.close()
            detail = f"gateway answered {exc.code} {exc.reason}"
            if exc.code >= 500 or exc.code in _TRANSIENT_4XX:
                raise DeliveryError(detail) from exc
            raise PermanentDeliveryError(detail) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DeliveryError(f"gateway unreachable: {reason}") from exc
        return _reference(raw) or message.key

    @hookimpl
    def salonkit_register_notifiers(self, register: Callable[[str, Notifier], None]) -> None:
        """Serve the configured channel."""
        register(self.config.channel, self)


def _reference(raw: bytes) -> str | None:
    try:
        document = json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError):
        return None
    if isinstance(document, dict):
        for field in ("id", "reference"):
            if isinstance(document.get(field), (str, int)):
                return str(document[field])
    return None


@hookimpl
def salonkit_register_notifiers(register: Callable[[str, Notifier], None]) -> None:
    """Register a gateway from ``SALONKIT_HTTP_GATEWAY_*`` when ``..._URL`` is set."""
    config = HttpGatewayConfig.from_env()
    if config is not None:
        register(config.channel, HttpGatewayNotifier(config))


__all__ = [
    "IDEMPOTENCY_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "HttpGatewayConfig",
    "HttpGatewayNotifier",
    "sign",
    "verify_signature",
]
