"""Where everything goes on a receipt and on a takings slip: data in, a :class:`Document` out."""

from __future__ import annotations

import pendulum

from salonkit.notifications.formatting import format_money
from salonkit.printing.document import Barcode, Block, Cut, Document, Feed, QrCode, Row, Rule, Text
from salonkit.printing.labels import amount, label, rate
from salonkit.printing.receipt import Receipt
from salonkit.printing.takings import TakingsSlip


def _quantity(receipt: Receipt, index: int) -> str:
    line = receipt.lines[index]
    q = line.quantity
    text = str(q.normalize()) if q == q.to_integral() else str(q)
    return f"{text} x {amount(line.unit_price, receipt.language)}"


def receipt_document(receipt: Receipt, width: int = 42) -> Document:
    """The receipt laid out: store header, order and time, lines, totals, tenders, points,
    the scan code, a thank-you and a cut."""
    lang = receipt.language
    local = pendulum.instance(receipt.issued_at).in_timezone(receipt.timezone)
    blocks: list[Block] = [Text(receipt.store.name, "center", bold=True, large=True)]
    for extra in (receipt.store.address, receipt.store.phone):
        if extra:
            blocks.append(Text(extra, "center"))
    if receipt.store.tax_id:
        blocks.append(Text(f"{label('tax_id', lang)}: {receipt.store.tax_id}", "center"))
    blocks.append(Rule())
    blocks.append(Row(label("order", lang), receipt.order_number))
    blocks.append(Row(label("date", lang), local.format("YYYY-MM-DD HH:mm")))
    if receipt.cashier:
        blocks.append(Row(label("cashier", lang), receipt.cashier))
    if receipt.customer:
        blocks.append(Row(label("customer", lang), receipt.customer))
    blocks.append(Rule())
    for index, line in enumerate(receipt.lines):
        title = line.description + (f" ({line.staff})" if line.staff else "")
        if line.quantity == 1 and line.discount is None:
            blocks.append(Row(title, amount(line.amount, lang)))
            continue
        blocks.append(Text(title))
        if line.discount is not None:
            blocks.append(Row(f"  {label('discount', lang)}", "-" + amount(line.discount, lang)))
        blocks.append(Row(f"  {_quantity(receipt, index)}", amount(line.amount, lang)))
    blocks.append(Rule())
    blocks.append(Row(label("subtotal", lang), amount(receipt.subtotal, lang)))
    for adjustment in receipt.discounts:
        blocks.append(Row(adjustment.label, "-" + amount(adjustment.amount, lang)))
    for tax in receipt.taxes:
        note = f" ({label('tax_included', lang)})" if tax.included else ""
        blocks.append(Row(f"{tax.label} {rate(tax.rate, lang)}{note}", amount(tax.amount, lang)))
    blocks.append(Row(label("total", lang), format_money(receipt.total, lang), bold=True))
    for tender in receipt.tenders:
        name = label(tender.method, lang) + (f" {tender.reference}" if tender.reference else "")
        blocks.append(Row(name, amount(tender.amount, lang)))
    if receipt.change is not None:
        blocks.append(Row(label("change", lang), amount(receipt.change, lang)))
    points = [
        ("points_earned", receipt.points_earned),
        ("points_balance", receipt.points_balance),
    ]
    if any(v is not None for _, v in points) or receipt.wallet_balance is not None:
        blocks.append(Rule())
        for key, value in points:
            if value is not None:
                blocks.append(Row(label(key, lang), str(value)))
        if receipt.wallet_balance is not None:
            blocks.append(Row(label("wallet_balance", lang), amount(receipt.wallet_balance, lang)))
    blocks.append(Feed())
    code = receipt.scan_code
    blocks.append(QrCode(code) if receipt.code_kind == "qr" else Barcode(code))
    blocks.append(Text(code, "center"))
    blocks.append(Text(receipt.footer or label("thanks", lang), "center"))
    blocks.append(Cut())
    return Document(blocks, width)


def takings_document(slip: TakingsSlip, width: int = 42) -> Document:
    """The takings slip laid out: totals, takings by tender and the cash drawer check."""
    lang = slip.language
    printed = pendulum.instance(slip.printed_at).in_timezone(slip.timezone)
    blocks: list[Block] = [
        Text(slip.store_name, "center", bold=True, large=True),
        Text(label("takings", lang), "center", bold=True),
        Rule(),
        Row(label("business_day", lang), slip.business_day.isoformat()),
        Row(label("printed", lang), printed.format("YYYY-MM-DD HH:mm")),
        Rule(),
        Row(label("orders", lang), str(slip.orders)),
        Row(label("gross", lang), amount(slip.gross, lang)),
        Row(label("discounts", lang), "-" + amount(slip.discounts, lang)),
        Row(label("refunds", lang), "-" + amount(slip.refunds, lang)),
        Row(label("net", lang), format_money(slip.net, lang), bold=True),
        Row(label("tax", lang), amount(slip.tax, lang)),
        Rule(),
        Text(label("by_tender", lang), bold=True),
    ]
    for line in slip.tenders:
        blocks.append(Row(f"{label(line.method, lang)} ({line.count})", amount(line.amount, lang)))
    expected = slip.cash_expected
    if expected is not None and slip.cash_float is not None:
        blocks.append(Rule())
        blocks.append(Row(label("cash_float", lang), amount(slip.cash_float, lang)))
        if slip.cash_refunds is not None:
            blocks.append(Row(label("cash_refunds", lang), "-" + amount(slip.cash_refunds, lang)))
        blocks.append(Row(label("cash_expected", lang), amount(expected, lang)))
        variance = slip.variance
        if slip.cash_counted is not None and variance is not None:
            blocks.append(Row(label("cash_counted", lang), amount(slip.cash_counted, lang)))
            sign = "-" if variance.amount < 0 else ("+" if variance.amount > 0 else "")
            blocks.append(
                Row(label("variance", lang), sign + amount(abs(variance), lang), bold=True)
            )
    blocks.append(Cut())
    return Document(blocks, width)


__all__ = ["receipt_document", "takings_document"]
