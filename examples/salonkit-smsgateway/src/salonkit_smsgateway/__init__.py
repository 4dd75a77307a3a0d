"""salonkit-smsgateway: SMS through an HTTP gateway, as a salonkit plugin.

Configuration comes from the environment:

- ``SALONKIT_SMSGATEWAY_URL``: where messages are POSTed (required; without it the plugin
  registers nothing);
- ``SALONKIT_SMSGATEWAY_TOKEN``: sent as ``Authorization: Bearer <token>``;
- ``SALONKIT_SMSGATEWAY_TIMEOUT``: seconds to wait for the gateway (default 10).
"""

from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping

import salonkit
from salonkit.notifications import DeliveryError, PermanentDeliveryError
from salonkit.plugins import Message, Notifier

log = logging.getLogger(__name__)

#: Answers worth trying again later: the gateway is busy or broken, not the message.
RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})


class SmsGatewayNotifier:
    """Sends each message as one JSON POST; the message key is the idempotency key."""

    def __init__(self, url: str, token: str = "", timeout: float = 10.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise salonkit.ValidationError("smsgateway.url", f"not an http(s) URL: {url!r}")
        self.url = url
        self.token = token
        self.timeout = timeout

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SmsGatewayNotifier | None:
        """The notifier configured in ``SALONKIT_SMSGATEWAY_*``, or ``None`` without a URL."""
        env = os.environ if environ is None else environ
        url = env.get("SALONKIT_SMSGATEWAY_URL")
        if not url:
            return None
        timeout = float(env.get("SALONKIT_SMSGATEWAY_TIMEOUT", "10"))
        return cls(url, env.get("SALONKIT_SMSGATEWAY_TOKEN", ""), timeout)

    def send(self, message: Message) -> str:
        """POST the message; return the gateway's message id."""
        body = json.dumps(
            {"to": message.to, "text": message.body, "reference": message.key},
            ensure_ascii=False,
        ).encode("utf-8")
        headers = {"Content-Type": "application/json", "Idempotency-Key": message.key}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:
                answer = json.loads(reply.read() or b"{}")
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code in RETRYABLE:
                raise DeliveryError(f"gateway answered {exc.code}") from exc
            raise PermanentDeliveryError(f"gateway refused the message: {exc.code}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise DeliveryError(f"gateway unreachable: {exc}") from exc
        return str(answer.get("message_id") or message.key)


@salonkit.hookimpl
def salonkit_register_notifiers(register: Callable[[str, Notifier], None]) -> None:
    """Serve the ``sms`` channel when ``SALONKIT_SMSGATEWAY_URL`` is set."""
    notifier = SmsGatewayNotifier.from_env()
    if notifier is None:
        log.info("salonkit-smsgateway: SALONKIT_SMSGATEWAY_URL is not set; not registering")
        return
    register("sms", notifier)
