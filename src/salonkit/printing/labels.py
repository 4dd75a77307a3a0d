"""The fixed words printed on receipts and takings slips, in English and Simplified Chinese."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency, format_percent

from salonkit.domain.money import Money
from salonkit.notifications.formatting import babel_locale

_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "order": "Order",
        "date": "Date",
        "cashier": "Cashier",
        "customer": "Customer",
        "tax_id": "Tax ID",
        "subtotal": "Subtotal",
        "discount": "Discount",
        "tax": "Tax",
        "tax_included": "incl.",
        "total": "TOTAL",
        "change": "Change",
        "points_earned": "Points earned",
        "points_balance": "Points balance",
        "wallet_balance": "Wallet balance",
        "thanks": "Thank you!",
        "takings": "DAILY TAKINGS",
        "business_day": "Business day",
        "printed": "Printed",
        "orders": "Orders",
        "gross": "Gross sales",
        "discounts": "Discounts",
        "refunds": "Refunds",
        "net": "Net sales",
        "by_tender": "By tender",
        "cash_float": "Cash float",
        "cash_refunds": "Cash refunds",
        "cash_expected": "Cash expected",
        "cash_counted": "Cash counted",
        "variance": "Variance",
        "cash": "Cash",
        "card": "Card",
        "wallet": "Wallet",
        "points": "Points",
        "deposit": "Deposit",
        "wechat": "WeChat Pay",
        "alipay": "Alipay",
    },
    "zh": {
        "order": "单号",
        "date": "日期",
        "cashier": "收银员",
        "customer": "顾客",
        "tax_id": "税号",
        "subtotal": "小计",
        "discount": "优惠",
        "tax": "税额",
        "tax_included": "已含",
        "total": "合计",
        "change": "找零",
        "points_earned": "本次积分",
        "points_balance": "积分余额",
        "wallet_balance": "储值余额",
        "thanks": "谢谢惠顾，欢迎再次光临！",
        "takings": "营业日报",
        "business_day": "营业日",
        "printed": "打印时间",
        "orders": "订单数",
        "gross": "销售总额",
        "discounts": "折扣",
        "refunds": "退款",
        "net": "净销售额",
        "by_tender": "收款方式",
        "cash_float": "备用金",
        "cash_refunds": "现金退款",
        "cash_expected": "应有现金",
        "cash_counted": "实点现金",
        "variance": "差额",
        "cash": "现金",
        "card": "银行卡",
        "wallet": "储值卡",
        "points": "积分",
        "deposit": "定金",
        "wechat": "微信支付",
        "alipay": "支付宝",
    },
}


def label(key: str, language: str) -> str:
    """The word for ``key`` in ``language`` (English when the language has none); an unknown
    key (a host's own tender method) is printed as it is.

    >>> label("total", "zh_CN"), label("total", "fr"), label("voucher", "en")
    ('合计', 'TOTAL', 'voucher')
    """
    words = _LABELS.get(babel_locale(language).language, _LABELS["en"])
    return words.get(key, _LABELS["en"].get(key, key))


def amount(money: Money, language: str) -> str:
    """An amount with the currency's decimals and the language's separators, no symbol.

    >>> amount(Money("1288.5", "CNY"), "zh_CN"), amount(Money("1288", "JPY"), "en")
    ('1,288.50', '1,288')
    """
    return format_currency(
        money.amount,
        money.currency,
        format="#,##0.00",
        currency_digits=True,
        locale=babel_locale(language),
    )


def rate(value: Decimal, language: str) -> str:
    """A tax rate as a percentage (``Decimal("0.06")`` → ``6%``)."""
    return format_percent(value, format="#,##0.##%", locale=babel_locale(language))


__all__ = ["amount", "label", "rate"]
