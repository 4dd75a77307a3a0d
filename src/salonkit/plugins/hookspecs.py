"""Every hook a salonkit plugin can implement.

A plugin is any object or module with functions marked ``@salonkit.hookimpl`` whose names match
the specifications below. Third-party plugins are found through the ``salonkit`` entry-point
group; the built-in adapters register through the same hooks.

Registry hooks receive a ``register`` callback and call it once per thing they provide; they
return nothing. ``salonkit_on_event`` is called once per committed domain event.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol

import attrs
import pluggy

if TYPE_CHECKING:
    from salonkit.domain.events import DomainEvent
    from salonkit.notifications.templates import Template
    from salonkit.storage.port import Backend
    from salonkit.storage.protection import KeyRing

hookspec = pluggy.HookspecMarker("salonkit")
hookimpl = pluggy.HookimplMarker("salonkit")


@attrs.frozen(kw_only=True)
class Message:
    """An outgoing notification: ``channel`` ("sms", "email", ...), recipient and content.

    ``key`` identifies the message for idempotent delivery: a notifier that is handed the same
    key twice should deliver it once (gateways get it as an idempotency header).
    """

    key: str
    channel: str
    to: str
    body: str
    subject: str = ""
    purpose: str = "transactional"
    customer_id: str | None = None
    metadata: Mapping[str, str] = attrs.field(factory=dict, hash=False)


@attrs.frozen(kw_only=True)
class PrintJob:
    """A document for a printer: ``kind`` ("receipt", "slip"), its rendered text and any data."""

    kind: str
    text: str
    store_id: str | None = None
    data: Mapping[str, object] = attrs.field(factory=dict, hash=False)


class Notifier(Protocol):
    """What a notifier plugin registers: something that sends a :class:`Message`."""

    def send(self, message: Message) -> str:
        """Deliver ``message``; return the gateway's reference. Raise to signal a failure."""
        ...


class Printer(Protocol):
    """What a printer plugin registers: something that prints a :class:`PrintJob`."""

    def print(self, job: PrintJob) -> None:
        """Print ``job``; raise to signal a failure."""
        ...


StorageFactory = Callable[[str], "Backend"]


@hookspec
def salonkit_register_storage(register: Callable[[str, StorageFactory], None]) -> None:
    """Offer storage backends by URL scheme.

    Called once when a salon is opened. Call ``register(scheme, factory)`` for each URL scheme the
    plugin serves (``"sqlite"``, ``"postgresql"``, ``"memory"``...); ``factory(url)`` must return
    an object implementing :class:`salonkit.storage.Backend`. The URL's scheme is the part before
    ``+`` or ``://``. A later registration of the same scheme replaces an earlier one, so a plugin
    can override a built-in backend.
    """


@hookspec
def salonkit_register_notifiers(register: Callable[[str, Notifier], None]) -> None:
    """Offer notifiers by channel.

    Called once when a salon is opened. Call ``register(channel, notifier)`` for each channel
    (``"sms"``, ``"email"``, ``"console"``, ...) the plugin can deliver to; ``notifier`` must have
    ``send(message: Message) -> str``. Several notifiers may serve one channel; the last one
    registered is used.
    """


@hookspec
def salonkit_register_printers(register: Callable[[str, Printer], None]) -> None:
    """Offer printers by name.

    Called once when a salon is opened. Call ``register(name, printer)`` for each printer
    (``"console"``, ``"front-desk"``); ``printer`` must have ``print(job: PrintJob) -> None``.
    """


@hookspec
def salonkit_register_templates(register: Callable[[Template], None]) -> None:
    """Offer message templates: a language pack, or a salon's own wording.

    Called once when a salon is opened, after the built-in English and Simplified Chinese
    templates are loaded. Call ``register(template)`` with a
    :class:`salonkit.notifications.Template` (purpose, language, subject, body in ``str.format``
    syntax) for each template the plugin provides. A template replaces the one for the same
    purpose and language; between plugins, the one registered last wins.
    """


@hookspec
def salonkit_on_event(event: DomainEvent) -> None:
    """React to a domain event (``CustomerRegistered``, ``AppointmentBooked``, ``StockLow``...).

    Called once per event, after the transaction that produced it has committed, in the order the
    events were emitted. The return value is ignored. An exception raised here is logged and does
    not undo the committed change, nor stop other listeners.
    """


@hookspec(firstresult=True)
def salonkit_encryption_keys(url: str) -> KeyRing | None:
    """Supply the master keys that encrypt personal data at rest for the salon at ``url``.

    Called once when a salon is opened, unless the host passed ``keys=`` to ``Salon.open``. Return
    a :class:`salonkit.storage.protection.KeyRing` (for example fetched from a key management
    service) or ``None`` to let the next plugin answer; the first non-``None`` answer wins. The
    built-in provider reads ``SALONKIT_MASTER_KEYS`` (``kid:base64key,...``, current key first) and
    ``SALONKIT_INDEX_KEY``. With no keys at all, personal data is stored unencrypted.
    """
