"""A printable document: a list of blocks that both the plain-text and the ESC/POS renderers
understand. Layout decisions (what goes where) are made once, in :mod:`salonkit.printing.layout`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Literal

import attrs

Align = Literal["left", "center", "right"]


@attrs.frozen
class Text:
    """A line of text; ``large`` prints it double width and height on a thermal printer."""

    text: str
    align: Align = "left"
    bold: bool = False
    large: bool = False


@attrs.frozen
class Row:
    """A label on the left and an amount on the right of one line."""

    left: str
    right: str
    bold: bool = False


@attrs.frozen
class Rule:
    """A horizontal line across the paper."""

    char: str = "-"


@attrs.frozen
class Barcode:
    """A Code 128 barcode of ``data`` (ASCII)."""

    data: str


@attrs.frozen
class QrCode:
    """A QR code of ``data``."""

    data: str


@attrs.frozen
class Feed:
    """Blank lines."""

    lines: int = 1


@attrs.frozen
class Cut:
    """The end of the document: feed and cut the paper."""


Block = Text | Row | Rule | Barcode | QrCode | Feed | Cut


def _blocks(value: Iterable[Block]) -> tuple[Block, ...]:
    return tuple(value)


@attrs.frozen
class Document:
    """Blocks to print on paper ``width`` columns wide (42 on 80 mm paper, 32 on 58 mm)."""

    blocks: tuple[Block, ...] = attrs.field(converter=_blocks)
    width: int = 42

    @classmethod
    def of_text(cls, text: str, width: int = 42) -> Document:
        """A document of plain lines (for print jobs that carry only text), then a cut."""
        return cls((*(Text(line) for line in text.splitlines()), Cut()), width)


def display_width(text: str) -> int:
    """Columns ``text`` takes on a receipt printer: CJK (wide) characters take two.

    >>> display_width("Total"), display_width("合计")
    (5, 4)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def clip(text: str, columns: int) -> str:
    """``text`` cut to at most ``columns`` display columns."""
    out, used = [], 0
    for ch in text:
        w = display_width(ch)
        if used + w > columns:
            break
        out.append(ch)
        used += w
    return "".join(out)


def pad(text: str, columns: int, align: Align = "left") -> str:
    """``text`` padded with spaces to ``columns`` display columns (clipped when longer)."""
    text = clip(text, columns)
    room = columns - display_width(text)
    if align == "right":
        return " " * room + text
    if align == "center":
        return " " * (room // 2) + text + " " * (room - room // 2)
    return text + " " * room


def row_text(left: str, right: str, width: int) -> str:
    """``left`` and ``right`` on one line of ``width`` columns, ``right`` flush right; the
    left part is shortened when both do not fit.

    >>> row_text("剪发", "128.00", 16)
    '剪发      128.00'
    """
    right = clip(right, width)
    room = width - display_width(right) - 1
    if room <= 0:
        return right
    return pad(left, room) + " " + right


__all__ = [
    "Align",
    "Barcode",
    "Block",
    "Cut",
    "Document",
    "Feed",
    "QrCode",
    "Row",
    "Rule",
    "Text",
    "clip",
    "display_width",
    "pad",
    "row_text",
]
