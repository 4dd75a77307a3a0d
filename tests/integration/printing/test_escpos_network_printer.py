"""The ESC/POS printer against a local TCP "printer" on 127.0.0.1 (an ephemeral port instead of
9100): the bytes received carry the expected commands and decode to the expected text."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Callable, Iterator

import attrs
import pytest

import salonkit
from salonkit.adapters.escpos_printer import EscPosConfig, EscPosPrinter, render_escpos
from salonkit.errors import ValidationError
from salonkit.plugins import PrintJob
from salonkit.printing import (
    Document,
    PrinterUnavailable,
    receipt_document,
    receipt_job,
    render_text,
    takings_job,
)
from salonkit.testing.printer_contract import (
    PrinterContract,
    first_missing,
    parse_escpos,
    sample_receipt,
    sample_takings,
)


class FakePrinter:
    """A TCP server that keeps the bytes of each connection, like a printer's port 9100: one
    connection at a time, in the order they arrive (a threaded server could store two jobs in
    the wrong order)."""

    def __init__(self) -> None:
        self.jobs: list[bytes] = []
        self._lock = threading.Lock()
        self._done = threading.Condition(self._lock)
        printer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                chunks = []
                while True:
                    chunk = self.request.recv(65536)
                    if not chunk:
                        break
                    chunks.append(chunk)
                with printer._lock:
                    printer.jobs.append(b"".join(chunks))
                    printer._done.notify_all()

        self.server = socketserver.TCPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def wait_for(self, count: int) -> list[bytes]:
        """The jobs once ``count`` have arrived (the server stores a job after the client closes)."""
        with self._done:
            self._done.wait_for(lambda: len(self.jobs) >= count, timeout=5)
            return list(self.jobs)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)


@pytest.fixture
def fake_printer() -> Iterator[FakePrinter]:
    server = FakePrinter()
    yield server
    server.close()


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def printer_at(port: int, **options: object) -> EscPosPrinter:
    return EscPosPrinter(EscPosConfig(host="127.0.0.1", port=port, timeout=2.0, **options))  # type: ignore[arg-type]


def test_the_bytes_received_decode_to_the_receipt_and_its_commands(
    fake_printer: FakePrinter,
) -> None:
    receipt = sample_receipt("zh_CN")
    job = receipt_job(receipt)
    printer_at(fake_printer.port).print(job)
    [data] = fake_printer.wait_for(1)
    trace = parse_escpos(data, "gb18030")
    names = trace.names()
    assert names[:2] == ["init", "chinese_mode"]  # ESC @, FS &
    assert ("align", 1) in trace.commands and ("align", 0) in trace.commands  # centre, left
    assert ("bold", 1) in trace.commands and ("mode", 0x30) in trace.commands  # double size
    assert ("qr", b"20261123-0042") in trace.commands and "qr_print" in names
    assert names[-2:] == ["feed", "cut"]  # ESC d 6, GS V 0
    # The text lines are exactly the plain-text rendering, minus the QR placeholder.
    expected = [
        line
        for line in render_text(receipt_document(receipt)).splitlines()
        if not line.strip().startswith("[QR")
    ]
    # (Centred lines are centred by the printer, not padded with spaces.)
    assert [line.strip() for line in trace.lines if line.strip()] == [
        line.strip() for line in expected if line.strip()
    ]
    assert "女士剪发" in trace.text and "找零                                 56.00" in trace.text


def test_a_code128_barcode_and_a_single_byte_code_page(fake_printer: FakePrinter) -> None:
    receipt = attrs.evolve(sample_receipt(), code_kind="code128", code="ORD-42")
    printer_at(fake_printer.port, encoding="cp858", width=48).print(receipt_job(receipt))
    trace = parse_escpos(fake_printer.wait_for(1)[0], "cp858")
    assert trace.names()[:3] == ["init", "chinese_mode_off", "codepage"]
    assert ("codepage", 19) in trace.commands
    assert ("barcode", 73, b"{BORD-42") in trace.commands  # GS k 73: Code 128, code set B
    assert ("barcode_text", 0) in trace.commands
    assert "Jade Salon ???" in trace.lines  # no Chinese in code page 858
    assert all(len(line) <= 48 for line in trace.lines)
    assert any(
        line.startswith("TOTAL") and line.endswith("CN¥444.00") and len(line) == 48
        for line in trace.lines
    )


def test_a_takings_slip_prints_over_the_network(fake_printer: FakePrinter) -> None:
    printer_at(fake_printer.port).print(takings_job(sample_takings()))
    trace = parse_escpos(fake_printer.wait_for(1)[0])
    assert (
        first_missing(["DAILY TAKINGS", "Cash expected", "Cash counted", "Variance"], trace.lines)
        is None
    )
    assert "Variance                             -4.50" in trace.lines
    assert trace.names()[-1] == "cut"


def test_a_printer_that_is_down_raises_printer_unavailable() -> None:
    with pytest.raises(PrinterUnavailable, match="127.0.0.1"):
        printer_at(unused_port()).print(PrintJob(kind="note", text="hello"))


def test_the_rendering_is_deterministic_and_each_block_maps_to_commands() -> None:
    document = Document.of_text("one\ntwo")
    first = render_escpos(document)
    assert first == render_escpos(document)
    assert parse_escpos(first).lines == ("one", "two")


def test_configuration_and_registration(fake_printer: FakePrinter) -> None:
    config = EscPosConfig.from_env(
        environ={
            "SALONKIT_PRINTER_HOST": "127.0.0.1",
            "SALONKIT_PRINTER_PORT": str(fake_printer.port),
            "SALONKIT_PRINTER_NAME": "front-desk",
        }
    )
    assert config is not None and config.name == "front-desk" and config.encoding == "gb18030"
    assert EscPosConfig.from_env(environ={}) is None
    with pytest.raises(ValidationError, match="printer.encoding"):
        EscPosConfig(host="x", encoding="utf-16")
    salon = salonkit.Salon.open(
        "memory://", plugins=[EscPosPrinter(config)], load_entrypoints=False
    )
    salon.printers["front-desk"].print(PrintJob(kind="note", text="from the salon"))
    assert "from the salon" in parse_escpos(fake_printer.wait_for(1)[0]).text


def test_the_parser_refuses_unknown_commands() -> None:
    with pytest.raises(ValueError, match="ESC 0x7a"):
        parse_escpos(b"\x1bz")


class Counted:
    """Counts the jobs handed to the printer, so the test knows how many to wait for."""

    def __init__(self, printer: EscPosPrinter) -> None:
        self.printer = printer
        self.count = 0

    def print(self, job: PrintJob) -> None:
        self.printer.print(job)
        self.count += 1


class TestEscPosPrinterContract(PrinterContract):
    """The ESC/POS network printer passes the printer contract."""

    @pytest.fixture
    def printer(self, fake_printer: FakePrinter) -> Counted:
        return Counted(printer_at(fake_printer.port))

    @pytest.fixture
    def printed(self, fake_printer: FakePrinter, printer: Counted) -> Callable[[], list[str]]:
        # The server stores a job when its connection closes, a moment after print() returns.
        return lambda: [parse_escpos(d).text for d in fake_printer.wait_for(printer.count)]

    @pytest.fixture
    def broken_printer(self) -> EscPosPrinter:
        return printer_at(unused_port())

    @pytest.fixture
    def plugin(self, printer: Counted) -> object:
        return printer.printer


def test_the_adapter_module_registers_a_printer_from_the_environment(
    fake_printer: FakePrinter, monkeypatch: pytest.MonkeyPatch
) -> None:
    import salonkit.adapters.escpos_printer as module

    monkeypatch.setenv("SALONKIT_PRINTER_HOST", "127.0.0.1")
    monkeypatch.setenv("SALONKIT_PRINTER_PORT", str(fake_printer.port))
    salon = salonkit.Salon.open("memory://", plugins=[module], load_entrypoints=False)
    salon.printers["receipt"].print(PrintJob(kind="note", text="configured by env"))
    assert "configured by env" in parse_escpos(fake_printer.wait_for(1)[0]).text
