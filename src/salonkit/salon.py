"""The composition root: :func:`bootstrap` and :meth:`Salon.open` wire plugins, storage, services.

>>> import salonkit
>>> salon = salonkit.Salon.open("memory://")
>>> salon.backend.url
'memory://'
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import attrs
import pluggy

from salonkit.audit import with_audit
from salonkit.catalogue import CatalogueService
from salonkit.context import Context
from salonkit.crm.service import CrmService
from salonkit.customers import CustomerService
from salonkit.domain.actor import Actor
from salonkit.domain.clock import Clock, SystemClock
from salonkit.domain.events import DomainEvent
from salonkit.domain.ids import IdGenerator, UuidIds
from salonkit.domain.money import check_currency
from salonkit.errors import PluginError, ValidationError
from salonkit.feedback.service import FeedbackService
from salonkit.inventory.service import InventoryService
from salonkit.loyalty.programme import Programme
from salonkit.loyalty.service import LoyaltyService, WalletService
from salonkit.loyalty.wallet import WalletPolicy
from salonkit.notifications.service import NotificationService
from salonkit.orders.service import OrderService
from salonkit.permissions import Policy, guard_all
from salonkit.plugins.hookspecs import Notifier, Printer, StorageFactory
from salonkit.plugins.manager import get_plugin_manager
from salonkit.reports.service import ReportService
from salonkit.scheduling.day_plan_service import DEFAULT_FLEX_MINUTES, DayPlanService
from salonkit.scheduling.service import BookingService
from salonkit.staffing import StaffService
from salonkit.storage.port import Backend
from salonkit.storage.protection import KeyRing, Protector
from salonkit.stores import StoreService
from salonkit.workforce.service import WorkforceService

if TYPE_CHECKING:
    from salonkit.scheduling.day_plan import AppliedDayPlan, DayPlan

log = logging.getLogger(__name__)


def url_scheme(url: str) -> str:
    """The backend scheme of a URL: ``"sqlite"`` for a plain file path.

    >>> url_scheme("postgresql+psycopg://localhost/salons")
    'postgresql'
    >>> url_scheme("salon.db")
    'sqlite'
    """
    if "://" not in url:
        return "sqlite"
    return url.split("://", 1)[0].split("+", 1)[0]


@attrs.frozen(kw_only=True)
class SalonSettings:
    """How the services of a salon are set up.

    - ``currency``: the currency of stock valuation, points programme and wallet (ISO 4217).
    - ``programme``: the loyalty programme (default :meth:`Programme.standard`).
    - ``wallet_policy``: prepaid-card rules (default: no bonuses, no expiry).
    - ``receipt_printer``: the name of the printer checkout prints receipts on (``"console"``,
      or one a plugin registers); ``None`` prints nothing.
    """

    currency: str = "CNY"
    programme: Programme | None = None
    wallet_policy: WalletPolicy | None = None
    receipt_printer: str | None = None

    def __attrs_post_init__(self) -> None:
        check_currency(self.currency, "salon.currency")


class Salon:
    """One salon or chain: its storage, plugins and the services that run it.

    Namespaces: :attr:`stores`, :attr:`customers`, :attr:`staff`, :attr:`catalogue`,
    :attr:`bookings`, :attr:`inventory`, :attr:`loyalty`, :attr:`wallet`, :attr:`orders`,
    :attr:`notifications`, :attr:`workforce`, :attr:`reports`, :attr:`crm`, :attr:`feedback`,
    :attr:`day_plans` (also through :meth:`optimize_day` and :meth:`apply_day_plan`).
    Build it with :meth:`open` or :func:`bootstrap`; see who acts with :meth:`acting_as`.
    """

    def __init__(
        self,
        context: Context,
        plugin_manager: pluggy.PluginManager,
        settings: SalonSettings | None = None,
    ) -> None:
        settings = settings or SalonSettings()
        self._root_context = context
        self.settings = settings
        self.plugin_manager = plugin_manager
        self.notifiers: dict[str, Notifier] = {}
        self.printers: dict[str, Printer] = {}
        plugin_manager.hook.salonkit_register_notifiers(register=self.notifiers.__setitem__)
        plugin_manager.hook.salonkit_register_printers(register=self.printers.__setitem__)
        printer = None
        if settings.receipt_printer is not None:
            printer = self.printers.get(settings.receipt_printer)
            if printer is None:
                raise ValidationError(
                    "salon.receipt_printer",
                    f"no printer {settings.receipt_printer!r}; installed: {', '.join(sorted(self.printers)) or 'none'}",
                )
        self.notifications = NotificationService(context, self.notifiers, plugins=plugin_manager)
        self.context = context = context.with_before_commit(self.notifications.record_events)
        self.stores = StoreService(context)
        self.customers = CustomerService(context)
        self.staff = StaffService(context)
        self.catalogue = CatalogueService(context)
        self.bookings = BookingService(context)
        self.day_plans = DayPlanService(context)
        self.inventory = InventoryService(context, currency=settings.currency)
        self.loyalty = LoyaltyService(
            context, settings.programme or Programme.standard(settings.currency)
        )
        self.wallet = WalletService(
            context, settings.wallet_policy or WalletPolicy(currency=settings.currency)
        )
        self.orders = OrderService(
            context,
            bookings=self.bookings,
            inventory=self.inventory,
            loyalty=self.loyalty,
            wallet=self.wallet,
            printer=printer,
        )
        self.workforce = WorkforceService(context)
        self.reports = ReportService(context, commissions=self.workforce.commission_total)
        self.crm = CrmService(context)
        self.feedback = FeedbackService(context)

    @property
    def backend(self) -> Backend:
        """The storage backend."""
        return self.context.backend

    @property
    def clock(self) -> Clock:
        """The clock every use case reads."""
        return self.context.clock

    @property
    def actor(self) -> Actor:
        """Who this salon's use cases run for."""
        return self.context.actor

    @classmethod
    def open(
        cls,
        url: str,
        *,
        clock: Clock | None = None,
        ids: IdGenerator | None = None,
        plugins: Iterable[object] = (),
        load_entrypoints: bool = True,
        migrate: bool = True,
        audit: bool = True,
        keys: KeyRing | None = None,
        settings: SalonSettings | None = None,
    ) -> Salon:
        """Open (and by default create or upgrade) the salon stored at ``url``.

        ``url`` is a SQLite file path (``"salon.db"``), a ``sqlite:///`` or
        ``postgresql+psycopg://`` URL, ``"memory://"``, or any scheme a storage plugin registers.
        With ``audit`` (the default) every write is recorded in the hash-chained audit log. With
        ``keys`` (or keys from the ``salonkit_encryption_keys`` hook, e.g. ``SALONKIT_MASTER_KEYS``)
        customers' personal fields are encrypted at rest. ``settings`` sets the currency, the
        loyalty programme, the wallet policy and the receipt printer.
        """
        return bootstrap(
            url,
            clock=clock,
            ids=ids,
            plugins=plugins,
            load_entrypoints=load_entrypoints,
            migrate=migrate,
            audit=audit,
            keys=keys,
            settings=settings,
        )

    def optimize_day(
        self,
        date: dt.date,
        *,
        store: str | None = None,
        time_limit: float = 2.0,
        workers: int = 2,
        seed: int = 0,
        deterministic: bool = False,
        pinned: Iterable[str] = (),
        flex_minutes: int | None = DEFAULT_FLEX_MINUTES,
    ) -> DayPlan:
        """Propose a re-arrangement of ``date``'s not-yet-started bookings plus the waitlist
        (:meth:`salonkit.scheduling.day_plan.DayPlanner.propose`); nothing is written until
        :meth:`apply_day_plan`."""
        return self.day_plans.propose(
            date,
            store=store,
            time_limit=time_limit,
            workers=workers,
            seed=seed,
            deterministic=deterministic,
            pinned=pinned,
            flex_minutes=flex_minutes,
        )

    def apply_day_plan(self, plan: DayPlan) -> AppliedDayPlan:
        """Write a plan from :meth:`optimize_day` in one unit of work, or refuse
        (:class:`~salonkit.ConcurrencyError` if the day changed since) and write nothing."""
        return self.day_plans.apply(plan)

    def acting_as(self, actor: Actor, policy: Policy | None = None) -> Salon:
        """The same salon seen by ``actor``: every use case is checked against ``policy``
        (:meth:`Policy.default` unless given) and runs for the actor (recorded in the audit log).

        A denied call raises :class:`~salonkit.PermissionDenied` and changes nothing.
        """
        salon = type(self)(
            attrs.evolve(self._root_context, actor=actor), self.plugin_manager, self.settings
        )
        services = {
            name: value
            for name, value in vars(salon).items()
            if type(value).__name__.endswith("Service")
        }
        for name, guarded in guard_all(services, actor, policy or Policy.default()).items():
            setattr(salon, name, guarded)
        return salon

    def close(self) -> None:
        """Release the storage backend's connections."""
        self.backend.close()

    def __enter__(self) -> Salon:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _event_delivery(pm: pluggy.PluginManager) -> Callable[[list[DomainEvent]], None]:
    def deliver(events: list[DomainEvent]) -> None:
        for event in events:
            try:
                pm.hook.salonkit_on_event(event=event)
            except Exception:
                log.exception("a listener failed on %s; the change stays committed", event.name)

    return deliver


