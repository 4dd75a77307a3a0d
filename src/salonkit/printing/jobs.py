"""Print jobs for the printer plugins: the text for text printers and the laid-out
:class:`~salonkit.printing.document.Document` (``job.data["document"]``) for ESC/POS ones."""

from __future__ import annotations

from salonkit.plugins.hookspecs import PrintJob
from salonkit.printing.document import Document
from salonkit.printing.layout import receipt_document, takings_document
from salonkit.printing.receipt import Receipt
from salonkit.printing.takings import TakingsSlip
from salonkit.printing.text import render_text


def receipt_job(receipt: Receipt, *, store_id: str | None = None, width: int = 42) -> PrintJob:
    """The print job of a receipt."""
    document = receipt_document(receipt, width)
    return PrintJob(
        kind="receipt",
        text=render_text(document),
        store_id=store_id,
        data={"document": document, "order_number": receipt.order_number},
    )


def takings_job(slip: TakingsSlip, *, store_id: str | None = None, width: int = 42) -> PrintJob:
    """The print job of a daily takings slip."""
    document = takings_document(slip, width)
    return PrintJob(
        kind="takings",
        text=render_text(document),
        store_id=store_id,
        data={"document": document, "business_day": slip.business_day.isoformat()},
    )


def document_of(job: PrintJob, width: int = 42) -> Document:
    """The job's laid-out document, or one made of its text lines when it carries none."""
    document = job.data.get("document")
    if isinstance(document, Document):
        return document
    return Document.of_text(job.text, width)


__all__ = ["document_of", "receipt_job", "takings_job"]
