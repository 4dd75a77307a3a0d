"""Two checkouts redeeming the same points at once: processes race on a real database."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pendulum
import pytest

from salonkit.adapters.sql import SqlBackend
from salonkit.context import Context
from salonkit.loyalty.service import LoyaltyService
from salonkit.testing import FrozenClock, SequentialIds

PROGRAMME_SOURCE = """
from salonkit.domain.money import Money
from salonkit.loyalty.programme import Programme
from salonkit.loyalty.rewards import RedemptionPolicy, Reward, RewardKind
from salonkit.loyalty.earning import SpendRule

PROGRAMME = Programme(
    currency="CNY",
    earn_rules=(SpendRule(points=1, per=Money("1", "CNY")),),
    redemption=RedemptionPolicy(block_value=Money("1.00", "CNY")),
    rewards=(Reward(id="blow", name="Blow-dry", points=800, kind=RewardKind.SERVICE,
                    item_id="blow", value=Money("88.00", "CNY")),),
)
"""

CHILD = """
import sys
from salonkit.loyalty.service import LoyaltyService
from salonkit.adapters.sql import SqlBackend
from salonkit.context import Context
from salonkit.errors import InsufficientBalance
{programme}
url, order = sys.argv[1], sys.argv[2]
backend = SqlBackend(url)
service = LoyaltyService(Context(backend=backend), PROGRAMME)
service.balance("other")  # connect before the race
print("ready", flush=True)
sys.stdin.readline()  # every child waits here until all are ready
try:
    service.redeem("mei", order_id=order, order_value=Money("100.00", "CNY"), reward_ids=["blow"])
    print("redeemed")
except InsufficientBalance:
    print("refused")
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        request.applymarker(pytest.mark.sqlite)
        yield f"sqlite:///{tmp_path / 'race.db'}"
    else:
        request.applymarker(pytest.mark.postgres)
        yield request.getfixturevalue("postgres_url")


@pytest.mark.slow
def test_concurrent_redemptions_of_the_same_points_cannot_both_succeed(database_url: str) -> None:
    namespace: dict[str, object] = {}
    exec(PROGRAMME_SOURCE, namespace)
    backend = SqlBackend(database_url)
    backend.migrate()
    clock = FrozenClock(pendulum.now("UTC").subtract(days=1))
    service = LoyaltyService(
        Context(backend=backend, clock=clock, ids=SequentialIds()), namespace["PROGRAMME"]
    )  # type: ignore[arg-type]
    service.adjust(
        "mei", 1000, reason="opening balance", actor="test"
    )  # enough for one reward only
    backend.close()

    script = CHILD.format(programme=textwrap.dedent(PROGRAMME_SOURCE))
    children = [
        subprocess.Popen(
            [sys.executable, "-c", script, database_url, f"order-{n}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(3)
    ]
    for child in children:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
    for child in children:  # go: all at once
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    outcomes = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        outcomes.append(out.strip())
    assert sorted(outcomes) == ["redeemed", "refused", "refused"]

    backend = SqlBackend(database_url)
    check = LoyaltyService(Context(backend=backend), namespace["PROGRAMME"])  # type: ignore[arg-type]
    assert check.balance("mei").available == 200
    assert sum(e.points for e in check.history("mei")) == 200
    backend.close()
