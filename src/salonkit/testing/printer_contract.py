"""The contract every printer plugin passes, and an ESC/POS reader for tests.

Subclass :class:`PrinterContract` in your plugin's tests and provide three fixtures:

- ``printer``: the printer under test, talking to a far end the test controls;
- ``printed``: a callable returning the text of every job the far end received so far, one
  string per job, in order (decode ESC/POS bytes with :func:`parse_escpos`);
- ``broken_printer``: the same kind of printer pointed at a far end that is down.

Optionally override ``plugin`` (default: the printer itself) with the object whose
``salonkit_register_printers`` hook registers it, and ``printer_name`` with the name it
registers under (default: any).

.. code-block:: python

   class TestMyPrinter(PrinterContract):
       @pytest.fixture
       def printer(self, my_server): return MyPrinter(my_server.address)
       ...
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs
import pendulum
import pluggy
import pytest

from salonkit.domain.money import Money
from salonkit.plugins import hookspecs
from salonkit.plugins.hookspecs import Printer, PrintJob
from salonkit.printing.jobs import receipt_job, takings_job
from salonkit.printing.receipt import Receipt, ReceiptLine, StoreHeader, TenderLine
from salonkit.printing.takings import TakingsLine, TakingsSlip


@attrs.frozen
class EscPosTrace:
    """What a stream of ESC/POS bytes does: the ``commands`` in order (``("init",)``,
    ``("align", 1)``, ``("barcode", 73, b"{BORD-1")``, ``("qr", b"ORD-1")``, ``("cut", 0)``...)
    and the printed ``lines`` of text, decoded with the stream's encoding."""

    commands: tuple[tuple[Any, ...], ...]
    lines: tuple[str, ...]

    def names(self) -> list[str]:
        """The command names in order."""
        return [c[0] for c in self.commands]

    @property
    def text(self) -> str:
        """The printed lines joined with newlines."""
        return "\n".join(self.lines)


_ESC_ONE_ARG = {
    ord("a"): "align",
    ord("E"): "bold",
    ord("!"): "mode",
    ord("d"): "feed",
    ord("t"): "codepage",
    ord("-"): "underline",
    ord("M"): "font",
    ord("G"): "double_strike",
    ord("J"): "feed_dots",
    ord("{"): "upside_down",
}
_GS_ONE_ARG = {
    ord("!"): "size",
    ord("h"): "barcode_height",
    ord("w"): "barcode_width",
    ord("f"): "barcode_font",
    ord("H"): "barcode_text",
    ord("B"): "invert",
    ord("b"): "smoothing",
}


def parse_escpos(data: bytes, encoding: str = "gb18030") -> EscPosTrace:
    """Read the ESC/POS commands and text lines in ``data`` (the subset salonkit and common
    printers use; an unknown command raises ``ValueError`` naming its bytes)."""
    commands: list[tuple[Any, ...]] = []
    lines: list[str] = []
    text = bytearray()
    i, n = 0, len(data)

    def take(count: int) -> bytes:
        nonlocal i
        if i + count > n:
            raise ValueError(f"truncated ESC/POS command at byte {i}")
        chunk = data[i : i + count]
        i += count
        return chunk

    while i < n:
        byte = data[i]
        i += 1
        if byte == 0x0A:
            lines.append(text.decode(encoding, errors="replace"))
            text.clear()
        elif byte == 0x1B:
            op = take(1)[0]
            if op == ord("@"):
                commands.append(("init",))
            elif op in _ESC_ONE_ARG:
                commands.append((_ESC_ONE_ARG[op], take(1)[0]))
            else:
                raise ValueError(f"unknown command ESC {op:#04x} at byte {i - 2}")
        elif byte == 0x1C:
            op = take(1)[0]
            if op == ord("&"):
                commands.append(("chinese_mode",))
            elif op == ord("."):
                commands.append(("chinese_mode_off",))
            else:
                raise ValueError(f"unknown command FS {op:#04x} at byte {i - 2}")
        elif byte == 0x1D:
            op = take(1)[0]
            if op == ord("V"):
                mode = take(1)[0]
                if mode in (65, 66):
                    take(1)
                commands.append(("cut", mode))
            elif op in _GS_ONE_ARG:
                commands.append((_GS_ONE_ARG[op], take(1)[0]))
            elif op == ord("k"):
                kind = take(1)[0]
                if kind <= 6:
                    end = data.index(b"\x00", i)
                    payload = take(end - i)
                    take(1)
                else:
                    payload = take(take(1)[0])
                commands.append(("barcode", kind, payload))
            elif op == ord("("):
                fn_group = take(1)[0]
                size = int.from_bytes(take(2), "little")
                body = take(size)
                if fn_group == ord("k") and body[:1] == b"1" and body[1:2] == b"P":
                    commands.append(("qr", body[3:]))
                elif fn_group == ord("k") and body[:1] == b"1" and body[1:2] == b"Q":
                    commands.append(("qr_print",))
                else:
                    commands.append(("gs_paren", fn_group, body))
            else:
                raise ValueError(f"unknown command GS {op:#04x} at byte {i - 2}")
        else:
            text.append(byte)
    if text:
        lines.append(text.decode(encoding, errors="replace"))
    return EscPosTrace(tuple(commands), tuple(lines))


