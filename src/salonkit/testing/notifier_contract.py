"""The contract every notifier plugin passes.

Subclass :class:`NotifierContract` in your plugin's tests and provide three fixtures:

- ``notifier``: the notifier under test, talking to a far end the test controls (a local HTTP
  server, an SMTP server...);
- ``delivered``: a callable returning what the far end delivered so far, as :class:`Delivery`
  values in order. A gateway that honours idempotency keys lists a key once however often it
  was posted;
- ``broken_notifier``: the same kind of notifier pointed at a far end that is down.

Optionally override ``channel`` (default ``"sms"``), ``plugin`` (default: the notifier itself)
with the object whose ``salonkit_register_notifiers`` hook registers it, and set the class
attribute ``honours_idempotency_key = False`` for transports that cannot deduplicate (plain
SMTP): the duplicate test then only checks that a retry is accepted.

.. code-block:: python

   from salonkit.testing.notifier_contract import Delivery, NotifierContract

   class TestMyGateway(NotifierContract):
       @pytest.fixture
       def notifier(self, server): return MyGateway(server.url)

       @pytest.fixture
       def delivered(self, server):
           return lambda: [Delivery(m["key"], m["to"], m["body"]) for m in server.messages]

       @pytest.fixture
       def broken_notifier(self): return MyGateway("http://127.0.0.1:9/")
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pluggy
import pytest

from salonkit.plugins import hookspecs
from salonkit.plugins.hookspecs import Message, Notifier


@attrs.frozen
class Delivery:
    """A message as the far end delivered it: its idempotency ``key``, recipient and body."""

    key: str
    to: str
    body: str


class NotifierContract:
    """The abstract test suite of a notifier plugin (see the module doc)."""

    #: False for transports without idempotency (the duplicate test is then weaker).
    honours_idempotency_key: bool = True

    @pytest.fixture
    def notifier(self) -> Notifier:
        """The notifier under test."""
        raise NotImplementedError("provide a `notifier` fixture")

    @pytest.fixture
    def delivered(self) -> Callable[[], list[Delivery]]:
        """A callable returning what the far end delivered."""
        raise NotImplementedError("provide a `delivered` fixture")

    @pytest.fixture
    def broken_notifier(self) -> Notifier:
        """The notifier pointed at a far end that is down."""
        raise NotImplementedError("provide a `broken_notifier` fixture")

    @pytest.fixture
    def channel(self) -> str:
        """The channel the notifier serves."""
        return "sms"

    @pytest.fixture
    def plugin(self, notifier: Notifier) -> object:
        """The object that registers the notifier through ``salonkit_register_notifiers``."""
        return notifier

    @staticmethod
    def message(channel: str, key: str, body: str, to: str = "+86 138 0013 8001") -> Message:
        """A message for the contract's tests."""
        if channel == "email":
            to = "mei@example.com"
        return Message(
            key=key,
            channel=channel,
            to=to,
            body=body,
            subject="预约提醒 Reminder",
            purpose="reminder",
            customer_id="cus_1",
            metadata={"attempt": "1"},
        )

    def test_a_message_is_delivered_with_its_key_recipient_and_body(
        self, notifier: Notifier, delivered: Callable[[], list[Delivery]], channel: str
    ) -> None:
        message = self.message(channel, "contract:1", "林梅，您好！Your cut is at 16:00.")
        reference = notifier.send(message)
        assert isinstance(reference, str) and reference, f"bad reference {reference!r}"
        got = delivered()
        assert got == [Delivery(message.key, message.to, message.body)], f"delivered {got!r}"

    def test_a_long_message_arrives_whole(
        self, notifier: Notifier, delivered: Callable[[], list[Delivery]], channel: str
    ) -> None:
        body = "".join(f"{n:03d} 行 line. " for n in range(60))
        notifier.send(self.message(channel, "contract:long", body))
        got = [d.body for d in delivered()]
        assert got == [body], f"delivered {got!r}"

    def test_the_same_key_twice_is_delivered_once(
        self, notifier: Notifier, delivered: Callable[[], list[Delivery]], channel: str
    ) -> None:
        message = self.message(channel, "contract:retry", "Only once, please.")
        first = notifier.send(message)
        second = notifier.send(message)  # a retry after a lost answer must not fail
        assert isinstance(first, str) and isinstance(second, str)
        keys = [d.key for d in delivered()]
        if self.honours_idempotency_key:
            assert keys == [message.key], f"delivered keys {keys!r}"
        else:
            assert keys.count(message.key) >= 1, f"delivered keys {keys!r}"

    def test_different_keys_are_different_messages(
        self, notifier: Notifier, delivered: Callable[[], list[Delivery]], channel: str
    ) -> None:
        notifier.send(self.message(channel, "contract:a", "Same words."))
        notifier.send(self.message(channel, "contract:b", "Same words."))
        keys = sorted(d.key for d in delivered())
        assert keys == ["contract:a", "contract:b"], f"delivered keys {keys!r}"

    def test_a_far_end_that_is_down_raises(self, broken_notifier: Notifier, channel: str) -> None:
        with pytest.raises(Exception):  # noqa: B017 - any exception signals the failure
            broken_notifier.send(self.message(channel, "contract:down", "Lost?"))

    def test_it_registers_for_its_channel_through_the_hook(
        self, plugin: object, channel: str
    ) -> None:
        pm = pluggy.PluginManager("salonkit")
        pm.add_hookspecs(hookspecs)
        pm.register(plugin)
        pm.check_pending()
        found: dict[str, Notifier] = {}
        pm.hook.salonkit_register_notifiers(register=found.__setitem__)
        assert channel in found, f"registered channels: {sorted(found)}"
        assert callable(getattr(found[channel], "send", None)), "the notifier has no send()"


__all__ = ["Delivery", "NotifierContract"]