def bootstrap(
    url: str,
    *,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
    plugins: Iterable[object] = (),
    load_entrypoints: bool = True,
    migrate: bool = True,
    plugin_manager: pluggy.PluginManager | None = None,
    audit: bool = True,
    keys: KeyRing | None = None,
    settings: SalonSettings | None = None,
) -> Salon:
    """Build a :class:`Salon`: plugin manager, storage backend picked by URL scheme, services.

    Every dependency can be passed in (``clock``, ``ids``, extra ``plugins`` or a whole
    ``plugin_manager``) so tests and hosts control them. Nothing is opened before this call.
    """
    pm = plugin_manager or get_plugin_manager(load_entrypoints=load_entrypoints, plugins=plugins)
    factories: dict[str, StorageFactory] = {}
    pm.hook.salonkit_register_storage(register=factories.__setitem__)
    scheme = url_scheme(url)
    factory = factories.get(scheme)
    if factory is None:
        raise PluginError(
            f"no storage backend for {scheme!r} URLs; installed: {', '.join(sorted(factories)) or 'none'}"
        )
    backend = factory(url)
    ring = keys if keys is not None else pm.hook.salonkit_encryption_keys(url=url)
    if ring is not None:
        if not hasattr(backend, "protector"):
            raise PluginError(
                f"the {scheme!r} backend cannot encrypt personal data (no 'protector')"
            )
        backend.protector = Protector(ring)
    else:
        log.info("no encryption keys configured: personal data is stored unencrypted")
    if migrate:
        backend.migrate()
    context = Context(
        backend=backend,
        clock=clock or SystemClock(),
        ids=ids or UuidIds(),
        deliver=_event_delivery(pm),
    )
    if audit:
        context = with_audit(context)
    return Salon(context, pm, settings)
