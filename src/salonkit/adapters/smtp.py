"""An e-mail notifier over SMTP (stdlib ``smtplib``).

Each message becomes a plain-text UTF-8 e-mail from the configured sender. Its ``Message-ID`` is
derived from the message's stable key (the same on every retry) and the key is also sent as
``X-Salonkit-Key``, so a mailbox or relay that deduplicates on them shows a retried message once;
plain SMTP itself has no idempotency, so after a crash between sending and recording a customer
may receive an e-mail twice (at-least-once delivery).

A refused recipient or any 5xx answer is permanent (:class:`PermanentDeliveryError`); 4xx
answers, timeouts and connection failures are transient (:class:`DeliveryError`).

Configure it with an object or from the environment (:meth:`SmtpConfig.from_env`):
``SALONKIT_SMTP_HOST``, ``..._PORT`` (587), ``..._SENDER``, ``..._USERNAME``, ``..._PASSWORD``,
``..._SECURITY`` (``starttls``, ``ssl`` or ``none``), ``..._TIMEOUT`` (seconds, ``10``).
"""

from __future__ import annotations

import email.utils
import hashlib
import os
import smtplib
import ssl
from collections.abc import Callable, Mapping
from email.message import EmailMessage
from typing import Literal

import attrs

from salonkit.errors import ValidationError
from salonkit.notifications.errors import DeliveryError, PermanentDeliveryError
from salonkit.plugins.hookspecs import Message, Notifier, hookimpl

Security = Literal["starttls", "ssl", "none"]


def _security(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in ("starttls", "ssl", "none"):
        raise ValidationError("smtp.security", f"must be starttls, ssl or none, got {value!r}")


def _port(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or not 0 < value < 65536:
        raise ValidationError("smtp.port", f"must be a TCP port, got {value!r}")


def _positive_seconds(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value > 0:
        raise ValidationError(
            "smtp.timeout", f"must be a positive number of seconds, got {value!r}"
        )


@attrs.frozen(kw_only=True)
class SmtpConfig:
    """An SMTP relay: ``host``, ``port``, the ``sender`` address, optional login, the
    ``security`` of the connection and a ``timeout`` in seconds."""

    host: str
    sender: str
    port: int = attrs.field(default=587, validator=_port)
    username: str = ""
    password: str = attrs.field(default="", repr=False)
    security: Security = attrs.field(default="starttls", validator=_security)
    timeout: float = attrs.field(default=10.0, validator=_positive_seconds)
    channel: str = "email"

    @classmethod
    def from_env(
        cls, prefix: str = "SALONKIT_SMTP_", environ: Mapping[str, str] | None = None
    ) -> SmtpConfig | None:
        """The configuration in ``<prefix>HOST`` and friends; ``None`` when no host is set."""
        env = os.environ if environ is None else environ
        host = env.get(prefix + "HOST")
        if not host:
            return None
        sender = env.get(prefix + "SENDER", "")
        if not sender:
            raise ValidationError(prefix + "SENDER", "the sender address is required")
        try:
            port = int(env.get(prefix + "PORT", "587"))
            timeout = float(env.get(prefix + "TIMEOUT", "10"))
        except ValueError:
            raise ValidationError(prefix + "PORT", "port and timeout must be numbers") from None
        security = env.get(prefix + "SECURITY", "starttls")
        return cls(
            host=host,
            sender=sender,
            port=port,
            username=env.get(prefix + "USERNAME", ""),
            password=env.get(prefix + "PASSWORD", ""),
            security=security,  # type: ignore[arg-type]  # checked by the validator
            timeout=timeout,
        )


def message_id(key: str, domain: str = "salonkit") -> str:
    """The stable ``Message-ID`` of the message with ``key``.

    >>> message_id("reminder:app_1:20260505T0800Z:24h")
    '<585fea56902ae7b54155e710bf4d2361@salonkit>'
    """
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


class SmtpNotifier:
    """Sends messages as e-mail through an SMTP relay (see the module doc). Also a plugin:
    ``Salon.open(..., plugins=[SmtpNotifier(config)])`` serves ``config.channel``."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def email(self, message: Message) -> EmailMessage:
        """The e-mail for ``message``."""
        mail = EmailMessage()
        mail["From"] = self.config.sender
        mail["To"] = message.to
        mail["Subject"] = message.subject or message.purpose
        mail["Message-ID"] = message_id(
            message.key, self.config.sender.rpartition("@")[2] or "salonkit"
        )
        mail["Date"] = email.utils.formatdate(localtime=False)
        mail["X-Salonkit-Key"] = message.key
        mail.set_content(message.body)
        return mail

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        if cfg.security == "ssl":
            return smtplib.SMTP_SSL(
                cfg.host, cfg.port, timeout=cfg.timeout, context=ssl.create_default_context()
            )
        client = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
        if cfg.security == "starttls":
            client.starttls(context=ssl.create_default_context())
        return client

    def send(self, message: Message) -> str:
        """Send ``message``; its ``Message-ID`` is the reference."""
        mail = self.email(message)
        try:
            with self._connect() as client:
                if self.config.username:
                    client.login(self.config.username, self.config.password)
                client.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentDeliveryError(f"recipient refused: {message.to}") from exc
        except smtplib.SMTPResponseException as exc:
            text = exc.smtp_error
            reason = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
            detail = f"SMTP {exc.smtp_code}: {reason}"
            if exc.smtp_code >= 500:
                raise PermanentDeliveryError(detail) from exc
            raise DeliveryError(detail) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP relay unreachable: {exc}") from exc
        return str(mail["Message-ID"])

    @hookimpl
    def salonkit_register_notifiers(self, register: Callable[[str, Notifier], None]) -> None:
        """Serve the configured channel."""
        register(self.config.channel, self)


@hookimpl
def salonkit_register_notifiers(register: Callable[[str, Notifier], None]) -> None:
    """Register an SMTP notifier from ``SALONKIT_SMTP_*`` when ``SALONKIT_SMTP_HOST`` is set."""
    config = SmtpConfig.from_env()
    if config is not None:
        register(config.channel, SmtpNotifier(config))


__all__ = ["SmtpConfig", "SmtpNotifier", "message_id"]
