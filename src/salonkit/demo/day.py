"""The demo's salon day, from the first phone call to the evening report.

:func:`run_day` drives an equipped, seeded salon (see :func:`salonkit.demo.setup.open_demo_salon`)
through one day with a frozen clock it moves forward: the morning's requests are planned with the
day optimiser and booked, a desk booking hits a conflict and takes a suggestion, deposits are
taken, staff clock in, services progress step by step (one runs over and flags the booking it
delays), visits are checked out with points, wallet, coupons, cash and cards while the stock
ledger records what the colours used, receipts print, reminders and a low-stock alert go out
through the notifier, a customer does not show up and pays a fee from her deposit, a product
comes back, and the day closes with its report, CSV files and the HTML day board.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs
import pendulum

from salonkit.demo.board import render_board
from salonkit.demo.seed import STORE_ID, TIMEZONE
from salonkit.demo.setup import DemoSalon
from salonkit.domain.money import Money
from salonkit.errors import BookingConflict
from salonkit.loyalty.campaigns import Coupon
from salonkit.orders import tenders as pay
from salonkit.orders.model import Order
from salonkit.orders.tenders import Payment
from salonkit.printing.jobs import takings_job
from salonkit.printing.takings import TakingsLine, TakingsSlip
from salonkit.reports.export import to_csv
from salonkit.reports.service import DayReport
from salonkit.reports.utilisation import staff_availability
from salonkit.scheduling import optimize
from salonkit.scheduling.day import DayProblem, DaySolution
from salonkit.scheduling.model import Appointment, AppointmentStatus, BookingRequest, Suggestion
from salonkit.scheduling.salon_day import Demand, build_salon_day
from salonkit.workforce.floor import delays, projected_steps

Say = Callable[[str], None]
#: ``progress(step, done, total)``: long steps report how far they are.
ProgressCallback = Callable[[str, int, int], None]


def _no_progress(step: str, done: int, total: int) -> None:
    """Nobody is watching."""


@attrs.frozen
class Wish:
    """A phone request of the morning: a service between two wall-clock times."""

    customer: str
    service: str
    earliest: str
    latest_end: str
    preferred: tuple[str, ...] = ()


#: The morning's requests (customer, service, window, preferred staff).
WISHES = (
    Wish("cust-01", "colour", "10:00", "13:30", ("ana",)),
    Wish("cust-08", "colour", "10:00", "14:00", ("chen",)),
    Wish("cust-11", "treatment", "10:00", "12:00", ("eve",)),
    Wish("cust-02", "womens-cut", "11:00", "15:00"),
    Wish("cust-03", "mens-cut", "12:00", "14:00", ("bo",)),
    Wish("cust-07", "mens-cut", "12:00", "16:00", ("bo",)),
    Wish("cust-05", "womens-cut", "13:00", "17:00", ("dai",)),
    Wish("cust-12", "perm", "14:00", "19:00"),
    Wish("cust-09", "treatment", "15:00", "18:00"),
    Wish("cust-06", "blow-dry", "16:00", "19:00"),
    Wish("cust-10", "mens-cut", "17:00", "19:30", ("ana",)),
)


@attrs.frozen(kw_only=True)
class DaySummary:
    """What the day produced."""

    appointments: tuple[Appointment, ...]
    orders: tuple[Order, ...]
    report: DayReport
    board: Path | None
    csv_files: tuple[Path, ...]
    optimiser: DaySolution | None


def _cny(amount: str) -> Money:
    return Money(amount, "CNY")


def _amount(money: Money) -> str:
    return str(money).rsplit(" ", 1)[0]


#: The customer who does not come.
NO_SHOW = "cust-09"


def day_problem(demo: DemoSalon, wishes: Sequence[Wish]) -> DayProblem:
    """The optimiser's view of the day (see :func:`salonkit.scheduling.salon_day.build_salon_day`):
    working time, chairs and basins, services with their buffers, and the wishes as requests
    ``r1``, ``r2``... in order."""
    salon = demo.salon
    store = salon.stores.get(STORE_ID)
    services = {s.id: s for s in salon.catalogue.services()}

    def wall(text: str) -> pendulum.DateTime:
        hours, minutes = text.split(":")
        return demo.at(int(hours), int(minutes))

    demands = [
        Demand(
            id=f"r{n}",
            customer_id=w.customer,
            service_id=w.service,
            earliest=wall(w.earliest).add(minutes=services[w.service].buffer_before),
            latest=wall(w.latest_end).subtract(
                minutes=services[w.service].minutes + services[w.service].buffer_after
            ),
            preferred=w.preferred,
        )
        for n, w in enumerate(wishes, start=1)
    ]
    return build_salon_day(
        store=store,
        date=demo.day,
        staff=salon.staff.of_store(STORE_ID),
        services=services.values(),
        resources=salon.catalogue.resources(STORE_ID),
        demands=demands,
    ).problem


class _Day:
    """One run of the day (state shared by its steps)."""

    def __init__(
        self, demo: DemoSalon, say: Say, progress: ProgressCallback, out_dir: Path | None
    ) -> None:
        self.demo = demo
        self.salon: Any = demo.salon
        self.say = say
        self.progress = progress
        self.out_dir = out_dir
        self.names = {c.id: c.name for c in self.salon.customers.list()}
        self.appointments: dict[str, Appointment] = {}
        self.orders: list[Order] = []

    def at(self, hour: int, minute: int = 0) -> pendulum.DateTime:
        return self.demo.at(hour, minute)

    def move_to(self, instant: pendulum.DateTime) -> None:
        """Advance the clock (never back) and send whatever messages fell due."""
        if instant > self.demo.clock.now():
            self.demo.clock.set(instant)
        self.salon.notifications.dispatch_due()

    def local(self, instant: dt.datetime) -> str:
        return f"{pendulum.instance(instant).in_timezone(self.demo.salon.stores.get(STORE_ID).timezone):%H:%M}"

    # -- the morning -------------------------------------------------------------------------

    def plan_requests(self) -> DaySolution | None:
        problem = day_problem(self.demo, WISHES)
        self.say(
            f"  08:30 {len(WISHES)} requests came in by phone; planning the day with the optimiser"
        )
        total = len(WISHES)

        def report(found: Any) -> None:
            self.progress("optimise", min(total, found.objective // 1000), total)

        solution = optimize(
            problem, time_limit=2.0, workers=2, seed=7, progress=report, deterministic=True
        )
        self.progress("optimise", total, total)
        self.say(
            f"    optimiser: {len(solution.assignments)} of {total} placed, "
            f"score {solution.objective} (bound {solution.bound}, {solution.status.lower()})"
        )
        midnight = self.at(0)
        wishes = {f"r{n}": w for n, w in enumerate(WISHES, start=1)}
        for done, assignment in enumerate(sorted(solution.assignments, key=lambda a: a.start), 1):
            wish = wishes[assignment.request]
            request = BookingRequest(
                store_id=STORE_ID,
                service_id=wish.service,
                customer_id=wish.customer,
                staff_id=assignment.staff,
                starts_at=midnight.add(minutes=assignment.start),
            )
            try:
                appt = self.salon.bookings.book(request)
            except BookingConflict as conflict:
                suggestion = next(
                    (s for s in conflict.suggestions if isinstance(s, Suggestion)), None
                )
                if suggestion is None:
                    self.say(f"    could not book {self.names[wish.customer]}: {conflict}")
                    continue
                appt = self.salon.bookings.book(suggestion.slot, customer=wish.customer)
            self.appointments[appt.id] = appt
            self.say(
                f"    {self.local(appt.starts_at)}  {self.names[appt.customer_id]:<14} "
                f"{appt.service_id:<11} with {appt.staff_id}"
            )
            self.progress("book", done, len(solution.assignments))
        for request_id in solution.unscheduled:
            wish = wishes[request_id]
            self.say(f"    no room today for {self.names[wish.customer]} ({wish.service})")
        return solution

    def desk_conflict(self) -> None:
        """A walk-in wants Ana at a time she is taken: the conflict and its suggestions."""
        taken = next((a for a in self.appointments.values() if a.staff_id == "ana"), None)
        if taken is None:
            return
        self.say(
            f"  09:00 desk: Liu Yang asks for a women's cut with Ana at {self.local(taken.starts_at)}"
        )
        request = BookingRequest(
            store_id=STORE_ID,
            service_id="womens-cut",
            customer_id="cust-04",
            staff_id="ana",
            starts_at=taken.starts_at,
        )
        try:
            self.salon.bookings.book(request)
        except BookingConflict as conflict:
            for reason in conflict.reasons:
                self.say(f"    conflict [{reason.code}]: {reason.message}")
            options = [s for s in conflict.suggestions if isinstance(s, Suggestion)]
            for option in options[:3]:
                self.say(
                    f"    suggestion ({option.kind}): {self.local(option.slot.starts_at)} "
                    f"with {option.slot.staff_id}"
                )
            if options:
                appt = self.salon.bookings.book(options[0].slot, customer="cust-04")
                self.appointments[appt.id] = appt
                self.say(
                    f"    booked the first suggestion: {self.local(appt.starts_at)} with {appt.staff_id}"
                )
        refused = BookingRequest(
            store_id=STORE_ID,
            service_id="colour",
            customer_id="cust-04",
            staff_id="chen",
            starts_at=self.at(16),
        )
        try:
            self.salon.bookings.book(refused)
        except BookingConflict as conflict:
            for reason in conflict.reasons:
                self.say(f"    she also asks for a colour: refused, {reason.message}")

    def prepare_money(self) -> None:
        """Deposits, wallet top-ups, migrated points and a welcome coupon."""
        for appt in self.appointments.values():
            if appt.service_id == "colour":
                deposit = self.salon.orders.take_deposit(appt.id, pay.card(reference="DEP"))
                self.say(f"    deposit {deposit.amount} from {self.names[appt.customer_id]}")
            if appt.customer_id == NO_SHOW:
                deposit = self.salon.orders.take_deposit(
                    appt.id, pay.cash(_cny("100")), amount=_cny("100")
                )
                self.say(f"    deposit {deposit.amount} from {self.names[appt.customer_id]}")
        self.salon.wallet.top_up("cust-01", _cny("1000"))
        self.salon.wallet.top_up("cust-11", _cny("500"))
        self.salon.loyalty.adjust(
            "cust-07", 3000, reason="points from the old card", actor="manager"
        )
        self.salon.loyalty.issue_coupon(Coupon(code="HELLO20", campaign_id="welcome"))
        self.say(
            "    wallets topped up (Lin Mei 1000 + 100 bonus, Wu Xia 500); Zhao Lei's 3000 old "
            "points moved over; coupon HELLO20 issued"
        )

    # -- the floor ---------------------------------------------------------------------------

    def payments_for(self, appt: Appointment, order: Order) -> list[Payment]:
        deposits = self.salon.orders.deposits(appointment=appt.id, held_only=True)
        head = [pay.deposit(d.id) for d in deposits]
        who = appt.customer_id
        if who == "cust-01":
            return [*head, pay.wallet(order.total - sum((d.amount for d in deposits), _cny("0")))]
        if who == "cust-02":
            return [pay.cash(_cny("300"))]
        if who == "cust-07":
            return [pay.points(2000), pay.cash(_cny("200"))]
        if who == "cust-11":
            return [pay.wallet(_cny("500")), pay.card(reference="POS-7731")]
        if who == "cust-12":
            return [pay.coupon("HELLO20"), pay.card(reference="POS-7745")]
        if who == "cust-06":
            return [pay.cash(_cny("200"))]
        return [*head, pay.card(reference=f"POS-{7700 + len(self.orders)}")]

    def extras(self, appt: Appointment, order_id: str) -> None:
        if appt.customer_id in ("cust-01", "cust-05"):
            sku = "SHAMPOO-R" if appt.customer_id == "cust-01" else "MASK-R"
            self.salon.orders.add_product(order_id, sku, staff=appt.staff_id)
        if appt.customer_id == "cust-11":
            self.salon.orders.add_product(order_id, "MASK-R", staff=appt.staff_id)
        if appt.customer_id in ("cust-02", "cust-10"):
            self.salon.orders.add_tip(order_id, _cny("20"), staff=appt.staff_id)

    def check_out(self, appt: Appointment) -> None:
        """The last step is done: open the order, add extras, take payment, print."""
        self.salon.workforce.finish_step(appt.id)
        order = self.salon.orders.open(appointment=appt.id, actor="desk")
        self.extras(appt, order.id)
        order = self.salon.orders.get(order.id)
        paid = self.salon.orders.checkout(order.id, self.payments_for(appt, order), actor="desk")
        self.orders.append(paid)
        tenders = ", ".join(
            f"{t.kind.value} {_amount(t.amount)}" + (f" ({t.points} pts)" if t.points else "")
            for t in paid.tenders
        )
        self.say(
            f"  {self.local(self.demo.clock.now())} {paid.number} {self.names[appt.customer_id]:<14} "
            f"{paid.total!s:>12}  [{tenders}]"
            + (f" change {_amount(paid.change)}" if paid.change else "")
            + f"  +{paid.points_earned} pts"
        )

    def no_show(self, appt: Appointment) -> None:
        self.salon.bookings.no_show(appt.id)
        fee = self.salon.orders.charge_no_show(appt.id, actor="desk")
        self.orders.append(fee)
        self.say(
            f"  {self.local(self.demo.clock.now())} {self.names[appt.customer_id]} did not come: "
            f"fee {fee.total}, {fee.paid} from her deposit, {fee.total - fee.paid} due"
        )

    def timeline(self, todays: list[Appointment]) -> list[tuple[pendulum.DateTime, int, str, str]]:
        """Every event of the floor in time order: clock-ins, check-ins, steps, check-outs.

        The first colour's application runs 15 minutes over; the bookings of the same staff
        member it delays start that much later (:func:`salonkit.workforce.floor.delays`)."""
        events: list[tuple[pendulum.DateTime, int, str, str]] = []
        for member in self.salon.staff.of_store(STORE_ID):
            for shift in member.shifts_on(self.demo.day):
                start = shift.hours.on(self.demo.day, TIMEZONE).start
                late = 7 if member.id == "bo" else 0  # Bo arrives seven minutes late
                events.append((start.add(minutes=late), 0, "in", member.id))
        over = next((a for a in todays if a.service_id == "colour"), None)
        shifts: dict[str, int] = {}
        if over is not None:
            planned = projected_steps(over, None, over.starts_at)
            late_steps = [(planned[0][0], planned[0][1].add(minutes=self.over_minutes))] + [
                (a.add(minutes=self.over_minutes), b.add(minutes=self.over_minutes))
                for a, b in planned[1:]
            ]
            later = [
                a for a in todays if a.staff_id == over.staff_id and a.starts_at > over.starts_at
            ]
            shifts = {a.id: m for a, m in delays(over, late_steps, later, tolerance_minutes=0)}
        for appt in todays:
            if appt.customer_id == NO_SHOW:
                events.append((appt.starts_at.add(minutes=20), 1, "no_show", appt.id))
                continue
            start = pendulum.instance(appt.starts_at).add(minutes=shifts.get(appt.id, 0))
            events.append((start, 1, "check_in", appt.id))
            cursor = start
            for index, step in enumerate(appt.steps):
                events.append((cursor, 2, "step", appt.id))
                cursor = cursor.add(minutes=step.minutes)
                if index == 0 and over is not None and appt.id == over.id:
                    cursor = cursor.add(minutes=self.over_minutes)
            events.append((cursor, 3, "check_out", appt.id))
        return sorted(events)

    over_minutes = 15

    def run_floor(self) -> None:
        todays = [
            a
            for a in sorted(self.appointments.values(), key=lambda a: a.starts_at)
            if a.status is AppointmentStatus.BOOKED
        ]
        events = self.timeline(todays)
        seen_flags: set[str] = set()
        for done, (when, _, what, ref) in enumerate(events, 1):
            self.move_to(when)
            if what == "in":
                self.salon.workforce.clock_in(ref)
            elif what == "check_in":
                self.salon.bookings.check_in(ref)
            elif what == "step":
                self.salon.workforce.start_step(ref)
                for flag in self.salon.workforce.late_flags(STORE_ID, self.demo.day):
                    if flag.id in seen_flags:
                        continue
                    seen_flags.add(flag.id)
                    cause = self.salon.bookings.get(flag.caused_by)
                    delayed = self.salon.bookings.get(flag.id)
                    self.say(
                        f"  {self.local(when)} running late: {self.names[cause.customer_id]}'s "
                        f"{cause.service_id} ran {self.over_minutes} min over; "
                        f"{self.names[delayed.customer_id]} ({self.local(delayed.starts_at)}) "
                        f"flagged {flag.minutes_late} min late"
                    )
            elif what == "check_out":
                self.check_out(self.salon.bookings.get(ref))
            elif what == "no_show":
                self.no_show(self.salon.bookings.get(ref))
            self.progress("day", done, len(events))

    # -- the evening -------------------------------------------------------------------------

    def evening(self) -> None:
        self.move_to(self.at(20, 30))
        returned = next(
            (
                o
                for o in self.orders
                if any(x.item_id == "MASK-R" for x in o.lines) and o.customer_id == "cust-05"
            ),
            None,
        )
        if returned is not None:
            line = next(x for x in returned.lines if x.item_id == "MASK-R")
            refund = self.salon.orders.refund(
                returned.id, {line.id: 1}, reason="unopened, wrong size", actor="desk"
            )
            self.say(
                f"  20:30 {self.names['cust-05']} returns the repair mask: {refund.amount} back "
                f"to {', '.join(t.kind for t in refund.tenders)}, mask back in stock, "
                f"{refund.points_clawed_back} points clawed back"
            )
        for customer, rating, recommend, staff in (
            ("cust-02", 5, 10, None),
            ("cust-03", 4, 8, "bo"),
            ("cust-12", 5, 9, None),
            ("cust-07", 2, 4, "bo"),
        ):
            self.salon.feedback.record_survey(
                STORE_ID, customer, rating=rating, recommend=recommend, staff_id=staff
            )
        self.salon.feedback.open_complaint(
            STORE_ID, "cust-07", subject="Waited 20 minutes past my time", staff_id="bo"
        )
        self.salon.reports.add_expense(
            STORE_ID, day=self.demo.day, category="rent", amount=_cny("1800")
        )
        self.salon.reports.add_expense(
            STORE_ID, day=self.demo.day, category="utilities", amount=_cny("240")
        )
        self.move_to(self.at(21))
        for member in self.salon.staff.of_store(STORE_ID):
            if member.shifts_on(self.demo.day):
                self.salon.workforce.clock_out(member.id)

    def report(self) -> tuple[DayReport, Path | None, tuple[Path, ...]]:
        self.progress("report", 0, 3)
        report = self.salon.reports.day(STORE_ID, self.demo.day)
        self.progress("report", 1, 3)
        self.print_takings_slip(report)
        self.report_lines: list[str] = [f"{self.demo.day:%A %d %B %Y}: the day's report"]

        def tell(line: str) -> None:
            self.report_lines.append(line)
            self.say(line)

        t = report.takings
        tell(f"  takings: {t.received} received, {t.refunded} refunded, {t.net} net")
        for tender in t.tenders:
            tell(
                f"    {tender.kind:<8} in {_amount(tender.received):>9}  out {_amount(tender.refunded):>8}"
            )
        pnl = report.pnl
        tell(
            f"  P&L: revenue {pnl.revenue}, cost of goods {pnl.cost_of_goods}, commission "
            f"{pnl.commissions}, expenses {pnl.total_expenses} → net {pnl.net_profit}"
        )
        for row in report.by_staff:
            tell(f"    {row.key:<5} revenue {_amount(row.revenue):>9}  ({row.quantity} items)")
        heat = report.utilisation
        tell(f"  staff utilisation {heat.staff_utilisation:.0%}, by hour:")
        tell("    " + " " * 12 + "".join(f"{h:>5}" for h in heat.hours))
        for row in (*heat.staff, *heat.resources):
            cells = "".join(
                f"{'' if row.percent(i) is None else str(row.percent(i)) + '%':>5}"
                for i in range(len(heat.hours))
            )
            tell(f"    {row.key:<12}{cells}")
        for dye in ("DYE-6N", "DEV-6", "SHAMPOO-R", "MASK-R"):
            tell(f"    stock {dye:<10} {self.salon.inventory.on_hand(STORE_ID, dye)}")
        board = files = None
        csv_files: list[Path] = []
        if self.out_dir is not None:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            for name, rows in (
                ("takings", report.takings.tenders),
                ("sales-by-service", report.by_service),
                ("sales-by-product", report.by_product),
                ("sales-by-staff", report.by_staff),
                (
                    "commissions",
                    self.salon.workforce.commissions(STORE_ID, days=(self.demo.day,) * 2),
                ),
            ):
                path = self.out_dir / f"{name}.csv"
                path.write_text(to_csv(rows), encoding="utf-8")
                csv_files.append(path)
            board = self.out_dir / "day-board.html"
            board.write_text(self.board_html(report), encoding="utf-8")
            text = self.out_dir / "day-report.txt"
            text.write_text("\n".join(self.report_lines) + "\n", encoding="utf-8")
            csv_files.append(text)
            files = tuple(csv_files)
            self.say(f"  wrote {board}, {text.name} and {len(csv_files) - 1} CSV files")
        self.progress("report", 3, 3)
        return report, board, files or ()

    def print_takings_slip(self, report: DayReport) -> None:
        """The end-of-day takings slip on the receipt printer (cash drawer float 500, counted
        exactly as expected)."""
        printer = self.salon.orders.printer
        if printer is None:
            return
        store = self.salon.stores.get(STORE_ID)
        paid = [o for o in self.orders if o.paid_at is not None]
        takings = report.takings
        gross = Money.sum((o.subtotal for o in paid), store.currency)
        discounts = Money.sum((o.discount_total for o in paid), store.currency)
        counts: dict[str, int] = {}
        for order in paid:
            for tender in order.tenders:
                counts[tender.kind.value] = counts.get(tender.kind.value, 0) + 1
        cash_float = _cny("500")
        cash = takings.of("cash")
        slip = TakingsSlip(
            store_name=store.name,
            business_day=self.demo.day,
            printed_at=self.demo.clock.now(),
            timezone=store.timezone,
            currency=store.currency,
            orders=len(paid),
            gross=gross,
            discounts=discounts,
            refunds=takings.refunded,
            tax=report.pnl.tax_collected,
            net=gross - discounts - takings.refunded,
            tenders=[
                TakingsLine(method=t.kind, count=counts.get(t.kind, 0), amount=t.received)
                for t in takings.tenders
            ],
            cash_refunds=cash.refunded,
            cash_float=cash_float,
            cash_counted=cash_float + cash.received - cash.refunded,
        )
        printer.print(takings_job(slip, store_id=STORE_ID))

    def board_html(self, report: DayReport) -> str:
        store = self.salon.stores.get(STORE_ID)
        staff = self.salon.staff.of_store(STORE_ID)
        day = self.demo.day
        start, end = self.at(0), self.at(0).add(days=1)
        appts = self.salon.bookings.appointments(within=(start, end), store=STORE_ID)
        late = [f.id for f in self.salon.workforce.late_flags(STORE_ID, day)]
        working = {
            m.id: [(r.start, r.end) for r in staff_availability(m, day, store.timezone)]
            for m in staff
        }
        t = report.takings
        figures = [
            ("Orders", str(report.orders)),
            ("Takings (net)", str(t.net)),
            *((f"  {x.kind}", str(x.net)) for x in t.tenders),
            ("Revenue (ex tax)", str(report.pnl.revenue)),
            ("Net profit", str(report.pnl.net_profit)),
            ("Staff utilisation", f"{report.utilisation.staff_utilisation:.0%}"),
        ]
        return render_board(
            store=store,
            day=day,
            staff=staff,
            resources=self.salon.catalogue.resources(STORE_ID),
            services=self.salon.catalogue.services(),
            appointments=appts,
            customers=self.names,
            late=late,
            working=working,
            figures=figures,
            heat=report.utilisation,
        )


def run_day(
    demo: DemoSalon,
    say: Say,
    *,
    progress: ProgressCallback | None = None,
    out_dir: Path | None = None,
) -> DaySummary:
    """Run the demo day on ``demo`` (see the module docstring); narrate through ``say`` and
    write the board and CSV files into ``out_dir`` when given."""
    day = _Day(demo, say, progress or _no_progress, out_dir)
    say("Morning at the desk")
    solution = day.plan_requests()
    day.desk_conflict()
    day.prepare_money()
    day.move_to(demo.at(9, 30))
    say("The day on the floor")
    day.run_floor()
    say("Evening")
    day.evening()
    report, board, files = day.report()
    return DaySummary(
        appointments=tuple(day.appointments.values()),
        orders=tuple(day.orders),
        report=report,
        board=board,
        csv_files=files,
        optimiser=solution,
    )


__all__ = ["WISHES", "DaySummary", "ProgressCallback", "Wish", "day_problem", "run_day"]
