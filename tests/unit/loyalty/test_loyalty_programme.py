"""The programme value: defaults and validation."""

from __future__ import annotations

import pytest

from salonkit.domain.money import Money
from salonkit.errors import ValidationError
from salonkit.loyalty.earning import SpendRule
from salonkit.loyalty.programme import Programme
from salonkit.loyalty.rewards import RedemptionPolicy


def test_standard_programme() -> None:
    programme = Programme.standard("JPY")
    assert programme.validity_days == 365 and programme.pending_days == 0
    assert programme.redemption.value_of(250) == Money(2, "JPY")
    ledger = programme.new_ledger()
    assert (ledger.validity_days, ledger.pending_days) == (365, 0)
    assert programme.base_tier() is None


def test_programme_refuses_inconsistent_rules() -> None:
    rules = (SpendRule(points=1, per=Money(1, "CNY")),)
    with pytest.raises(ValidationError) as info:
        Programme(
            currency="CNY",
            earn_rules=rules,
            redemption=RedemptionPolicy(block_value=Money(1, "USD")),
        )
    assert info.value.field == "programme.redemption"
    with pytest.raises(ValidationError):
        Programme(
            currency="CNY",
            earn_rules=rules,
            redemption=RedemptionPolicy(block_value=Money(1, "CNY")),
            timezone="Mars/Olympus",
        )
    with pytest.raises(ValidationError):
        Programme(
            currency="CNY",
            earn_rules=rules,
            redemption=RedemptionPolicy(block_value=Money(1, "CNY")),
            pending_days=-1,
        )
    programme = Programme.standard("CNY")
    with pytest.raises(ValidationError):
        programme.reward("nope")
    with pytest.raises(ValidationError):
        programme.campaign("nope")
