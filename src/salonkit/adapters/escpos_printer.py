"""Receipt printers speaking ESC/POS over the network (raw TCP, port 9100), via python-escpos.

A print job's :class:`~salonkit.printing.document.Document` becomes ESC/POS bytes: initialise
(``ESC @``), the character set, then each block with its alignment (``ESC a``), emphasis
(``ESC E``) and size (``ESC !``); rows padded to the paper's width; Code 128 barcodes
(``GS k``) and QR codes (``GS ( k``) as the printer's own symbols; finally feed and cut
(``GS V``). The bytes go to the printer in one TCP connection with a timeout; any network
failure raises :class:`~salonkit.printing.PrinterUnavailable`.

Text is encoded in ``encoding``: ``"gb18030"`` (Chinese printers, in their Chinese character
mode, ``FS &``) or a single-byte code page (``"cp437"``, ``"cp858"``, ``"cp1252"``...) selected
with ``ESC t``. Characters the code page lacks print as ``?``.

Configure it with an object or from the environment (:meth:`EscPosConfig.from_env`):
``SALONKIT_PRINTER_HOST``, ``..._PORT`` (9100), ``..._NAME`` (``receipt``), ``..._ENCODING``
(``gb18030``), ``..._WIDTH`` (42 columns), ``..._TIMEOUT`` (seconds, 5).
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
from collections.abc import Callable, Mapping

import attrs
from escpos.printer import Dummy

from salonkit.errors import ValidationError
from salonkit.plugins.hookspecs import Printer, PrintJob, hookimpl
from salonkit.printing.document import (
    Barcode,
    Cut,
    Document,
    Feed,
    QrCode,
    Row,
    Rule,
    Text,
    row_text,
)
from salonkit.printing.errors import PrinterUnavailable
from salonkit.printing.jobs import document_of

#: Single-byte code pages and their ``ESC t`` numbers (Epson's table).
CODE_PAGES: dict[str, int] = {"cp437": 0, "cp850": 2, "cp860": 3, "cp858": 19, "cp1252": 16}
#: Multi-byte encodings used by printers in their Kanji/Chinese mode (``FS &``).
CHINESE_ENCODINGS = frozenset({"gb18030", "gbk", "gb2312"})


def _encoding(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in CODE_PAGES and value not in CHINESE_ENCODINGS:
        known = ", ".join(sorted([*CODE_PAGES, *CHINESE_ENCODINGS]))
        raise ValidationError("printer.encoding", f"unsupported {value!r}; use one of {known}")


def _width(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or not 16 <= value <= 80:
        raise ValidationError("printer.width", f"must be 16 to 80 columns, got {value!r}")


@attrs.frozen(kw_only=True)
class EscPosConfig:
    """A network receipt printer: ``host``, ``port``, the ``name`` it is registered under, the
    text ``encoding``, the paper ``width`` in columns and a ``timeout`` in seconds."""

    host: str
    port: int = 9100
    name: str = "receipt"
    encoding: str = attrs.field(default="gb18030", validator=_encoding)
    width: int = attrs.field(default=42, validator=_width)
    timeout: float = 5.0

    @classmethod
    def from_env(
        cls, prefix: str = "SALONKIT_PRINTER_", environ: Mapping[str, str] | None = None
    ) -> EscPosConfig | None:
        """The configuration in ``<prefix>HOST`` and friends; ``None`` when no host is set."""
        env = os.environ if environ is None else environ
        host = env.get(prefix + "HOST")
        if not host:
            return None
        try:
            port = int(env.get(prefix + "PORT", "9100"))
            width = int(env.get(prefix + "WIDTH", "42"))
            timeout = float(env.get(prefix + "TIMEOUT", "5"))
        except ValueError:
            raise ValidationError(prefix + "PORT", "port, width and timeout are numbers") from None
        return cls(
            host=host,
            port=port,
            name=env.get(prefix + "NAME", "receipt"),
            encoding=env.get(prefix + "ENCODING", "gb18030"),
            width=width,
            timeout=timeout,
        )


def render_escpos(document: Document, encoding: str = "gb18030") -> bytes:
    """The ESC/POS bytes of ``document`` (see the module doc)."""
    p = Dummy()
    p.hw("INIT")
    if encoding in CHINESE_ENCODINGS:
        p._raw(b"\x1c\x26")  # FS &: Chinese character mode
    else:
        p._raw(b"\x1c\x2e")  # FS .: leave it, then ESC t n: the code page
        p._raw(b"\x1b\x74" + bytes([CODE_PAGES[encoding]]))

    def line(text: str) -> None:
        p._raw(text.encode(encoding, errors="replace") + b"\n")

    width = document.width
    for block in document.blocks:
        if isinstance(block, Text):
            p.set(
                align=block.align,
                bold=block.bold,
                double_height=block.large,
                double_width=block.large,
                normal_textsize=not block.large,
            )
            line(block.text)
            if block.large or block.bold:
                p.set(bold=False, normal_textsize=True)
        elif isinstance(block, Row):
            p.set(align="left", bold=block.bold)
            line(row_text(block.left, block.right, width))
            if block.bold:
                p.set(bold=False)
        elif isinstance(block, Rule):
            p.set(align="left")
            line(block.char * width)
        elif isinstance(block, Feed):
            p._raw(b"\n" * block.lines)
        elif isinstance(block, Barcode):
            # python-escpos announces the renderer it picked on standard output.
            with contextlib.redirect_stdout(io.StringIO()):
                p.barcode("{B" + block.data, "CODE128", function_type="B", pos="OFF")
        elif isinstance(block, QrCode):
            p.set(align="center")
            p.qr(block.data, native=True, size=6)
        elif isinstance(block, Cut):
            p.cut()
    return bytes(p.output)


class EscPosPrinter:
    """A network ESC/POS printer (see the module doc). Also a plugin: pass it to
    ``Salon.open(..., plugins=[EscPosPrinter(config)])`` to register it as ``config.name``."""

    def __init__(self, config: EscPosConfig) -> None:
        self.config = config

    def render(self, job: PrintJob) -> bytes:
        """The bytes this printer is sent for ``job``."""
        document = document_of(job, self.config.width)
        if document.width != self.config.width:
            document = attrs.evolve(document, width=self.config.width)
        return render_escpos(document, self.config.encoding)

    def print(self, job: PrintJob) -> None:
        """Send ``job`` to the printer; :class:`PrinterUnavailable` if it cannot be reached."""
        data = self.render(job)
        address = (self.config.host, self.config.port)
        try:
            with socket.create_connection(address, timeout=self.config.timeout) as conn:
                conn.sendall(data)
                conn.shutdown(socket.SHUT_WR)
        except OSError as exc:
            raise PrinterUnavailable(
                f"printer {self.config.name!r} at {self.config.host}:{self.config.port}: {exc}"
            ) from exc

    @hookimpl
    def salonkit_register_printers(self, register: Callable[[str, Printer], None]) -> None:
        """Register under the configured name."""
        register(self.config.name, self)


@hookimpl
def salonkit_register_printers(register: Callable[[str, Printer], None]) -> None:
    """Register a printer from ``SALONKIT_PRINTER_*`` when ``SALONKIT_PRINTER_HOST`` is set."""
    config = EscPosConfig.from_env()
    if config is not None:
        register(config.name, EscPosPrinter(config))


__all__ = [
    "CHINESE_ENCODINGS",
    "CODE_PAGES",
    "EscPosConfig",
    "EscPosPrinter",
    "render_escpos",
]
