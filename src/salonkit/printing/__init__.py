"""Printing: receipts and daily takings slips as plain data, laid out once, rendered as plain
text (console, files) or ESC/POS (:mod:`salonkit.adapters.escpos_printer`).

>>> import pendulum
>>> from salonkit.domain.money import Money
>>> def cny(text): return Money(text, "CNY")
>>> receipt = Receipt(
...     store=StoreHeader(name="玉发廊", address="上海市南京西路 1 号"),
...     order_number="20261123-0007", issued_at=pendulum.datetime(2026, 11, 23, 6, 30),
...     timezone="Asia/Shanghai", currency="CNY", language="zh_CN",
...     lines=[ReceiptLine(description="女士剪发", quantity=1, unit_price=cny("268.00"),
...                        amount=cny("268.00"), staff="小王")],
...     subtotal=cny("268.00"), total=cny("268.00"),
...     tenders=[TenderLine(method="cash", amount=cny("300.00"))], change=cny("32.00"),
...     points_earned=268, points_balance=1268)
>>> print(receipt_job(receipt, width=32).text, end="")
             玉发廊
      上海市南京西路 1 号
--------------------------------
单号               20261123-0007
日期            2026-11-23 14:30
--------------------------------
女士剪发 (小王)           268.00
--------------------------------
小计                      268.00
合计                     ¥268.00
现金                      300.00
找零                       32.00
--------------------------------
本次积分                     268
积分余额                    1268
<BLANKLINE>
       [QR 20261123-0007]
         20261123-0007
    谢谢惠顾，欢迎再次光临！
"""

from salonkit.printing.document import Document, display_width
from salonkit.printing.errors import PrinterUnavailable
from salonkit.printing.jobs import document_of, receipt_job, takings_job
from salonkit.printing.layout import receipt_document, takings_document
from salonkit.printing.receipt import (
    Adjustment,
    Receipt,
    ReceiptLine,
    StoreHeader,
    TaxLine,
    TenderLine,
)
from salonkit.printing.takings import TakingsLine, TakingsSlip
from salonkit.printing.text import render_text

__all__ = [
    "Adjustment",
    "Document",
    "PrinterUnavailable",
    "Receipt",
    "ReceiptLine",
    "StoreHeader",
    "TakingsLine",
    "TakingsSlip",
    "TaxLine",
    "TenderLine",
    "display_width",
    "document_of",
    "receipt_document",
    "receipt_job",
    "render_text",
    "takings_document",
    "takings_job",
]
