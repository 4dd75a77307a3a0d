"""Plain-text rendering of a :class:`Document`: for the console printer, files and e-mail.

Barcodes and QR codes become a bracketed line with their content; the cut becomes nothing.
Widths count CJK characters as two columns, as receipt printers do.
"""

from __future__ import annotations

from salonkit.printing.document import (
    Barcode,
    Cut,
    Document,
    Feed,
    QrCode,
    Row,
    Rule,
    Text,
    pad,
    row_text,
)


def render_text(document: Document) -> str:
    """The document as lines of at most ``document.width`` columns (no trailing spaces)."""
    width = document.width
    lines: list[str] = []
    for block in document.blocks:
        if isinstance(block, Text):
            lines.append(pad(block.text, width, block.align).rstrip())
        elif isinstance(block, Row):
            lines.append(row_text(block.left, block.right, width))
        elif isinstance(block, Rule):
            lines.append(block.char * width)
        elif isinstance(block, Feed):
            lines.extend([""] * block.lines)
        elif isinstance(block, QrCode):
            lines.append(pad(f"[QR {block.data}]", width, "center").rstrip())
        elif isinstance(block, Barcode):
            lines.append(pad(f"[|||| {block.data} ||||]", width, "center").rstrip())
        elif isinstance(block, Cut):
            continue
    return "\n".join(lines) + "\n"


__all__ = ["render_text"]
