"""Receipts and takings slips laid out and rendered as text: golden figures, widths with CJK,
and the console printer passing the printer contract."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salonkit.adapters.console import ConsolePrinter
from salonkit.domain.money import Money
from salonkit.errors import ValidationError
from salonkit.printing import (
    Adjustment,
    Receipt,
    ReceiptLine,
    StoreHeader,
    TaxLine,
    TenderLine,
    display_width,
    receipt_job,
    takings_job,
)
from salonkit.testing.printer_contract import PrinterContract, sample_receipt, sample_takings


def gbp(text: str) -> Money:
    return Money(Decimal(text), "GBP")


def london_receipt(**changes: object) -> Receipt:
    fields: dict[str, object] = dict(
        store=StoreHeader(
            name="Flagship",
            address="1 King's Road, London",
            phone="020 7946 0000",
            tax_id="GB123456789",
        ),
        order_number="20260506-0003",
        issued_at=pendulum.datetime(2026, 5, 6, 10, 5),
        timezone="Europe/London",
        currency="GBP",
        cashier="Sam",
        customer="Ann Lee",
        lines=[
            ReceiptLine(
                description="Full colour",
                quantity=1,
                unit_price=gbp("85.00"),
                amount=gbp("76.50"),
                discount=gbp("8.50"),
                staff="Stylist 1",
            ),
            ReceiptLine(
                description="Shampoo 250 ml",
                quantity=2,
                unit_price=gbp("12.00"),
                amount=gbp("24.00"),
            ),
        ],
        subtotal=gbp("100.50"),
        discounts=[Adjustment(label="Coupon SPRING", amount=gbp("5.00"))],
        taxes=[TaxLine(label="VAT", rate=Decimal("0.20"), amount=gbp("15.92"))],
        total=gbp("95.50"),
        tenders=[
            TenderLine(method="card", amount=gbp("50.00"), reference="*1234"),
            TenderLine(method="cash", amount=gbp("50.00")),
        ],
        change=gbp("4.50"),
        points_earned=95,
        points_balance=1095,
        code_kind="code128",
    )
    fields.update(changes)
    return Receipt(**fields)  # type: ignore[arg-type]


GOLDEN_RECEIPT = """\
                 Flagship
          1 King's Road, London
              020 7946 0000
           Tax ID: GB123456789
------------------------------------------
Order                        20260506-0003
Date                      2026-05-06 11:05
Cashier                                Sam
Customer                           Ann Lee
------------------------------------------
Full colour (Stylist 1)
  Discount                           -8.50
  1 x 85.00                          76.50
Shampoo 250 ml
  2 x 12.00                          24.00
------------------------------------------
Subtotal                            100.50
Coupon SPRING                        -5.00
VAT 20% (incl.)                      15.92
TOTAL                               £95.50
Card *1234                           50.00
Cash                                 50.00
Change                                4.50
------------------------------------------
Points earned                           95
Points balance                        1095

        [|||| 20260506-0003 ||||]
              20260506-0003
                Thank you!
"""


def test_a_receipt_renders_to_the_golden_text() -> None:
    job = receipt_job(london_receipt(), store_id="flagship")
    assert job.text == GOLDEN_RECEIPT
    assert job.kind == "receipt" and job.store_id == "flagship"
    assert job.data["order_number"] == "20260506-0003"


GOLDEN_TAKINGS_ZH = """\
                Jade Salon
                 营业日报
------------------------------------------
营业日                          2026-11-23
打印时间                  2026-11-23 21:00
------------------------------------------
订单数                                  12
销售总额                          4,200.00
折扣                               -120.00
退款                                -80.00
净销售额                         ¥4,000.00
税额                                230.94
------------------------------------------
收款方式
现金 (4)                            900.00
微信支付 (8)                      3,100.00
------------------------------------------
备用金                              500.00
应有现金                          1,400.00
实点现金                          1,395.50
差额                                 -4.50
"""


def test_a_takings_slip_in_chinese_renders_to_the_golden_text() -> None:
    slip = sample_takings()
    import attrs

    job = takings_job(attrs.evolve(slip, language="zh_CN"))
    assert job.text == GOLDEN_TAKINGS_ZH
    assert slip.cash_expected == Money("1400.00", "CNY")
    assert slip.variance == Money("-4.50", "CNY")


def test_money_in_another_currency_is_refused() -> None:
    with pytest.raises(ValidationError, match="receipt.change"):
        london_receipt(change=Money("4.50", "EUR"))
    with pytest.raises(ValidationError, match="receipt.code"):
        london_receipt(code="订单")


texts = st.text(
    alphabet=st.sampled_from(list("abcXYZ 0123-") + list("剪发染烫护理玉")), min_size=1, max_size=60
).filter(str.strip)


@given(st.lists(texts, min_size=1, max_size=5), texts, st.sampled_from([32, 42, 48]))
def test_no_line_is_wider_than_the_paper(descriptions: list[str], store: str, width: int) -> None:
    lines = [
        ReceiptLine(description=d, quantity=1, unit_price=gbp("1.00"), amount=gbp("1.00"))
        for d in descriptions
    ]
    receipt = london_receipt(store=StoreHeader(name=store), lines=lines, language="zh_CN")
    text = receipt_job(receipt, width=width).text
    assert all(display_width(line) <= width for line in text.splitlines())
    for line in text.splitlines():  # amounts stay whole however long the description
        if line.endswith("1.00") and not line.startswith(" "):
            assert line.split()[-1] == "1.00"


class Paper(io.StringIO):
    """A stream that keeps each write (the console printer writes a job at once)."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)


class TestConsolePrinter(PrinterContract):
    """The built-in console printer passes the printer contract."""

    @pytest.fixture
    def stream(self) -> Paper:
        return Paper()

    @pytest.fixture
    def printer(self, stream: Paper) -> ConsolePrinter:
        return ConsolePrinter(stream)

    @pytest.fixture
    def printed(self, stream: Paper) -> Callable[[], list[str]]:
        return lambda: list(stream.writes)

    @pytest.fixture
    def broken_printer(self) -> ConsolePrinter:
        stream = io.StringIO()
        stream.close()  # writing to a closed stream fails
        return ConsolePrinter(stream)

    @pytest.fixture
    def plugin(self) -> object:
        import salonkit.adapters.console as console

        return console


def test_the_sample_receipt_has_change_and_points() -> None:
    text = receipt_job(sample_receipt()).text
    assert "Change                               56.00" in text
    assert "Points balance                        1444" in text


def test_the_contract_notices_missing_and_reordered_lines() -> None:
    from salonkit.testing.printer_contract import first_missing

    assert first_missing(["a", "b"], ["x a", "y b"]) is None
    assert first_missing(["a", "b"], ["b", "a"]) == "b"
    assert first_missing(["a", "c"], ["a", "b"]) == "c"