def sample_receipt(language: str = "en") -> Receipt:
    """A small receipt (two lines, cash with change, points) for contract tests."""

    def cny(text: str) -> Money:
        return Money(Decimal(text), "CNY")

    return Receipt(
        store=StoreHeader(name="Jade Salon 玉发廊", address="1 Nanjing Rd"),
        order_number="20261123-0042",
        issued_at=pendulum.datetime(2026, 11, 23, 6, 30),
        timezone="Asia/Shanghai",
        currency="CNY",
        language=language,
        lines=(
            ReceiptLine(
                description="Women's cut 女士剪发",
                quantity=Decimal(1),
                unit_price=cny("268.00"),
                amount=cny("268.00"),
                staff="Bo",
            ),
            ReceiptLine(
                description="Argan oil",
                quantity=Decimal(2),
                unit_price=cny("88.00"),
                amount=cny("176.00"),
            ),
        ),
        subtotal=cny("444.00"),
        total=cny("444.00"),
        tenders=(TenderLine(method="cash", amount=cny("500.00")),),
        change=cny("56.00"),
        points_earned=444,
        points_balance=1444,
    )


def sample_takings() -> TakingsSlip:
    """A takings slip for contract tests."""

    def cny(text: str) -> Money:
        return Money(Decimal(text), "CNY")

    return TakingsSlip(
        store_name="Jade Salon",
        business_day=dt.date(2026, 11, 23),
        printed_at=pendulum.datetime(2026, 11, 23, 13),
        timezone="Asia/Shanghai",
        currency="CNY",
        orders=12,
        gross=cny("4200.00"),
        discounts=cny("120.00"),
        refunds=cny("80.00"),
        tax=cny("230.94"),
        net=cny("4000.00"),
        tenders=(
            TakingsLine(method="cash", count=4, amount=cny("900.00")),
            TakingsLine(method="wechat", count=8, amount=cny("3100.00")),
        ),
        cash_float=cny("500.00"),
        cash_counted=cny("1395.50"),
    )


def _words(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def first_missing(expected: list[str], got: list[str]) -> str | None:
    """The first of ``expected`` not found (as part of a line) in ``got`` after the lines that
    matched the ones before it; ``None`` when all appear in order."""
    at = 0
    for line in expected:
        while at < len(got) and line not in got[at]:
            at += 1
        if at == len(got):
            return line
        at += 1
    return None


class PrinterContract:
    """The abstract test suite of a printer plugin (see the module doc)."""

    @pytest.fixture
    def printer(self) -> Printer:
        """The printer under test."""
        raise NotImplementedError("provide a `printer` fixture")

    @pytest.fixture
    def printed(self) -> Callable[[], list[str]]:
        """A callable returning the text of each job the far end received."""
        raise NotImplementedError("provide a `printed` fixture")

    @pytest.fixture
    def broken_printer(self) -> Printer:
        """The printer pointed at a far end that is down."""
        raise NotImplementedError("provide a `broken_printer` fixture")

    @pytest.fixture
    def plugin(self, printer: Printer) -> object:
        """The object that registers the printer through ``salonkit_register_printers``."""
        return printer

    @pytest.fixture
    def printer_name(self) -> str | None:
        """The name the plugin registers the printer under (``None``: any)."""
        return None

    def test_a_receipt_prints_every_line_in_order(
        self, printer: Printer, printed: Callable[[], list[str]]
    ) -> None:
        job = receipt_job(sample_receipt())
        printer.print(job)
        [received] = printed()
        expected = [line for line in _words(job.text) if not line.startswith("[")]
        missing = first_missing(expected, _words(received))
        assert missing is None, f"{missing!r} was not printed (in order)"

    def test_chinese_text_survives(
        self, printer: Printer, printed: Callable[[], list[str]]
    ) -> None:
        printer.print(receipt_job(sample_receipt("zh_CN")))
        [received] = printed()
        for word in ("玉发廊", "女士剪发", "合计", "找零", "积分余额"):
            assert word in received, f"{word!r} was not printed"

    def test_a_takings_slip_prints(
        self, printer: Printer, printed: Callable[[], list[str]]
    ) -> None:
        printer.print(takings_job(sample_takings()))
        [received] = printed()
        assert "DAILY TAKINGS" in received, "no title"
        assert "-4.50" in received, "no cash variance"

    def test_a_plain_text_job_prints(
        self, printer: Printer, printed: Callable[[], list[str]]
    ) -> None:
        printer.print(PrintJob(kind="note", text="Line one\nLine two\n"))
        [received] = printed()
        missing = first_missing(["Line one", "Line two"], _words(received))
        assert missing is None, f"{missing!r} was not printed"

    def test_jobs_arrive_one_by_one(
        self, printer: Printer, printed: Callable[[], list[str]]
    ) -> None:
        printer.print(PrintJob(kind="note", text="first"))
        printer.print(PrintJob(kind="note", text="second"))
        received = printed()
        assert len(received) == 2, f"{len(received)} jobs arrived"
        assert "first" in received[0] and "second" in received[1], "jobs mixed up"

    def test_a_printer_that_is_down_raises(self, broken_printer: Printer) -> None:
        with pytest.raises(Exception):  # noqa: B017 - any exception signals the failure
            broken_printer.print(PrintJob(kind="note", text="lost?"))

    def test_it_registers_through_the_hook(self, plugin: object, printer_name: str | None) -> None:
        pm = pluggy.PluginManager("salonkit")
        pm.add_hookspecs(hookspecs)
        pm.register(plugin)
        pm.check_pending()
        found: dict[str, Printer] = {}
        pm.hook.salonkit_register_printers(register=found.__setitem__)
        names = [printer_name] if printer_name else list(found)
        assert names, "nothing was registered"
        assert all(callable(getattr(found[n], "print", None)) for n in names), "no print()"


__all__ = [
    "EscPosTrace",
    "PrinterContract",
    "first_missing",
    "parse_escpos",
    "sample_receipt",
    "sample_takings",
]
