"""Money reports from orders, refunds, deposits and expenses (pure functions).

- :func:`takings`: what came in and went out per tender kind: order tenders (a deposit tender
  is not new money), deposits taken, refunds (a refund to a deposit tender goes back the way
  the deposit was paid) and deposits returned;
- :func:`sales`: revenue by service, product, staff member, day or line kind, net of tax and of
  refunds, with quantities, discounts and cost of goods;
- :func:`profit_and_loss`: revenue, cost of goods, commissions, expenses and net profit.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal

import attrs
import pendulum

from salonkit.domain.money import Money
from salonkit.orders.deposits import Deposit
from salonkit.orders.model import LineKind, Order, OrderLine, TenderKind
from salonkit.orders.records import Refund
from salonkit.reports.records import Expense

#: Line kinds that are sales (tips are passed on to staff; top-ups are stored value owed).
SALES_KINDS = frozenset({LineKind.SERVICE, LineKind.PRODUCT, LineKind.PACKAGE, LineKind.FEE})


@attrs.frozen(kw_only=True)
class TenderTotal:
    """Money received and refunded through one kind of tender."""

    kind: str
    received: Money
    refunded: Money

    @property
    def net(self) -> Money:
        """Received less refunded."""
        return self.received - self.refunded


@attrs.frozen(kw_only=True)
class Takings:
    """Takings of a store over ``[first_day, last_day]``, per tender kind."""

    store_id: str
    first_day: dt.date
    last_day: dt.date
    currency: str
    tenders: tuple[TenderTotal, ...]
    orders: int
    deposits_taken: Money
    change_given: Money

    def _sum(self, values: Iterable[Money]) -> Money:
        return Money.sum(values, self.currency)

    @property
    def received(self) -> Money:
        """Everything received, every tender kind."""
        return self._sum(t.received for t in self.tenders)

    @property
    def refunded(self) -> Money:
        """Everything refunded."""
        return self._sum(t.refunded for t in self.tenders)

    @property
    def net(self) -> Money:
        """Received less refunded."""
        return self.received - self.refunded

    def of(self, kind: str | TenderKind) -> TenderTotal:
        """The totals of one tender kind (zero when it was not used)."""
        name = kind.value if isinstance(kind, TenderKind) else kind
        for tender in self.tenders:
            if tender.kind == name:
                return tender
        zero = Money.zero(self.currency)
        return TenderTotal(kind=name, received=zero, refunded=zero)


def local_day(instant: dt.datetime, timezone: str) -> dt.date:
    """The calendar date of ``instant`` in ``timezone``."""
    return pendulum.instance(instant).in_timezone(timezone).date()


def takings(
    *,
    store_id: str,
    first_day: dt.date,
    last_day: dt.date,
    currency: str,
    timezone: str,
    orders: Iterable[Order],
    refunds: Iterable[Refund],
    deposits: Iterable[Deposit],
) -> Takings:
    """Takings per tender kind on the store's local days ``first_day`` to ``last_day``.

    ``orders`` are those paid in the period, ``refunds`` those made in it; ``deposits`` any
    deposit taken or settled in it (the rest are ignored here).
    """

    def inside(instant: dt.datetime | None) -> bool:
        return instant is not None and first_day <= local_day(instant, timezone) <= last_day

    zero = Money.zero(currency)
    received: dict[str, Money] = defaultdict(lambda: zero)
    refunded: dict[str, Money] = defaultdict(lambda: zero)
    change = zero
    count = 0
    by_id = {d.id: d for d in deposits}
    for order in orders:
        if not inside(order.paid_at):
            continue
        count += 1
        for tender in order.tenders:
            if tender.kind is not TenderKind.DEPOSIT:
                received[tender.kind.value] += tender.amount
            if tender.change is not None:
                change += tender.change
    taken = zero
    for deposit in by_id.values():
        if inside(deposit.taken_at):
            received[deposit.tender.kind.value] += deposit.amount
            taken += deposit.amount
        if deposit.returned and inside(deposit.settled_at):
            refunded[deposit.tender.kind.value] += deposit.returned
    for refund in refunds:
        if not inside(refund.at):
            continue
        for part in refund.tenders:
            kind = part.kind
            if kind == TenderKind.DEPOSIT.value:
                order_deposit = _deposit_of(refund, part.tender_index, by_id)
                kind = order_deposit.tender.kind.value if order_deposit else TenderKind.CASH.value
            refunded[kind] += part.amount
    kinds = sorted(set(received) | set(refunded), key=lambda k: _KIND_ORDER.get(k, 99))
    return Takings(
        store_id=store_id,
        first_day=first_day,
        last_day=last_day,
        currency=currency,
        tenders=tuple(
            TenderTotal(kind=k, received=received[k], refunded=refunded[k]) for k in kinds
        ),
        orders=count,
        deposits_taken=taken,
        change_given=change,
    )


_KIND_ORDER = {k.value: i for i, k in enumerate(TenderKind)}


def _deposit_of(refund: Refund, index: int, deposits: Mapping[str, Deposit]) -> Deposit | None:
    for deposit in deposits.values():
        if deposit.order_id == refund.order_id:
            return deposit
    return None


# -- sales ----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class SalesRow:
    """Sales of one service, product, staff member, day or line kind (``key``).

    ``revenue`` is net of discounts, tax and refunds; ``cost`` the cost of goods still sold
    (returned products are back in stock); ``gross`` and ``discount`` are before refunds.
    """

    key: str
    label: str
    quantity: int
    gross: Money
    discount: Money
    tax: Money
    refunded: Money
    revenue: Money
    cost: Money

    @property
    def margin(self) -> Money:
        """Revenue less cost of goods."""
        return self.revenue - self.cost


def _kept(line: OrderLine) -> Decimal:
    """The share of the line not refunded."""
    if not line.total:
        return Decimal(1) if not line.refunded_quantity else Decimal(0)
    return (line.total - line.refunded).amount / line.total.amount


def line_revenue(line: OrderLine) -> Money:
    """What the line earns the salon now: net of discount, tax and refunds."""
    return (line.net_of_tax * _kept(line)).round()


def line_cost(line: OrderLine) -> Money:
    """Cost of goods of the line now (returned products went back into stock)."""
    if line.kind is LineKind.PRODUCT and line.refunded_quantity:
        return (
            line.cost * (Decimal(line.quantity - line.refunded_quantity) / line.quantity)
        ).round()
    return line.cost


Grouping = str
_GROUPS: dict[Grouping, Callable[[Order, OrderLine, str], tuple[str, str] | None]] = {
    "service": lambda o, x, tz: (x.item_id, x.description) if x.kind is LineKind.SERVICE else None,
    "product": lambda o, x, tz: (x.item_id, x.description) if x.kind is LineKind.PRODUCT else None,
    "staff": lambda o, x, tz: (x.staff_id, x.staff_id) if x.staff_id else None,
    "day": lambda o, x, tz: (
        local_day(o.paid_at or o.opened_at, tz).isoformat(),
        local_day(o.paid_at or o.opened_at, tz).strftime("%a %d %b"),
    ),
    "kind": lambda o, x, tz: (x.kind.value, x.kind.value),
}


def sales(
    orders: Iterable[Order], *, by: Grouping, currency: str, timezone: str = "UTC"
) -> list[SalesRow]:
    """Sales rows grouped ``by`` ``"service"``, ``"product"``, ``"staff"``, ``"day"`` or
    ``"kind"``, largest revenue first. Only paid (or refunded) orders count; tips and wallet
    top-ups are not sales."""
    if by not in _GROUPS:
        raise ValueError(f"group by one of {sorted(_GROUPS)}, not {by!r}")
    key_of = _GROUPS[by]
    zero = Money.zero(currency)
    acc: dict[str, dict[str, object]] = {}
    for order in orders:
        if order.paid_at is None:
            continue
        for line in order.lines:
            if line.kind not in SALES_KINDS:
                continue
            found = key_of(order, line, timezone)
            if found is None:
                continue
            key, label = found
            row = acc.setdefault(
                key,
                {
                    "label": label,
                    "quantity": 0,
                    "gross": zero,
                    "discount": zero,
                    "tax": zero,
                    "refunded": zero,
                    "revenue": zero,
                    "cost": zero,
                },
            )
            row["quantity"] = int(str(row["quantity"])) + line.quantity - line.refunded_quantity
            for name, value in (
                ("gross", line.gross),
                ("discount", line.discount),
                ("tax", (line.tax * _kept(line)).round()),
                ("refunded", line.refunded),
                ("revenue", line_revenue(line)),
                ("cost", line_cost(line)),
            ):
                current = row[name]
                assert isinstance(current, Money)
                row[name] = current + value
    rows = [
        SalesRow(key=key, **values)  # type: ignore[arg-type]
        for key, values in acc.items()
    ]
    return sorted(rows, key=lambda r: (-r.revenue.amount, r.key))


# -- profit and loss ------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ProfitAndLoss:
    """The store's P&L over ``[first_day, last_day]``."""

    store_id: str
    first_day: dt.date
    last_day: dt.date
    revenue: Money
    cost_of_goods: Money
    commissions: Money
    expenses: Mapping[str, Money] = attrs.field(factory=dict, hash=False)
    tips: Money
    tax_collected: Money

    @property
    def gross_profit(self) -> Money:
        """Revenue less cost of goods."""
        return self.revenue - self.cost_of_goods

    @property
    def total_expenses(self) -> Money:
        """Every expense."""
        return Money.sum(self.expenses.values(), self.revenue.currency)

    @property
    def net_profit(self) -> Money:
        """Gross profit less commissions and expenses."""
        return self.gross_profit - self.commissions - self.total_expenses


