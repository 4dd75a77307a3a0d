"""Inventory use cases over storage: each public method is one unit of work.

>>> from decimal import Decimal
>>> from salonkit.domain.catalogue import Product
>>> from salonkit.domain.money import Money
>>> from salonkit.storage.records import PRODUCTS
>>> from salonkit.testing import memory_context
>>> ctx = memory_context()
>>> with ctx.unit_of_work() as uow:
...     _ = uow.repo(PRODUCTS).add(Product(sku="DYE-6N", name="Dye 6N", unit="ml",
...                                        purchase_unit_size=Decimal(60)))
>>> stock = InventoryService(ctx, currency="CNY")
>>> _ = stock.receive("flagship", "DYE-6N", Decimal(12), unit="pack",
...                   unit_cost=Money("45.00", "CNY"), actor="mei", lot="L24")
>>> stock.consume("flagship", "DYE-6N", Decimal(60), actor="lin").cost == Decimal("45")
True
>>> stock.on_hand("flagship", "DYE-6N")
Decimal('660')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TypeVar

import attrs

from salonkit.context import Context
from salonkit.domain.money import Money, check_currency, to_decimal
from salonkit.errors import NotFound, ValidationError
from salonkit.inventory import purchasing, reports, stocktake
from salonkit.inventory.events import StockExpiring
from salonkit.inventory.expiry import ExpiringLot, expiring, expiry_events
from salonkit.inventory.ledger import StockLedger
from salonkit.inventory.model import (
    EITHER,
    Balance,
    LotPart,
    MoveRequest,
    MoveType,
    NegativeStockPolicy,
    Posting,
    StockSettings,
    ValuationMethod,
)
from salonkit.inventory.persistence import Defaults, StockSession
from salonkit.inventory.purchasing import (
    Booking,
    OrderLine,
    PurchaseOrder,
    ReceiptLine,
    Suggestion,
    Supplier,
)
from salonkit.inventory.recipes import Recipe, VarianceLine, planned_quantities, variance_report
from salonkit.inventory.records import (
    PURCHASE_ORDERS,
    RECIPES,
    STOCK_BALANCES,
    STOCK_MOVES,
    STOCK_SETTINGS,
    STOCK_TRANSFERS,
    STOCKTAKES,
    SUPPLIERS,
    ProductStock,
    TransferRecord,
)
from salonkit.inventory.stocktake import Difference, Stocktake
from salonkit.inventory.units import to_stock_units
from salonkit.storage.idempotency import fingerprint, recall, remember
from salonkit.storage.port import eq, in_
from salonkit.storage.records import PRODUCTS

T = TypeVar("T")


class InventoryService:
    """Stock use cases for a salon or a chain, persisted through the storage port.

    ``currency``, ``method`` and ``negative_stock`` are the defaults for products whose
    :class:`~salonkit.inventory.model.StockSettings` set none.
    """

    def __init__(
        self,
        context: Context,
        *,
        currency: str = "CNY",
        method: ValuationMethod = ValuationMethod.FIFO,
        negative_stock: NegativeStockPolicy = NegativeStockPolicy.REFUSE,
    ) -> None:
        self._ctx = context
        self._defaults = Defaults(check_currency(currency, "currency"), method, negative_stock)

    @property
    def currency(self) -> str:
        """The currency of costs and values."""
        return self._defaults.currency

    def _run(self, work: Callable[[StockSession], T]) -> T:
        with self._ctx.unit_of_work() as uow:
            session = StockSession(self._ctx, uow, self._defaults)
            result = work(session)
            session.flush_events()
            return result

    def _quantity(
        self,
        session: StockSession,
        sku: str,
        quantity: object,
        unit: str | None,
        *,
        signed: bool = False,
    ) -> Decimal:
        amount = to_decimal(quantity, "quantity")
        if not amount or (amount < 0 and not signed):
            raise ValidationError(
                "quantity", f"must be {'non-zero' if signed else 'positive'}, got {amount}"
            )
        return to_stock_units(amount, unit, session.product(sku))

    def _value(self, quantity: object, unit_cost: Money | Decimal | None) -> Decimal | None:
        if unit_cost is None:
            return None
        if isinstance(unit_cost, Money):
            if unit_cost.currency != self.currency:
                raise ValidationError("unit_cost.currency", f"must be {self.currency}")
            cost = unit_cost.amount
        else:
            cost = to_decimal(unit_cost, "unit_cost")
        if cost < 0:
            raise ValidationError("unit_cost", "must not be negative")
        return to_decimal(quantity, "quantity") * cost

    def _idempotent(
        self,
        key: str | None,
        payload: object,
        work: Callable[[StockSession], Posting],
    ) -> Posting:
        digest = fingerprint(payload)

        def run(session: StockSession) -> Posting:
            earlier = recall(session.uow, key, digest)
            if earlier is not None:
                return self._posting_of(session, earlier.result_id)
            posting = work(session)
            remember(session.uow, key, digest, "stock_move", posting.move.id, self._ctx.clock.now())
            return posting

        return self._run(run)

    @staticmethod
    def _posting_of(session: StockSession, move_id: str) -> Posting:
        move = session.uow.repo(STOCK_MOVES).get(move_id)
        _, _, postings = session.rebuild(move.store_id, move.sku)
        return next(p for p in postings if p.move.id == move_id)

    # -- settings --------------------------------------------------------------------------

    def configure(self, sku: str, settings: StockSettings) -> None:
        """Save the stock settings (method, negative policy, reorder point) of ``sku``."""

        def work(session: StockSession) -> None:
            session.product(sku)
            repo = session.uow.repo(STOCK_SETTINGS)
            found = repo.find(sku)
            record = ProductStock(
                sku=sku,
                method=settings.method,
                negative_stock=settings.negative_stock,
                reorder_point=settings.reorder_point,
                reorder_quantity=settings.reorder_quantity,
            )
            if found is None:
                repo.add(record)
                return
            if found.method != settings.method and session.stream_count(sku):
                raise ValidationError("stocksettings.method", f"{sku} already has moves")
            repo.update(attrs.evolve(record, version=found.version))

        self._run(work)

    # -- moves -----------------------------------------------------------------------------

    def receive(
        self,
        store_id: str,
        sku: str,
        quantity: object,
        *,
        unit_cost: Money | Decimal,
        actor: str,
        unit: str | None = None,
        lot: str | None = None,
        expires: dt.date | None = None,
        supplier_id: str | None = None,
        reference: str | None = None,
        at: dt.datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Posting:
        """Receive stock from a supplier (``unit_cost`` per ``unit``; per pack for ``"pack"``)."""

        def work(session: StockSession) -> Posting:
            qty = self._quantity(session, sku, quantity, unit)
            move = session.new_move(
                MoveType.RECEIVE,
                store_id,
                sku,
                qty,
                actor=actor,
                at=at,
                value=self._value(quantity, unit_cost),
                lot=lot,
                expires=expires,
                reference=reference,
                counterparty=supplier_id,
            )
            return session.post(move)

        payload = ["receive", store_id, sku, quantity, unit_cost, unit, lot, expires, at]
        return self._idempotent(idempotency_key, payload, work)

    def _outgoing(
        self,
        type: MoveType,
        store_id: str,
        sku: str,
        quantity: object,
        unit: str | None,
        idempotency_key: str | None,
        **fields: object,
    ) -> Posting:
        def work(session: StockSession) -> Posting:
            qty = self._quantity(session, sku, quantity, unit)
            move = session.new_move(type, store_id, sku, -qty, **fields)  # type: ignore[arg-type]
            return session.post(move)

        payload = [type.value, store_id, sku, quantity, unit, sorted(fields.items())]
        return self._idempotent(idempotency_key, payload, work)

    def consume(
        self,
        store_id: str,
        sku: str,
        quantity: object,
        *,
        actor: str,
        unit: str | None = None,
        lot: str | None = None,
        reference: str | None = None,
        at: dt.datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Posting:
        """Use stock in a service; earliest-expiring usable lot first."""
        return self._outgoing(
            MoveType.CONSUME,
            store_id,
            sku,
            quantity,
            unit,
            idempotency_key,
            actor=actor,
            lot=lot,
            reference=reference,
            at=at,
        )

    def sell(
        self,
        store_id: str,
        sku: str,
        quantity: object,
        *,
        actor: str,
        unit: str | None = None,
        lot: str | None = None,
        reference: str | None = None,
        at: dt.datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Posting:
        """Sell stock over the counter."""
        return self._outgoing(
            MoveType.SELL,
            store_id,
            sku,
            quantity,
            unit,
            idempotency_key,
            actor=actor,
            lot=lot,
            reference=reference,
            at=at,
        )

    def return_to_supplier(
        self,
        store_id: str,
        sku: str,
        quantity: object,
        *,
        supplier_id: str,
        actor: str,
        unit: str | None = None,
        lot: str | None = None,
        reason: str = "",
        at: dt.datetime | None = None,
    ) -> Posting:
        """Send stock back to a supplier."""
        return self._outgoing(
            MoveType.RETURN,
            store_id,
            sku,
            quantity,
            unit,
            None,
            actor=actor,
            lot=lot,
            reason=reason,
            counterparty=supplier_id,
            at=at,
        )

    def adjust(
        self,
        store_id: str,
        sku: str,
        quantity: object,
        *,
        reason: str,
        actor: str,
        unit: str | None = None,
        lot: str | None = None,
        unit_cost: Money | Decimal | None = None,
        at: dt.datetime | None = None,
    ) -> Posting:
        """Adjust by a signed quantity with a reason (damage, loss, found)."""
        if not isinstance(reason, str) or not reason.strip():
            raise ValidationError("reason", "an adjustment needs a reason")

        def work(session: StockSession) -> Posting:
            qty = self._quantity(session, sku, quantity, unit, signed=True)
            if unit_cost is not None and qty < 0:
                raise ValidationError("unit_cost", "only a positive adjustment carries a cost")
            move = session.new_move(
                MoveType.ADJUST,
                store_id,
                sku,
                qty,
                actor=actor,
                at=at,
                reason=reason,
                lot=lot,
                value=self._value(quantity, unit_cost) if qty > 0 else None,
            )
            return session.post(move)

        return self._run(work)

    def post_moves(self, requests: Sequence[MoveRequest]) -> list[Posting]:
        """Post many moves in ONE unit of work (imports, nightly batches): all or nothing."""
        if any(r.type in (MoveType.TRANSFER_IN, MoveType.TRANSFER_OUT) for r in requests):
            raise ValidationError("type", "transfers are not posted in a batch")

        def work(session: StockSession) -> list[Posting]:
            session.prefetch((r.store_id, r.sku) for r in requests)
            postings = []
            for r in requests:
                signed = r.type in EITHER
                qty = self._quantity(session, r.sku, r.quantity, r.unit, signed=signed)
                incoming = r.type is MoveType.RECEIVE or (signed and qty > 0)
                move = session.new_move(
                    r.type,
                    r.store_id,
                    r.sku,
                    qty if incoming or signed else -qty,
                    actor=r.actor,
                    at=r.at,
                    lot=r.lot,
                    expires=r.expires,
                    reason=r.reason,
                    reference=r.reference,
                    counterparty=r.counterparty,
                    value=self._value(r.quantity, r.unit_cost) if incoming else None,
                )
                postings.append(session.post(move))
            return postings

        return self._run(work)

    def send_transfer(
        self,
        sku: str,
        quantity: object,
        *,
        from_store: str,
        to_store: str,
        actor: str,
        unit: str | None = None,
        lot: str | None = None,
        at: dt.datetime | None = None,
    ) -> TransferRecord:
        """Send stock to another store; it is in transit until :meth:`receive_transfer`."""
        if from_store == to_store:
            raise ValidationError("to_store", "a transfer goes to another store")

        def work(session: StockSession) -> TransferRecord:
            qty = self._quantity(session, sku, quantity, unit)
            ref = self._ctx.ids.new("transfer")
            move = session.new_move(
                MoveType.TRANSFER_OUT,
                from_store,
                sku,
                -qty,
                actor=actor,
                at=at,
                lot=lot,
                reference=ref,
                counterparty=to_store,
            )
            session.post(move)
            return session.transfer(ref)

        return self._run(work)

    def receive_transfer(
        self, transfer_id: str, *, actor: str, at: dt.datetime | None = None
    ) -> Posting:
        """Book a transfer in at its destination, at the cost it left with."""

        def work(session: StockSession) -> Posting:
            record = session.transfer(transfer_id)
            move = session.new_move(
                MoveType.TRANSFER_IN,
                record.to_store,
                record.sku,
                record.quantity,
                actor=actor,
                at=at,
                reference=transfer_id,
                counterparty=record.from_store,
            )
            return session.post(move)

        return self._run(work)

    def transfers(self, *, in_transit: bool | None = None) -> list[TransferRecord]:
        """Stored transfers (only those in transit, or only received ones, when asked)."""
        with self._ctx.unit_of_work() as uow:
            repo = uow.repo(STOCK_TRANSFERS)
            if in_transit is None:
                return repo.select(order_by="id")
            return repo.select(eq("in_transit", in_transit))

    # -- recipes ---------------------------------------------------------------------------

    def save_recipe(self, recipe: Recipe) -> Recipe:
        """Create or replace the recipe of a service."""

        def work(session: StockSession) -> Recipe:
            for line in recipe.lines:
                to_stock_units(line.quantity, line.unit, session.product(line.sku))
            repo = session.uow.repo(RECIPES)
            found = repo.find(recipe.service_id)
            if found is None:
                return repo.add(attrs.evolve(recipe, version=0))
            return repo.update(attrs.evolve(recipe, version=found.version))

        return self._run(work)

    def recipes(self) -> dict[str, Recipe]:
        """Every saved recipe by service id."""
        with self._ctx.unit_of_work() as uow:
            return {r.service_id: r for r in uow.repo(RECIPES).select()}

    def consume_for_service(
        self,
        store_id: str,
        service_id: str,
        *,
        actor: str,
        reference: str | None = None,
        overrides: Mapping[str, Decimal] | None = None,
        at: dt.datetime | None = None,
        idempotency_key: str | None = None,
    ) -> list[Posting]:
        """Post what one performance of ``service_id`` consumed (recipe + overrides), at once."""

        def work(session: StockSession) -> list[Posting]:
            earlier = recall(session.uow, idempotency_key, digest)
            if earlier is not None:
                moves = session.uow.repo(STOCK_MOVES).select(eq("reference", earlier.result_id))
                return [self._posting_of(session, m.id) for m in sorted(moves, key=lambda m: m.sku)]
            recipe = session.uow.repo(RECIPES).get(service_id)
            planned = planned_quantities(session, recipe, overrides)
            for sku in sorted(planned):
                session.live(store_id, sku)  # lock in a fixed order
            postings = [
                session.post(
                    session.new_move(
                        MoveType.CONSUME,
                        store_id,
                        sku,
                        -qty,
                        actor=actor,
                        at=at,
                        reference=ref,
                        service_id=service_id,
                    )
                )
                for sku, qty in sorted(planned.items())
            ]
            remember(session.uow, idempotency_key, digest, "reference", ref, self._ctx.clock.now())
            return postings

        ref = reference or self._ctx.ids.new("visit")
        digest = fingerprint(["service", store_id, service_id, reference, overrides, at])
        return self._run(work)

    # -- stocktake -------------------------------------------------------------------------

    def start_stocktake(
        self,
        store_id: str,
        *,
        actor: str,
        at: dt.datetime | None = None,
        skus: Iterable[str] | None = None,
    ) -> Stocktake:
        """Open a count of ``store_id`` as of ``at`` (now by default)."""

        def work(session: StockSession) -> Stocktake:
            scope = frozenset(skus) if skus is not None else None
            for sku in scope or ():
                session.product(sku)
            as_of = at if at is not None else self._ctx.clock.now()
            count = Stocktake(
                id=self._ctx.ids.new("stocktake"),
                store_id=store_id,
                as_of=as_of,
                started_by=actor,
                skus=scope,
            )
            return session.uow.repo(STOCKTAKES).add(count)

        return self._run(work)

    def record_count(
        self,
        stocktake_id: str,
        *,
        sku: str | None = None,
        barcode: str | None = None,
        quantity: Decimal = Decimal(1),
        unit: str | None = None,
        add: bool | None = None,
    ) -> Stocktake:
        """Record a count by SKU (replaces) or by barcode (adds one scan) on an open stocktake."""

        def work(session: StockSession) -> Stocktake:
            repo = session.uow.repo(STOCKTAKES)
            count = repo.get(stocktake_id)
            code = sku
            if barcode is not None:
                found = session.uow.repo(PRODUCTS).select(eq("barcode", barcode))
                if not found:
                    raise NotFound("barcode", barcode)
                code = found[0].sku
            if code is None:
                raise ValidationError("sku", "give either a sku or a barcode")
            amount = to_stock_units(to_decimal(quantity, "quantity"), unit, session.product(code))
            adding = add if add is not None else barcode is not None
            updated = count.add(code, amount) if adding else count.count(code, amount)
            return repo.update(updated)

        return self._run(work)

    def review_stocktake(
        self, stocktake_id: str, *, uncounted_as_zero: bool = False
    ) -> list[Difference]:
        """Expected (on hand as of the count) against counted, with the value of each difference."""

        def work(session: StockSession) -> list[Difference]:
            count = session.uow.repo(STOCKTAKES).get(stocktake_id)
            return self._differences(session, count, uncounted_as_zero)

        return self._run(work)

    def _differences(
        self, session: StockSession, count: Stocktake, uncounted_as_zero: bool
    ) -> list[Difference]:
        counts = dict(count.counts)
        if uncounted_as_zero:
            scope = count.skus
            if scope is None:
                balances = session.uow.repo(STOCK_BALANCES).select(eq("store_id", count.store_id))
                scope = frozenset(b.sku for b in balances)
            for sku in scope:
                counts.setdefault(sku, Decimal(0))
        out = []
        for sku in sorted(counts):
            balance = session.balance_view(count.store_id, sku, count.as_of)
            diff = counts[sku] - balance.quantity
            out.append(
                Difference(
                    sku=sku,
                    expected=balance.quantity,
                    counted=counts[sku],
                    difference=diff,
                    rate=Money(balance.rate, self.currency),
                    value=Money(diff * balance.rate, self.currency),
                )
            )
        return out

    def post_stocktake(
        self, stocktake_id: str, *, actor: str, uncounted_as_zero: bool = False
    ) -> tuple[Stocktake, list[Posting]]:
        """Post every difference as a correction back-dated to the count, in one transaction."""

        def work(session: StockSession) -> tuple[Stocktake, list[Posting]]:
            repo = session.uow.repo(STOCKTAKES)
            count = repo.get(stocktake_id)
            if count.status is not stocktake.StocktakeStatus.OPEN:
                raise ValidationError(
                    "stocktake.status", f"stocktake {count.id} is {count.status.value}"
                )
            skus = set(count.counts)
            if uncounted_as_zero:
                balances = session.uow.repo(STOCK_BALANCES).select(eq("store_id", count.store_id))
                skus |= count.skus if count.skus is not None else {b.sku for b in balances}
            session.prefetch((count.store_id, sku) for sku in skus)  # lock before reading
            lines = self._differences(session, count, uncounted_as_zero)
            postings = []
            for line in lines:
                if not line.difference:
                    continue
                move = session.new_move(
                    MoveType.STOCKTAKE,
                    count.store_id,
                    line.sku,
                    line.difference,
                    actor=actor,
                    at=count.as_of,
                    reference=count.id,
                    reason="stocktake",
                )
                postings.append(session.post(move))
            done = attrs.evolve(
                count,
                status=stocktake.StocktakeStatus.POSTED,
                posted_at=self._ctx.clock.now(),
                posted_by=actor,
            )
            return repo.update(done), postings

        return self._run(work)

    # -- purchasing ------------------------------------------------------------------------

    def add_supplier(self, supplier: Supplier) -> Supplier:
        """Store a new supplier."""
        return self._run(lambda s: s.uow.repo(SUPPLIERS).add(supplier))

    def create_order(
        self, store_id: str, supplier_id: str, lines: Sequence[OrderLine] = (), *, note: str = ""
    ) -> PurchaseOrder:
        """A new draft purchase order."""

        def work(session: StockSession) -> PurchaseOrder:
            session.uow.repo(SUPPLIERS).get(supplier_id)
            for line in lines:
                self._check_line(session, line)
            order = PurchaseOrder(
                id=self._ctx.ids.new("purchase_order"),
                supplier_id=supplier_id,
                store_id=store_id,
                lines=tuple(lines),
                created_at=self._ctx.clock.now(),
                note=note,
            )
            return session.uow.repo(PURCHASE_ORDERS).add(order)

        return self._run(work)

    def _check_line(self, session: StockSession, line: OrderLine) -> None:
        to_stock_units(line.quantity, line.unit, session.product(line.sku))
        if line.unit_cost.currency != self.currency:
            raise ValidationError("orderline.unit_cost.currency", f"must be {self.currency}")

    def _order_step(
        self, order_id: str, change: Callable[[StockSession, PurchaseOrder], PurchaseOrder]
    ) -> PurchaseOrder:
        def work(session: StockSession) -> PurchaseOrder:
            repo = session.uow.repo(PURCHASE_ORDERS)
            return repo.update(change(session, repo.get(order_id)))

        return self._run(work)

    def add_order_line(self, order_id: str, line: OrderLine) -> PurchaseOrder:
        """Add (or replace) a line on a draft order."""

        def change(session: StockSession, order: PurchaseOrder) -> PurchaseOrder:
            self._check_line(session, line)
            return order.with_line(line)

        return self._order_step(order_id, change)

    def send_order(self, order_id: str) -> PurchaseOrder:
        """Mark a draft order sent."""
        return self._order_step(order_id, lambda _, o: o.send(self._ctx.clock.now()))

    def cancel_order(self, order_id: str) -> PurchaseOrder:
        """Cancel an order that is not complete."""
        return self._order_step(order_id, lambda _, o: o.cancel(self._ctx.clock.now()))

    def receive_order(
        self,
        order_id: str,
        received: Sequence[ReceiptLine],
        *,
        actor: str,
        at: dt.datetime | None = None,
    ) -> tuple[PurchaseOrder, list[Posting]]:
        """Receive goods against an order: receive moves plus the order's new state, at once."""

        def work(session: StockSession) -> tuple[PurchaseOrder, list[Posting]]:
            repo = session.uow.repo(PURCHASE_ORDERS)
            order = repo.get(order_id)
            updated = order.record_receipt(received, at or self._ctx.clock.now())
            postings = []
            for item in sorted(received, key=lambda r: r.sku):
                if not item.quantity:
                    continue
                line = order.line(item.sku)
                qty = self._quantity(session, item.sku, item.quantity, line.unit)
                move = session.new_move(
                    MoveType.RECEIVE,
                    order.store_id,
                    item.sku,
                    qty,
                    actor=actor,
                    at=at,
                    value=self._value(item.quantity, line.unit_cost),
                    lot=item.lot,
                    expires=item.expires,
                    reference=order.id,
                    counterparty=order.supplier_id,
                )
                postings.append(session.post(move))
            return repo.update(updated), postings

        return self._run(work)

    def orders(
        self, store_id: str | None = None, *, open_only: bool = False
    ) -> list[PurchaseOrder]:
        """Purchase orders (of one store; only sent or partially received ones when asked)."""
        with self._ctx.unit_of_work() as uow:
            where = [eq("store_id", store_id)] if store_id is not None else []
            if open_only:
                where.append(in_("status", ["sent", "partially_received"]))
            return uow.repo(PURCHASE_ORDERS).select(*where, order_by="id")

    def suggest_orders(
        self,
        store_id: str,
        *,
        today: dt.date,
        days: int = 14,
        bookings: Iterable[Booking] = (),
        suppliers: Mapping[str, str] | None = None,
    ) -> list[Suggestion]:
        """Suggested purchases from reorder points and upcoming ``[(service_id, date)]``."""
        ledger = self.ledger(store_id)
        return purchasing.suggest(
            ledger,
            store_id=store_id,
            today=today,
            days=days,
            recipes=self.recipes(),
            bookings=list(bookings),
            open_orders=self.orders(store_id, open_only=True),
            suppliers=suppliers,
        )

    def report_recipe_variance(
        self,
        store_id: str | None = None,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> list[VarianceLine]:
        """Actual consumption against recipes per service and product over a period."""
        return variance_report(
            self.ledger(store_id), self.recipes(), store_id=store_id, since=since, until=until
        )

    def emit_expiry_alerts(self, within_days: int, *, today: dt.date) -> list[StockExpiring]:
        """Emit a :class:`StockExpiring` event per lot expiring within ``within_days`` (a daily
        job calls this); listeners receive them after the unit of work commits."""
        events = expiry_events(self.ledger(), within_days, today=today, now=self._ctx.clock.now())
        with self._ctx.unit_of_work() as uow:
            for event in events:
                uow.emit(event)
        return events

    # -- reports (each replays the stored moves into an in-memory ledger) ------------------

    def valuation(self, store_id: str | None = None, at: dt.datetime | None = None) -> Money:
        """The value of all stock (of one store), now or just after ``at``."""
        rows = reports.on_hand(self.ledger(store_id), "store", at=at, store_id=store_id)
        return Money.sum((row.value for row in rows), self.currency)

    def report_on_hand(
        self,
        group_by: reports.GroupBy = "store_product",
        *,
        store_id: str | None = None,
        at: dt.datetime | None = None,
    ) -> list[reports.StockRow]:
        """On hand and value grouped by store, product, category or store and product."""
        return reports.on_hand(self.ledger(store_id), group_by, at=at, store_id=store_id)

    def report_movements(
        self,
        store_id: str | None = None,
        sku: str | None = None,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        types: Iterable[MoveType] | None = None,
    ) -> list[Posting]:
        """Movement history with the valuation of each move."""
        return reports.movements(
            self.ledger(store_id), store_id, sku, since=since, until=until, types=types
        )

    def report_turnover(
        self, store_id: str, sku: str, *, since: dt.datetime, until: dt.datetime
    ) -> reports.Turnover:
        """Stock turnover of one product in one store over ``[since, until)``."""
        return reports.turnover(self.ledger(store_id), store_id, sku, since=since, until=until)

    def report_slow_movers(
        self,
        *,
        since: dt.datetime,
        until: dt.datetime,
        max_share: Decimal = Decimal("0.1"),
        store_id: str | None = None,
    ) -> list[reports.SlowMover]:
        """Products whose usage in the period is at most ``max_share`` of what is on hand."""
        return reports.slow_movers(
            self.ledger(store_id), since=since, until=until, max_share=max_share, store_id=store_id
        )

    def report_shrinkage(
        self,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        store_id: str | None = None,
    ) -> list[reports.Shrinkage]:
        """Stock lost and found through adjustments and stocktakes."""
        return reports.shrinkage(self.ledger(store_id), since=since, until=until, store_id=store_id)

    def report_expiring(
        self, within_days: int, *, today: dt.date, store_id: str | None = None
    ) -> list[ExpiringLot]:
        """Lots expiring within ``within_days`` (and already expired ones), with their value."""
        return expiring(self.ledger(store_id), within_days, today=today, store_id=store_id)

    # -- queries ---------------------------------------------------------------------------

    def balance(self, store_id: str, sku: str, at: dt.datetime | None = None) -> Balance:
        """Quantity, value and rate now (O(1)) or just after ``at``."""
        return self._run(lambda s: s.balance_view(store_id, sku, at))

    def on_hand(self, store_id: str, sku: str) -> Decimal:
        """Quantity on hand now, in stock units."""
        return self.balance(store_id, sku).quantity

    def value(self, store_id: str, sku: str) -> Money:
        """Stock value now."""
        return Money(self.balance(store_id, sku).value, self.currency)

    def lots(self, store_id: str, sku: str) -> tuple[LotPart, ...]:
        """Lots on hand, earliest expiry first."""
        return self._run(lambda s: s.live(store_id, sku, lock=False).state.lots())

    def history(self, store_id: str, sku: str) -> list[Posting]:
        """Every move of ``sku`` in ``store_id`` with its valuation, in posting order."""
        return self._run(lambda s: s.rebuild(store_id, sku)[2])

    def ledger(self, store_id: str | None = None) -> StockLedger:
        """An in-memory :class:`StockLedger` replayed from the stored moves (for reports).

        Moves of transfers are included whole; with ``store_id`` only that store's streams and
        the senders of transfers it received are replayed.
        """
        with self._ctx.unit_of_work() as uow:
            products = uow.repo(PRODUCTS).select()
            settings = {s.sku: s.settings for s in uow.repo(STOCK_SETTINGS).select()}
            moves = uow.repo(STOCK_MOVES).select()
        if store_id is not None:
            received = {
                m.reference
                for m in moves
                if m.store_id == store_id and m.type is MoveType.TRANSFER_IN
            }
            senders = {
                (m.store_id, m.sku)
                for m in moves
                if m.type is MoveType.TRANSFER_OUT and m.reference in received
            }
            moves = [m for m in moves if m.store_id == store_id or (m.store_id, m.sku) in senders]
        # posting order; a transfer in after its transfer out when both share an instant
        moves.sort(
            key=lambda m: (m.posted_at, m.type is MoveType.TRANSFER_IN, m.store_id, m.sku, m.seq)
        )
        ledger = StockLedger(
            self.currency,
            method=self._defaults.method,
            negative_stock=NegativeStockPolicy.ALLOW,
            clock=self._ctx.clock,
        )
        for product in products:
            ledger.add_product(product, settings.get(product.sku))
        for move in moves:
            ledger.post(move)
        ledger.take_events()
        return ledger


__all__ = ["InventoryService"]
