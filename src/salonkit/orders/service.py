"""Order use cases: open, change, check out, refund and void orders; deposits and fees.

``OrderService(context, bookings=..., inventory=..., loyalty=..., wallet=...)``; every public
method is ONE unit of work. :meth:`OrderService.checkout` in particular completes the appointment,
posts the stock consumed and sold, redeems and earns points, debits the wallet, records the order
as paid and prints the receipt all in one transaction: if any step fails (the printer jams, a
product is out of stock, the wallet is short) nothing of it is stored. The other packages' use
cases run inside that transaction through :func:`salonkit.orders.enlist.enlisted`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING

import attrs
import pendulum

from salonkit.context import Context
from salonkit.domain.money import Money
from salonkit.domain.time import local_date, require_aware
from salonkit.errors import InsufficientBalance, NotFound, ValidationError
from salonkit.orders.deposits import Deposit, DepositStatus, FeePolicy, StoreOrderSettings
from salonkit.orders.discounts import allocate, percent_of
from salonkit.orders.enlist import enlisted
from salonkit.orders.events import (
    DepositTaken,
    FeeCharged,
    OrderOpened,
    OrderPaid,
    OrderRefunded,
    OrderVoided,
)
from salonkit.orders.model import (
    AppliedDiscount,
    LineKind,
    Order,
    OrderLine,
    OrderStatus,
    Tender,
    TenderKind,
)
from salonkit.orders.receipt import print_job, receipt_for
from salonkit.orders.records import (
    DEPOSITS,
    ORDER_COUNTERS,
    ORDER_SETTINGS,
    ORDERS,
    REFUNDS,
    OrderCounter,
    Refund,
    RefundLine,
    TenderRefund,
)
from salonkit.orders.tax import TaxPolicy
from salonkit.orders.tenders import Payment, PaymentKind, settle
from salonkit.plugins.hookspecs import Printer
from salonkit.scheduling.model import AppointmentStatus
from salonkit.scheduling.records import APPOINTMENTS
from salonkit.storage.idempotency import fingerprint, recall, remember
from salonkit.storage.port import UnitOfWork, eq, ge, in_, lt
from salonkit.storage.records import CUSTOMERS, PRODUCTS, SERVICES, STAFF, STORES

if TYPE_CHECKING:
    from salonkit.inventory.service import InventoryService
    from salonkit.loyalty.model import Purchase
    from salonkit.loyalty.service import LoyaltyService, WalletService
    from salonkit.scheduling.service import BookingService

log = logging.getLogger(__name__)

#: Line kinds whose value points may pay for and that earn points.
_SHOPPING = frozenset({LineKind.SERVICE, LineKind.PRODUCT, LineKind.PACKAGE, LineKind.FEE})
#: Refunds go back through the tenders in this order: money first, points last.
_REFUND_ORDER = {
    TenderKind.CASH: 0,
    TenderKind.CARD: 1,
    TenderKind.WALLET: 2,
    TenderKind.DEPOSIT: 3,
    TenderKind.POINTS: 4,
}


def _purchase(order: Order, at: dt.datetime, extra: Mapping[str, Money] | None = None) -> Purchase:
    """The order as the loyalty package sees it (``extra`` discounts per line id)."""
    from salonkit.loyalty.model import LineCategory, Purchase, PurchaseLine

    zero = Money.zero(order.currency)
    lines = []
    for line in order.lines:
        more = (extra or {}).get(line.id, zero)
        lines.append(
            PurchaseLine(
                category=LineCategory(line.kind.value),
                amount=line.gross,
                item_id=line.item_id,
                quantity=line.quantity,
                discount=min(line.discount + more, line.gross),
                tax=min(line.tax, line.net - more) if line.tax_inclusive else zero,
            )
        )
    return Purchase(
        order_id=order.id,
        at=at,
        lines=tuple(lines),  # type: ignore[arg-type]
        currency=order.currency,
        prices_include_tax=True,
        store_id=order.store_id,
    )


class OrderService:
    """Orders and checkout of a salon or chain. ``salon.orders``.

    The collaborators are optional: without ``loyalty`` no points are earned or redeemed,
    without ``inventory`` no stock is posted, without ``printer`` no receipt is printed.
    """

    def __init__(
        self,
        context: Context,
        *,
        bookings: BookingService | None = None,
        inventory: InventoryService | None = None,
        loyalty: LoyaltyService | None = None,
        wallet: WalletService | None = None,
        printer: Printer | None = None,
    ) -> None:
        self._ctx = context
        self.bookings = bookings
        self.inventory = inventory
        self.loyalty = loyalty
        self.wallet = wallet
        #: Where receipts are printed (inside the checkout's transaction); ``None`` prints none.
        self.printer = printer

    # ------------------------------------------------------------------ helpers

    def _now(self) -> pendulum.DateTime:
        return require_aware(self._ctx.clock.now(), "clock.now")

    @staticmethod
    def _settings(uow: UnitOfWork, store_id: str) -> StoreOrderSettings:
        found = uow.repo(ORDER_SETTINGS).find(store_id)
        return found if found is not None else StoreOrderSettings(id=store_id)

    @staticmethod
    def _locked(uow: UnitOfWork, order_id: str) -> Order:
        uow.lock(f"order:{order_id}")
        return uow.repo(ORDERS).get(order_id)

    def _next_number(self, uow: UnitOfWork, store_id: str, day: dt.date) -> str:
        uow.lock(f"order-number:{store_id}")
        repo = uow.repo(ORDER_COUNTERS)
        key = f"{store_id}/{day.isoformat()}"
        counter = repo.find(key)
        if counter is None:
            counter = repo.add(OrderCounter(id=key, last=1))
        else:
            counter = repo.update(attrs.evolve(counter, last=counter.last + 1))
        return f"{day:%Y%m%d}-{counter.last:04d}"

    def _change(self, order_id: str, change: Callable[[UnitOfWork, Order], Order]) -> Order:
        with self._ctx.unit_of_work() as uow:
            order = self._locked(uow, order_id)
            order.require_open()
            changed = change(uow, order)
            settings = self._settings(uow, order.store_id)
            priced = attrs.evolve(
                changed, lines=tuple(settings.tax.apply(x) for x in changed.lines)
            )
            return uow.repo(ORDERS).update(priced)

    # ------------------------------------------------------------------ settings

    def settings(self, store_id: str) -> StoreOrderSettings:
        """The store's tax and fee policies (no tax, no fees until set)."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            return self._settings(uow, store_id)

    def configure(
        self, store_id: str, *, tax: TaxPolicy | None = None, fees: FeePolicy | None = None
    ) -> StoreOrderSettings:
        """Set the store's tax policy and/or fee policy (open orders are re-taxed when changed)."""
        with self._ctx.unit_of_work() as uow:
            uow.repo(STORES).get(store_id)
            repo = uow.repo(ORDER_SETTINGS)
            found = repo.find(store_id)
            current = found if found is not None else StoreOrderSettings(id=store_id)
            updated = attrs.evolve(
                current,
                tax=tax if tax is not None else current.tax,
                fees=fees if fees is not None else current.fees,
            )
            return repo.add(updated) if found is None else repo.update(updated)

    # ------------------------------------------------------------------ opening and changing

    def open(
        self,
        store_id: str | None = None,
        *,
        customer: str | None = None,
        appointment: str | None = None,
        actor: str = "",
        note: str = "",
    ) -> Order:
        """Open an order: for ``appointment`` (its service becomes the first line, with its
        staff member and the catalogue price) or a walk-in (``customer`` optional)."""
        now = self._now()
        with self._ctx.unit_of_work() as uow:
            appt = uow.repo(APPOINTMENTS).get(appointment) if appointment else None
            if appt is not None:
                if store_id is not None and store_id != appt.store_id:
                    raise ValidationError("store_id", "the appointment is in another store")
                if customer is not None and customer != appt.customer_id:
                    raise ValidationError("customer", "the appointment is another customer's")
                store_id, customer = appt.store_id, appt.customer_id
                if appt.status not in (
                    AppointmentStatus.BOOKED,
                    AppointmentStatus.CONFIRMED,
                    AppointmentStatus.CHECKED_IN,
                ):
                    raise ValidationError(
                        "appointment", f"a {appt.status.value} appointment cannot be checked out"
                    )
                if uow.repo(ORDERS).count(
                    eq("appointment_id", appt.id),
                    in_("status", (OrderStatus.OPEN.value, OrderStatus.PAID.value)),
                ):
                    raise ValidationError("appointment", "the appointment already has an order")
            if store_id is None:
                raise ValidationError("store_id", "name the store")
            store = uow.repo(STORES).get(store_id)
            if customer is not None:
                uow.repo(CUSTOMERS).get(customer)
            day = local_date(now, store.timezone)
            order = Order(
                id=self._ctx.ids.new("order"),
                number=self._next_number(uow, store_id, day),
                store_id=store_id,
                currency=store.currency,
                business_date=day,
                opened_at=now,
                customer_id=customer,
                appointment_id=appt.id if appt is not None else None,
                opened_by=actor,
                note=note,
            )
            if appt is not None:
                service = uow.repo(SERVICES).get(appt.service_id)
                line = OrderLine(
                    id="1",
                    kind=LineKind.SERVICE,
                    item_id=service.id,
                    description=service.name,
                    unit_price=service.price,
                    staff_id=appt.staff_id,
                    category=service.category,
                )
                order = attrs.evolve(order, lines=(self._settings(uow, store_id).tax.apply(line),))
            uow.repo(ORDERS).add(order)
            uow.emit(
                OrderOpened(
                    occurred_at=now,
                    store_id=store_id,
                    order_id=order.id,
                    number=order.number,
                    customer_id=customer,
                    appointment_id=order.appointment_id,
                )
            )
            return order

    def _add(self, order_id: str, line_for: Callable[[UnitOfWork, Order, str], OrderLine]) -> Order:
        def change(uow: UnitOfWork, order: Order) -> Order:
            line = line_for(uow, order, order.next_line_id())
            if line.currency != order.currency:
                raise ValidationError("price", f"must be in {order.currency}")
            return attrs.evolve(order, lines=(*order.lines, line))

        return self._change(order_id, change)

    def add_service(
        self,
        order_id: str,
        service_id: str,
        *,
        staff: str,
        price: Money | None = None,
        quantity: int = 1,
    ) -> Order:
        """Add a service done by ``staff`` (catalogue price unless ``price`` is given)."""

        def line(uow: UnitOfWork, order: Order, line_id: str) -> OrderLine:
            service = uow.repo(SERVICES).get(service_id)
            member = uow.repo(STAFF).get(staff)
            if member.store_id != order.store_id:
                raise ValidationError("staff", f"{staff} works in another store")
            return OrderLine(
                id=line_id,
                kind=LineKind.SERVICE,
                item_id=service.id,
                description=service.name,
                unit_price=price if price is not None else service.price,
                quantity=quantity,
                staff_id=staff,
                category=service.category,
            )

        return self._add(order_id, line)

    def add_product(
        self,
        order_id: str,
        sku: str,
        quantity: int = 1,
        *,
        staff: str | None = None,
        price: Money | None = None,
    ) -> Order:
        """Add a retail product (catalogue price unless ``price`` is given)."""

        def line(uow: UnitOfWork, order: Order, line_id: str) -> OrderLine:
            product = uow.repo(PRODUCTS).get(sku)
            unit_price = price if price is not None else product.price
            if unit_price is None:
                raise ValidationError("price", f"{sku} has no catalogue price; give one")
            return OrderLine(
                id=line_id,
                kind=LineKind.PRODUCT,
                item_id=product.sku,
                description=product.name,
                unit_price=unit_price,
                quantity=quantity,
                staff_id=staff,
                category=product.category,
            )

        return self._add(order_id, line)

    def add_package(
        self,
        order_id: str,
        service_id: str,
        *,
        visits: int,
        price: Money,
        staff: str | None = None,
    ) -> Order:
        """Sell a prepaid package of ``visits`` visits of ``service_id`` for ``price``."""

        def line(uow: UnitOfWork, order: Order, line_id: str) -> OrderLine:
            service = uow.repo(SERVICES).get(service_id)
            return OrderLine(
                id=line_id,
                kind=LineKind.PACKAGE,
                item_id=service.id,
                description=f"{service.name} x{visits} package",
                unit_price=price,
                staff_id=staff,
                package_visits=visits,
                category=service.category,
            )

        return self._add(order_id, line)

    def add_top_up(self, order_id: str, amount: Money) -> Order:
        """Load ``amount`` onto the customer's wallet when the order is paid."""

        def line(uow: UnitOfWork, order: Order, line_id: str) -> OrderLine:
            if order.customer_id is None:
                raise ValidationError("customer", "a wallet top-up needs a customer")
            return OrderLine(
                id=line_id,
                kind=LineKind.TOP_UP,
                item_id="wallet",
                description="Wallet top-up",
                unit_price=amount,
            )

        return self._add(order_id, line)

    def add_tip(self, order_id: str, amount: Money, *, staff: str) -> Order:
        """A tip for ``staff`` (no tax, no points, no discount)."""

        def line(uow: UnitOfWork, order: Order, line_id: str) -> OrderLine:
            uow.repo(STAFF).get(staff)
            return OrderLine(
                id=line_id,
                kind=LineKind.TIP,
                item_id="tip",
                description="Tip",
                unit_price=amount,
                staff_id=staff,
            )

        return self._add(order_id, line)

    def add_fee(self, order_id: str, amount: Money, *, description: str) -> Order:
        """A fee line (a no-show or late-cancellation fee, a surcharge)."""

        def line(uow: UnitOfWork, order: Order, line_id: str) -> OrderLine:
            return OrderLine(
                id=line_id,
                kind=LineKind.FEE,
                item_id="fee",
                description=description,
                unit_price=amount,
            )

        return self._add(order_id, line)

    def remove_line(self, order_id: str, line_id: str) -> Order:
        """Take a line off an open order."""

        def change(uow: UnitOfWork, order: Order) -> Order:
            order.line(line_id)
            return attrs.evolve(order, lines=tuple(x for x in order.lines if x.id != line_id))

        return self._change(order_id, change)

    def set_quantity(self, order_id: str, line_id: str, quantity: int) -> Order:
        """Change a line's quantity (its manual discount is kept, capped at the new gross)."""

        def change(uow: UnitOfWork, order: Order) -> Order:
            old = order.line(line_id)
            probe = attrs.evolve(old, quantity=quantity, discount=Money.zero(order.currency))
            new = attrs.evolve(probe, discount=min(old.discount, probe.gross))
            return attrs.evolve(
                order, lines=tuple(new if x.id == line_id else x for x in order.lines)
            )

        return self._change(order_id, change)

    def discount(
        self, order_id: str, amount: Money, *, reason: str, line: str | None = None
    ) -> Order:
        """A manual discount of ``amount`` on one line or spread over the order's lines."""
        if not reason.strip():
            raise ValidationError("reason", "a manual discount needs a reason")

        def change(uow: UnitOfWork, order: Order) -> Order:
            lines = allocate(
                amount,
                order.lines,
                (lambda x: x.id == line) if line is not None else (lambda x: x.kind in _SHOPPING),
            )
            applied = AppliedDiscount(source="manual", reference=reason, amount=amount.round())
            return attrs.evolve(order, lines=lines, discounts=(*order.discounts, applied))

        return self._change(order_id, change)

    def void(self, order_id: str, *, reason: str, actor: str = "") -> Order:
        """Void an open order (a paid one is refunded instead)."""
        now = self._now()
        with self._ctx.unit_of_work() as uow:
            order = self._locked(uow, order_id)
            order.require_open()
            voided = uow.repo(ORDERS).update(
                attrs.evolve(order, status=OrderStatus.VOIDED, closed_at=now, note=reason)
            )
            uow.emit(
                OrderVoided(
                    occurred_at=now,
                    store_id=order.store_id,
                    order_id=order.id,
                    number=order.number,
                    reason=reason,
                )
            )
            log.info("order %s voided by %s: %s", order.number, actor or "?", reason)
            return voided

    # ------------------------------------------------------------------ checkout

    def checkout(
        self,
        order_id: str,
        payments: Sequence[Payment],
        *,
        actor: str = "",
        idempotency_key: str | None = None,
    ) -> Order:
        """Pay an open order with ``payments`` (see :mod:`salonkit.orders.tenders`), in ONE
        unit of work: tier and campaign discounts (a coupon payment unlocks its campaign), points
        redeemed, deposits applied, wallet debited, the appointment completed, recipe consumption
        and retail sales posted to the stock ledger, wallet top-ups and packages credited, points
        earned on the net amount, the order recorded as paid and the receipt printed. Any failure
        leaves everything as it was. Retrying with the same ``idempotency_key`` returns the paid
        order."""
        digest = fingerprint(
            {
                "op": "checkout",
                "order": order_id,
                "payments": [
                    [p.kind.value, str(p.amount), p.points, p.reference] for p in payments
                ],
            }
        )
        now = self._now()
        with self._ctx.unit_of_work() as uow:
            earlier = recall(uow, idempotency_key, digest)
            if earlier is not None:
                return uow.repo(ORDERS).get(earlier.result_id)
            order = self._locked(uow, order_id)
            order.require_open()
            if not order.lines:
                raise ValidationError("order.lines", f"order {order.number} has no lines")
            settings = self._settings(uow, order.store_id)
            member = order.customer_id
            loyalty = enlisted(self.loyalty, self._ctx, uow) if self.loyalty and member else None
            coupons = [p.reference for p in payments if p.kind is PaymentKind.COUPON]
            if len(coupons) > 1:
                raise ValidationError("payments", "one coupon per order")
            if member is None and any(
                p.kind in (PaymentKind.WALLET, PaymentKind.POINTS, PaymentKind.COUPON)
                for p in payments
            ):
                raise ValidationError("payments", "wallet, points and coupons need a customer")
            order = self._apply_discounts(uow, order, settings.tax, loyalty, coupons, now)
            resolved, order = self._resolve(uow, order, payments, loyalty, now)
            new_tenders = settle(order.total - order.paid, resolved)
            order = attrs.evolve(order, tenders=(*order.tenders, *new_tenders))
            self._pay_wallet(uow, order, new_tenders)
            self._complete_appointment(uow, order)
            order = self._post_stock(uow, order, actor)
            self._credit_stored_value(uow, order)
            order = self._earn(order, loyalty, now)
            paid = uow.repo(ORDERS).update(
                attrs.evolve(order, status=OrderStatus.PAID, paid_at=now, closed_at=now)
            )
            self._print(uow, paid, loyalty, actor)
            uow.emit(
                OrderPaid(
                    occurred_at=now,
                    store_id=paid.store_id,
                    order_id=paid.id,
                    number=paid.number,
                    customer_id=paid.customer_id,
                    total=paid.total,
                    tenders=tuple(t.kind.value for t in paid.tenders),
                    points_earned=paid.points_earned,
                )
            )
            remember(uow, idempotency_key, digest, "order", paid.id, now)
            return paid

    def _apply_discounts(
        self,
        uow: UnitOfWork,
        order: Order,
        tax: TaxPolicy,
        loyalty: LoyaltyService | None,
        coupons: Sequence[str],
        now: pendulum.DateTime,
    ) -> Order:
        member = order.customer_id
        if loyalty is not None and member is not None:
            order = self._tier_discount(uow, order, loyalty)
            applied = loyalty.use_offer(
                member,
                _purchase(order, now),
                coupon_code=coupons[0] if coupons else None,
            )
            if applied is not None and applied.discount:
                offer = loyalty.programme.campaign(applied.campaign_id).offer
                categories = getattr(offer, "categories", None)
                item = getattr(offer, "item_id", None)

                def eligible(line: OrderLine) -> bool:
                    if line.kind not in _SHOPPING or line.kind is LineKind.FEE:
                        return False
                    if item:
                        return bool(line.item_id == item)
                    return categories is None or any(
                        str(getattr(c, "value", c)) == line.kind.value for c in categories
                    )

                order = attrs.evolve(
                    order,
                    lines=allocate(applied.discount, order.lines, eligible),
                    discounts=(
                        *order.discounts,
                        AppliedDiscount(
                            source="campaign",
                            reference=applied.campaign_id,
                            amount=applied.discount,
                            coupon_code=applied.coupon_code,
                        ),
                    ),
                )
        elif coupons:
            raise ValidationError("payments", "coupons need the loyalty programme")
        return attrs.evolve(order, lines=tuple(tax.apply(line) for line in order.lines))

    @staticmethod
    def _tier_discount(uow: UnitOfWork, order: Order, loyalty: LoyaltyService) -> Order:
        from salonkit.loyalty.records import MEMBERS

        ladder = loyalty.programme.tiers
        member = uow.repo(MEMBERS).find(order.customer_id or "")
        if ladder is None or member is None or member.tier is None:
            return order
        percent = ladder.tier(member.tier).perks.discount_percent
        amount = percent_of(order.lines, percent) if percent else Money.zero(order.currency)
        if not amount:
            return order
        return attrs.evolve(
            order,
            lines=allocate(amount, order.lines),
            discounts=(
                *order.discounts,
                AppliedDiscount(source="tier", reference=member.tier, amount=amount),
            ),
        )

    def _resolve(
        self,
        uow: UnitOfWork,
        order: Order,
        payments: Sequence[Payment],
        loyalty: LoyaltyService | None,
        now: pendulum.DateTime,
    ) -> tuple[list[Payment], Order]:
        """Give points and deposit payments their money amount (redeeming and applying them)."""
        resolved: list[Payment] = []
        remaining = order.total - order.paid
        for payment in payments:
            if payment.kind is PaymentKind.DEPOSIT:
                deposit = self._held_deposit(uow, payment.reference, order)
                amount = min(deposit.available, remaining)
                if amount:
                    uow.repo(DEPOSITS).update(
                        attrs.evolve(
                            deposit,
                            applied=deposit.applied + amount,
                            status=DepositStatus.APPLIED,
                            order_id=order.id,
                            settled_at=now,
                        )
                    )
                    resolved.append(attrs.evolve(payment, amount=amount))
                    remaining = remaining - amount
        for payment in payments:
            if payment.kind is PaymentKind.POINTS:
                if loyalty is None or order.customer_id is None:
                    raise ValidationError("payment.points", "points need the loyalty programme")
                value = Money.sum(
                    (x.total for x in order.lines if x.kind in _SHOPPING), order.currency
                )
                result = loyalty.redeem(
                    order.customer_id,
                    order_id=order.id,
                    order_value=min(value, remaining),
                    points=payment.points,
                )
                if result.plan.points:
                    resolved.append(
                        Payment(
                            kind=PaymentKind.POINTS,
                            amount=result.plan.discount,
                            points=result.plan.points,
                        )
                    )
                    remaining = remaining - result.plan.discount
                    order = attrs.evolve(order, points_redeemed=result.plan.points)
        resolved.extend(
            p for p in payments if p.kind not in (PaymentKind.DEPOSIT, PaymentKind.POINTS)
        )
        return resolved, order

    @staticmethod
    def _held_deposit(uow: UnitOfWork, deposit_id: str, order: Order) -> Deposit:
        uow.lock(f"deposit:{deposit_id}")
        deposit = uow.repo(DEPOSITS).get(deposit_id)
        if deposit.status is not DepositStatus.HELD:
            raise ValidationError("payment.deposit", f"deposit {deposit_id} is {deposit.status}")
        if deposit.customer_id != order.customer_id:
            raise ValidationError("payment.deposit", "the deposit is another customer's")
        return deposit

    def _pay_wallet(self, uow: UnitOfWork, order: Order, tenders: Sequence[Tender]) -> None:
        wallet_tenders = [t for t in tenders if t.kind is TenderKind.WALLET]
        if not wallet_tenders:
            return
        if self.wallet is None or order.customer_id is None:
            raise ValidationError("payment.wallet", "no wallet service is configured")
        wallet = enlisted(self.wallet, self._ctx, uow)
        for tender in wallet_tenders:
            wallet.pay(order.customer_id, tender.amount, order_id=order.id)

    def _complete_appointment(self, uow: UnitOfWork, order: Order) -> None:
        if order.appointment_id is None or self.bookings is None:
            return
        bookings = enlisted(self.bookings, self._ctx, uow)
        appt = uow.repo(APPOINTMENTS).get(order.appointment_id)
        if appt.status in (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED):
            appt = bookings.check_in(appt.id)
        if appt.status is AppointmentStatus.CHECKED_IN:
            bookings.complete(appt.id)

    def _post_stock(self, uow: UnitOfWork, order: Order, actor: str) -> Order:
        if self.inventory is None:
            return order
        from salonkit.inventory.records import RECIPES

        inventory = enlisted(self.inventory, self._ctx, uow)
        lines = []
        for line in order.lines:
            cost = Decimal(0)
            who = line.staff_id or actor or "till"
            if line.kind is LineKind.SERVICE and uow.repo(RECIPES).find(line.item_id):
                for n in range(line.quantity):
                    postings = inventory.consume_for_service(
                        order.store_id,
                        line.item_id,
                        actor=who,
                        reference=f"{order.id}/{line.id}/{n + 1}",
                    )
                    cost += sum((p.cost for p in postings), Decimal(0))
            elif line.kind is LineKind.PRODUCT:
                posting = inventory.sell(
                    order.store_id,
                    line.item_id,
                    Decimal(line.quantity),
                    actor=who,
                    reference=order.id,
                )
                cost += posting.cost
            lines.append(attrs.evolve(line, cost=Money(cost, order.currency).round()))
        return attrs.evolve(order, lines=tuple(lines))

    def _credit_stored_value(self, uow: UnitOfWork, order: Order) -> None:
        stored = [x for x in order.lines if x.kind in (LineKind.TOP_UP, LineKind.PACKAGE)]
        if not stored:
            return
        if self.wallet is None or order.customer_id is None:
            raise ValidationError("order.lines", "top-ups and packages need the wallet service")
        wallet = enlisted(self.wallet, self._ctx, uow)
        for line in stored:
            if line.kind is LineKind.TOP_UP:
                wallet.top_up(order.customer_id, line.total, order_id=order.id)
            else:
                for _ in range(line.quantity):
                    wallet.sell_package(
                        order.customer_id,
                        service_id=line.item_id,
                        visits=line.package_visits or 1,
                        price=line.unit_price
                        - Money(line.discount.amount / line.quantity, order.currency).round(),
                        order_id=order.id,
                    )

    def _points_shares(self, order: Order) -> dict[str, Money]:
        """The points tender's value spread over the lines it paid for."""
        paid = Money.sum(
            (t.amount for t in order.tenders if t.kind is TenderKind.POINTS), order.currency
        )
        if not paid:
            return {}
        eligible = [x for x in order.lines if x.kind in _SHOPPING]
        base = Money.sum((x.net for x in eligible), order.currency)
        spread = allocate(min(paid, base), order.lines, lambda x: x.kind in _SHOPPING)
        return {
            new.id: new.discount - old.discount
            for old, new in zip(order.lines, spread, strict=True)
            if new.discount != old.discount
        }

    def _earn(self, order: Order, loyalty: LoyaltyService | None, now: pendulum.DateTime) -> Order:
        if loyalty is None or order.customer_id is None:
            return order
        result = loyalty.earn(order.customer_id, _purchase(order, now, self._points_shares(order)))
        return attrs.evolve(order, points_earned=result.points)

    def _print(
        self, uow: UnitOfWork, order: Order, loyalty: LoyaltyService | None, actor: str
    ) -> None:
        if self.printer is None:
            return
        store = uow.repo(STORES).get(order.store_id)
        customer = uow.repo(CUSTOMERS).find(order.customer_id) if order.customer_id else None
        balance = (
            loyalty.balance(order.customer_id).available
            if loyalty is not None and order.customer_id
            else None
        )
        wallet = None
        if (
            self.wallet is not None
            and order.customer_id
            and any(t.kind is TenderKind.WALLET for t in order.tenders)
        ):
            wallet = enlisted(self.wallet, self._ctx, uow).balance(order.customer_id).total
        receipt = receipt_for(
            order,
            store,
            customer_name=customer.name if customer else "",
            language=customer.language if customer else "en",
            cashier=actor,
            points_balance=balance,
            wallet_balance=wallet,
        )
        self.printer.print(print_job(receipt, store_id=order.store_id))

    # ------------------------------------------------------------------ refunds

    def refund(
        self,
        order_id: str,
        lines: Mapping[str, int] | None = None,
        *,
        reason: str,
        actor: str = "",
        restock: bool = True,
    ) -> Refund:
        """Refund a paid order: every line still refundable (``lines=None``) or the quantities
        given per line id. The money goes back to the order's own tenders (cash, card, wallet and
        deposit first, points last), points earned on what is refunded are clawed back, points
        paid are restored, and returned retail products go back into stock (``restock``).
        Wallet top-ups and packages are not refunded here."""
        if not reason.strip():
            raise ValidationError("reason", "a refund needs a reason")
        now = self._now()
        with self._ctx.unit_of_work() as uow:
            order = self._locked(uow, order_id)
            if order.status not in (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED):
                raise ValidationError(
                    "order.status", f"a {order.status.value} order cannot be refunded"
                )
            wanted = (
                {x.id: x.quantity - x.refunded_quantity for x in order.lines}
                if lines is None
                else dict(lines)
            )
            refund_lines, new_lines = self._refund_lines(order, wanted)
            amount = Money.sum((x.amount for x in refund_lines), order.currency)
            if not refund_lines:
                raise ValidationError("lines", "nothing left to refund")
            first = not order.refunded
            order = attrs.evolve(order, lines=new_lines)
            full = all(x.refunded_quantity == x.quantity for x in order.lines)
            reverse = full and first
            tender_refunds, order = self._refund_tenders(uow, order, amount, full, reverse, actor)
            clawed = self._claw_back(uow, order, full, reverse, actor)
            restored = sum(t.points for t in tender_refunds)
            if restock:
                refund_lines = self._restock(uow, order, refund_lines, actor)
            status = OrderStatus.REFUNDED if full else OrderStatus.PARTIALLY_REFUNDED
            uow.repo(ORDERS).update(
                attrs.evolve(
                    order,
                    status=status,
                    points_clawed_back=order.points_clawed_back + clawed,
                    points_restored=order.points_restored + restored,
                )
            )
            record = Refund(
                id=self._ctx.ids.new("refund"),
                order_id=order.id,
                store_id=order.store_id,
                customer_id=order.customer_id,
                at=now,
                amount=amount,
                lines=tuple(refund_lines),
                tenders=tuple(tender_refunds),
                points_clawed_back=clawed,
                points_restored=restored,
                reason=reason,
                actor=actor,
            )
            uow.repo(REFUNDS).add(record)
            uow.emit(
                OrderRefunded(
                    occurred_at=now,
                    store_id=order.store_id,
                    order_id=order.id,
                    number=order.number,
                    refund_id=record.id,
                    amount=amount,
                    full=full,
                )
            )
            return record

    @staticmethod
    def _refund_lines(
        order: Order, wanted: Mapping[str, int]
    ) -> tuple[list[RefundLine], tuple[OrderLine, ...]]:
        out: list[RefundLine] = []
        lines = list(order.lines)
        for line_id, quantity in wanted.items():
            line = order.line(line_id)
            if quantity == 0:
                continue
            left = line.quantity - line.refunded_quantity
            if (
                isinstance(quantity, bool)
                or not isinstance(quantity, int)
                or not 0 < quantity <= left
            ):
                raise ValidationError(
                    f"lines.{line_id}", f"can refund 1 to {left}, got {quantity!r}"
                )
            if line.kind in (LineKind.TOP_UP, LineKind.PACKAGE):
                raise ValidationError(f"lines.{line_id}", "stored value is not refunded here")
            if quantity == left:
                amount = line.refundable
            else:
                amount = Money(line.total.amount * quantity / line.quantity, order.currency).round()
            out.append(RefundLine(line_id=line_id, quantity=quantity, amount=amount))
            index = lines.index(line)
            lines[index] = attrs.evolve(
                line,
                refunded_quantity=line.refunded_quantity + quantity,
                refunded=line.refunded + amount,
            )
        return out, tuple(lines)

    def _refund_tenders(
        self,
        uow: UnitOfWork,
        order: Order,
        amount: Money,
        full: bool,
        reverse: bool,
        actor: str,
    ) -> tuple[list[TenderRefund], Order]:
        """Pay ``amount`` back through the tenders; ``reverse`` undoes the order's points whole."""
        tenders = list(order.tenders)
        out: list[TenderRefund] = []
        left = amount
        loyalty = enlisted(self.loyalty, self._ctx, uow) if self.loyalty else None
        for index in sorted(range(len(tenders)), key=lambda i: _REFUND_ORDER[tenders[i].kind]):
            tender = tenders[index]
            take = tender.refundable if full else min(tender.refundable, left)
            if not take:
                continue
            points = 0
            if tender.kind is TenderKind.WALLET:
                assert self.wallet is not None and order.customer_id is not None
                enlisted(self.wallet, self._ctx, uow).refund(
                    order.customer_id, take, order_id=order.id
                )
            elif tender.kind is TenderKind.POINTS and loyalty is not None:
                assert order.customer_id is not None
                if take == tender.refundable:
                    points = tender.points - order.points_restored
                else:
                    points = int(
                        (
                            Decimal(tender.points) * take.amount / tender.amount.amount
                        ).to_integral_value(rounding=ROUND_FLOOR)
                    )
                if not reverse and points > 0:
                    loyalty.adjust(
                        order.customer_id,
                        points,
                        reason=f"points paid on order {order.number} refunded",
                        actor=actor or "till",
                    )
            tenders[index] = attrs.evolve(tender, refunded=tender.refunded + take)
            out.append(
                TenderRefund(tender_index=index, kind=tender.kind.value, amount=take, points=points)
            )
            left = left - take
        if left.amount > 0:
            raise ValidationError("refund", f"{left} more than the tenders can take back")
        if (
            reverse
            and loyalty is not None
            and order.customer_id is not None
            and (order.points_earned or order.points_redeemed)
        ):
            loyalty.reverse_order(
                order.customer_id, order.id, reason=f"order {order.number} refunded"
            )
        return out, attrs.evolve(order, tenders=tuple(tenders))

    def _claw_back(
        self,
        uow: UnitOfWork,
        order: Order,
        full: bool,
        reverse: bool,
        actor: str,
    ) -> int:
        """Points earned on what was refunded: all of them on a full refund, pro rata otherwise
        (``reverse``: the whole order's points were already reversed by the loyalty ledger)."""
        if not order.points_earned or self.loyalty is None or order.customer_id is None:
            return 0
        outstanding = order.points_earned - order.points_clawed_back
        if full:
            keep = 0
        else:
            eligible = [x for x in order.lines if x.kind in _SHOPPING]
            before = Money.sum((x.total for x in eligible), order.currency)
            after = Money.sum((x.total - x.refunded for x in eligible), order.currency)
            keep = (
                int(
                    (Decimal(order.points_earned) * after.amount / before.amount).to_integral_value(
                        rounding=ROUND_FLOOR
                    )
                )
                if before.amount
                else 0
            )
        claw = outstanding - keep
        if claw <= 0:
            return 0
        if reverse:
            return claw  # reverse_order already clawed every earned point back
        loyalty = enlisted(self.loyalty, self._ctx, uow)
        total = loyalty.balance(order.customer_id).total
        claw = min(claw, total)
        if claw > 0:
            try:
                loyalty.adjust(
                    order.customer_id,
                    -claw,
                    reason=f"points earned on order {order.number} refunded",
                    actor=actor or "till",
                )
            except InsufficientBalance:  # pragma: no cover - capped above
                return 0
        return max(claw, 0)

    def _restock(
        self, uow: UnitOfWork, order: Order, refund_lines: list[RefundLine], actor: str
    ) -> list[RefundLine]:
        if self.inventory is None:
            return refund_lines
        inventory = enlisted(self.inventory, self._ctx, uow)
        out = []
        for refund_line in refund_lines:
            line = order.line(refund_line.line_id)
            if line.kind is not LineKind.PRODUCT:
                out.append(refund_line)
                continue
            unit_cost = line.cost.amount / line.quantity if line.cost else None
            inventory.adjust(
                order.store_id,
                line.item_id,
                Decimal(refund_line.quantity),
                reason=f"customer return on order {order.number}",
                actor=actor or "till",
                unit_cost=unit_cost,
            )
            out.append(attrs.evolve(refund_line, restocked=True))
        return out

    # ------------------------------------------------------------------ deposits and fees

    def take_deposit(
        self,
        appointment_id: str,
        payment: Payment,
        *,
        amount: Money | None = None,
    ) -> Deposit:
        """Take a deposit for an appointment (the service's deposit unless ``amount`` is given),
        paid by cash or card."""
        if payment.kind not in (PaymentKind.CASH, PaymentKind.CARD):
            raise ValidationError("payment", "a deposit is paid by cash or card")
        now = self._now()
        with self._ctx.unit_of_work() as uow:
            appt = uow.repo(APPOINTMENTS).get(appointment_id)
            service = uow.repo(SERVICES).get(appt.service_id)
            value = amount if amount is not None else service.deposit
            if value is None or not value or value.is_negative():
                raise ValidationError("amount", f"{service.name} has no deposit; give an amount")
            tender = settle(value, [payment])[0]
            deposit = Deposit(
                id=self._ctx.ids.new("deposit"),
                store_id=appt.store_id,
                customer_id=appt.customer_id,
                appointment_id=appt.id,
                amount=value,
                tender=tender,
                taken_at=now,
            )
            uow.repo(DEPOSITS).add(deposit)
            uow.emit(
                DepositTaken(
                    occurred_at=now,
                    store_id=appt.store_id,
                    deposit_id=deposit.id,
                    customer_id=deposit.customer_id,
                    amount=value,
                    appointment_id=appt.id,
                )
            )
            return deposit

    def deposits(
        self,
        *,
        appointment: str | None = None,
        customer: str | None = None,
        held_only: bool = False,
    ) -> list[Deposit]:
        """Deposits of an appointment or a customer."""
        conditions = []
        if appointment is not None:
            conditions.append(eq("appointment_id", appointment))
        if customer is not None:
            conditions.append(eq("customer_id", customer))
        if held_only:
            conditions.append(eq("status", DepositStatus.HELD.value))
        with self._ctx.unit_of_work(readonly=True) as uow:
            return uow.repo(DEPOSITS).select(*conditions, order_by="taken_at")

    def return_deposit(self, deposit_id: str) -> Deposit:
        """Give back what a deposit still holds (to the tender it was paid with)."""
        now = self._now()
        with self._ctx.unit_of_work() as uow:
            uow.lock(f"deposit:{deposit_id}")
            deposit = uow.repo(DEPOSITS).get(deposit_id)
            if not deposit.available:
                raise ValidationError("deposit", f"deposit {deposit_id} holds nothing")
            return uow.repo(DEPOSITS).update(
                attrs.evolve(
                    deposit,
                    returned=deposit.returned + deposit.available,
                    status=DepositStatus.REFUNDED
                    if deposit.status is DepositStatus.HELD
                    else deposit.status,
                    settled_at=now,
                )
            )

    def charge_no_show(
        self, appointment_id: str, *, late_cancel: bool = False, actor: str = ""
    ) -> Order:
        """Charge the store's no-show fee (or late-cancellation fee) for an appointment.

        The appointment must already be recorded as a no-show (or cancelled late). The fee is a
        new order with one fee line, paid from the appointment's held deposit as far as it goes
        (what the deposit holds beyond the fee is returned); if the deposit does not cover it,
        the order stays open with the rest due."""
        now = self._now()
        with self._ctx.unit_of_work() as uow:
            appt = uow.repo(APPOINTMENTS).get(appointment_id)
            if late_cancel:
                if appt.status is not AppointmentStatus.CANCELLED or not (
                    appt.cancellation and appt.cancellation.late
                ):
                    raise ValidationError("appointment", "was not cancelled late")
            elif appt.status is not AppointmentStatus.NO_SHOW:
                raise ValidationError("appointment", "is not recorded as a no-show")
            if uow.repo(ORDERS).count(eq("appointment_id", appt.id)):
                raise ValidationError("appointment", "a fee or order already exists for it")
            store = uow.repo(STORES).get(appt.store_id)
            service = uow.repo(SERVICES).get(appt.service_id)
            fees = self._settings(uow, store.id).fees
            fee = (
                fees.late_cancel_fee(service.price)
                if late_cancel
                else fees.no_show_fee(service.price)
            )
            kind = "late_cancellation" if late_cancel else "no_show"
            day = local_date(now, store.timezone)
            line = OrderLine(
                id="1",
                kind=LineKind.FEE,
                item_id=kind,
                description=f"{'Late cancellation' if late_cancel else 'No-show'} fee: {service.name}",
                unit_price=fee,
                staff_id=appt.staff_id,
            )
            order = Order(
                id=self._ctx.ids.new("order"),
                number=self._next_number(uow, store.id, day),
                store_id=store.id,
                currency=store.currency,
                business_date=day,
                opened_at=now,
                customer_id=appt.customer_id,
                appointment_id=appt.id,
                lines=(self._settings(uow, store.id).tax.apply(line),),
                opened_by=actor,
            )
            taken = Money.zero(store.currency)
            held = uow.repo(DEPOSITS).select(
                eq("appointment_id", appt.id), eq("status", DepositStatus.HELD.value)
            )
            tenders: list[Tender] = []
            for deposit in held:
                uow.lock(f"deposit:{deposit.id}")
                use = min(deposit.available, order.total - taken)
                rest = deposit.available - use
                uow.repo(DEPOSITS).update(
                    attrs.evolve(
                        deposit,
                        applied=deposit.applied + use,
                        returned=deposit.returned + rest,
                        status=DepositStatus.FORFEITED if use else DepositStatus.REFUNDED,
                        order_id=order.id,
                        settled_at=now,
                    )
                )
                if use:
                    tenders.append(
                        Tender(kind=TenderKind.DEPOSIT, amount=use, reference=deposit.id)
                    )
                    taken = taken + use
            if tenders:
                order = attrs.evolve(order, tenders=tuple(tenders))
            if taken == order.total:
                order = attrs.evolve(order, status=OrderStatus.PAID, paid_at=now, closed_at=now)
            uow.repo(ORDERS).add(order)
            uow.emit(
                FeeCharged(
                    occurred_at=now,
                    store_id=store.id,
                    order_id=order.id,
                    appointment_id=appt.id,
                    kind=kind,
                    fee=fee,
                    from_deposit=taken,
                )
            )
            return order

    # ------------------------------------------------------------------ queries

    def get(self, order_id: str) -> Order:
        """The order with ``order_id``."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            return uow.repo(ORDERS).get(order_id)

    def by_number(self, store_id: str, number: str) -> Order:
        """The order of ``store_id`` with the human-readable ``number``."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            found = uow.repo(ORDERS).select(eq("number_key", f"{store_id}/{number}"), limit=1)
        if not found:
            raise NotFound("order", f"{store_id}/{number}")
        return found[0]

    def find(
        self,
        *,
        store: str | None = None,
        customer: str | None = None,
        status: OrderStatus | Sequence[OrderStatus] | None = None,
        staff: str | None = None,
        day: dt.date | None = None,
        days: tuple[dt.date, dt.date] | None = None,
    ) -> list[Order]:
        """Orders matching every filter given, in the order they were opened.

        ``day`` is a business date; ``days`` an inclusive range of them; ``staff`` keeps the
        orders with a line by that person.
        """
        conditions = []
        if store is not None:
            conditions.append(eq("store_id", store))
        if customer is not None:
            conditions.append(eq("customer_id", customer))
        if status is not None:
            wanted = (status,) if isinstance(status, OrderStatus) else tuple(status)
            conditions.append(in_("status", tuple(s.value for s in wanted)))
        if day is not None:
            conditions.append(eq("business_date", day))
        if days is not None:
            conditions.append(ge("business_date", days[0]))
            conditions.append(lt("business_date", days[1] + dt.timedelta(days=1)))
        with self._ctx.unit_of_work(readonly=True) as uow:
            found = uow.repo(ORDERS).select(*conditions, order_by="opened_at")
        if staff is not None:
            found = [o for o in found if staff in o.staff_ids()]
        return found

    def refunds(self, order_id: str | None = None, *, store: str | None = None) -> list[Refund]:
        """Refunds of one order, or of a store, oldest first."""
        conditions = []
        if order_id is not None:
            conditions.append(eq("order_id", order_id))
        if store is not None:
            conditions.append(eq("store_id", store))
        with self._ctx.unit_of_work(readonly=True) as uow:
            return uow.repo(REFUNDS).select(*conditions, order_by="at")


__all__ = ["OrderService"]