def profit_and_loss(
    *,
    store_id: str,
    first_day: dt.date,
    last_day: dt.date,
    currency: str,
    orders: Sequence[Order],
    expenses: Iterable[Expense],
    commissions: Money | None = None,
) -> ProfitAndLoss:
    """The P&L from the period's paid orders, its expenses and the commissions owed."""
    zero = Money.zero(currency)
    revenue = cost = tips = tax = zero
    for order in orders:
        if order.paid_at is None:
            continue
        for line in order.lines:
            if line.kind in SALES_KINDS:
                revenue += line_revenue(line)
                cost += line_cost(line)
                tax += (line.tax * _kept(line)).round()
            elif line.kind is LineKind.TIP:
                tips += (line.total * _kept(line)).round()
    by_category: dict[str, Money] = defaultdict(lambda: zero)
    for expense in expenses:
        if first_day <= expense.day <= last_day:
            by_category[expense.category] += expense.amount
    return ProfitAndLoss(
        store_id=store_id,
        first_day=first_day,
        last_day=last_day,
        revenue=revenue,
        cost_of_goods=cost,
        commissions=commissions if commissions is not None else zero,
        expenses=dict(sorted(by_category.items())),
        tips=tips,
        tax_collected=tax,
    )


__all__ = [
    "SALES_KINDS",
    "ProfitAndLoss",
    "SalesRow",
    "Takings",
    "TenderTotal",
    "line_cost",
    "line_revenue",
    "profit_and_loss",
    "sales",
    "takings",
]
