"""Scanned codes at the till: member cards, product barcodes (UPC/EAN spellings), order numbers
printed on receipts."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salonkit.barcodes import (
    BadMemberCard,
    BarcodeResolver,
    member_card_code,
    parse_member_card,
)
from salonkit.domain.catalogue import Product
from salonkit.domain.customer import Customer
from salonkit.errors import NotFound, ValidationError
from salonkit.storage.records import CUSTOMERS, PRODUCTS
from salonkit.testing import memory_context
from salonkit.testing.printer_contract import sample_receipt

ids = st.text(alphabet=string.ascii_letters + string.digits + "_-.:", min_size=1, max_size=40)


@given(ids)
def test_a_member_card_round_trips(customer_id: str) -> None:
    code = member_card_code(customer_id)
    assert code.isascii() and " " not in code
    assert parse_member_card(code) == customer_id
    assert parse_member_card(f"  {code}\r\n") == customer_id


@given(ids, st.integers(0, 96))
def test_a_wrong_check_is_never_accepted(customer_id: str, check: int) -> None:
    good = member_card_code(customer_id)
    wrong = f"{good.rsplit('-', 1)[0]}-{check:02d}"
    assert (parse_member_card(wrong) is None) == (wrong != good)


@given(ids, st.data())
def test_a_single_misread_character_is_caught_almost_always(
    customer_id: str, data: st.DataObject
) -> None:
    code = member_card_code(customer_id)
    body = code[2:-3]
    at = data.draw(st.integers(0, len(body) - 1))
    replacement = data.draw(st.sampled_from(string.ascii_letters + string.digits))
    misread = code[:2] + body[:at] + replacement + body[at + 1 :] + code[-3:]
    result = parse_member_card(misread)
    assert result is None or result == body[:at] + replacement + body[at + 1 :]


def test_member_cards_need_an_ascii_id_without_spaces() -> None:
    with pytest.raises(ValidationError):
        member_card_code("cus 1")
    with pytest.raises(ValidationError):
        member_card_code("客户1")


@pytest.fixture
def resolver() -> BarcodeResolver:
    ctx = memory_context()
    with ctx.unit_of_work() as uow:
        uow.repo(CUSTOMERS).add(Customer(id="cus_7", name="Lin Mei"))
        uow.repo(PRODUCTS).add(
            Product(sku="OIL-50", name="Argan oil", unit="piece", barcode="012345678905")
        )
        uow.repo(PRODUCTS).add(
            Product(sku="DYE-6N", name="Dye 6N", unit="ml", barcode="4006381333931")
        )
    orders = {"20261123-0042": {"number": "20261123-0042", "total": "444.00"}}
    return BarcodeResolver(ctx, orders=orders.get)


def test_a_member_card_resolves_to_its_customer(resolver: BarcodeResolver) -> None:
    scan = resolver.resolve(member_card_code("cus_7") + "\r")
    assert (scan.kind, scan.key) == ("member", "cus_7")
    assert isinstance(scan.record, Customer) and scan.record.name == "Lin Mei"
    code = member_card_code("cus_7")
    wrong = code[:-2] + f"{(int(code[-2:]) + 1) % 97:02d}"
    with pytest.raises(BadMemberCard):
        resolver.resolve(wrong)
    with pytest.raises(NotFound, match="cus_8"):
        resolver.resolve(member_card_code("cus_8"))


def test_a_product_barcode_resolves_in_either_gtin_spelling(resolver: BarcodeResolver) -> None:
    assert resolver.resolve("012345678905").key == "OIL-50"  # UPC-A as stored
    assert resolver.resolve("0012345678905").key == "OIL-50"  # the same as EAN-13
    assert resolver.resolve(" 4006381333931 ").key == "DYE-6N"
    assert resolver.resolve("4006381333931").kind == "product"


def test_the_order_number_on_a_receipt_resolves_through_the_order_resolver(
    resolver: BarcodeResolver,
) -> None:
    receipt = sample_receipt()
    scan = resolver.resolve(receipt.scan_code)
    assert scan.kind == "order" and scan.record == {"number": "20261123-0042", "total": "444.00"}


def test_an_unknown_code_is_not_found(resolver: BarcodeResolver) -> None:
    with pytest.raises(NotFound, match="barcode"):
        resolver.resolve("9999")
    with pytest.raises(ValidationError, match="nothing was scanned"):
        resolver.resolve("  ")
    without_orders = BarcodeResolver(memory_context())
    with pytest.raises(NotFound):
        without_orders.resolve("20261123-0042")
