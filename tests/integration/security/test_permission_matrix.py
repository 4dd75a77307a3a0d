"""Each role against each use case: allowed or denied exactly as the table says.

A denied call raises PermissionDenied and writes nothing (every write is audited, so the audit
log's length is the witness).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pendulum
import pytest

import salonkit
from salonkit import Money, PermissionDenied
from salonkit.audit import verify
from salonkit.demo import seed
from salonkit.domain.actor import Actor
from salonkit.domain.catalogue import Service, ServiceStep
from salonkit.domain.staff import StaffMember
from salonkit.domain.store import Store, weekly_hours
from salonkit.permissions import Policy
from salonkit.testing import FrozenClock, SequentialIds

DAY = dt.date(2026, 11, 23)
ROLES = ["owner", "manager", "front_desk", "stylist", "accountant"]

# use case -> roles allowed (everything else is denied)
MATRIX: dict[str, set[str]] = {
    "customers.register": {"owner", "manager", "front_desk"},
    "customers.get": {"owner", "manager", "front_desk", "stylist"},
    "customers.change": {"owner", "manager", "front_desk"},
    "customers.export": {"owner", "manager"},
    "customers.erase": {"owner", "manager"},
    "staff.hire": {"owner", "manager"},
    "catalogue.add_service": {"owner", "manager"},
    "stores.open": {"owner"},
    "bookings.find_slots": {"owner", "manager", "front_desk", "stylist"},
    "bookings.book": {"owner", "manager", "front_desk"},
    "reports.day": {"owner", "manager", "accountant"},
}


def _window() -> tuple[pendulum.DateTime, pendulum.DateTime]:
    start = pendulum.datetime(DAY.year, DAY.month, DAY.day, 10, tz="Asia/Shanghai")
    return start, start.add(hours=8)


USE_CASES: dict[str, Callable[[salonkit.Salon, salonkit.Salon], Any]] = {
    "customers.register": lambda s, base: s.customers.register("Walk-in"),
    "customers.get": lambda s, base: s.customers.get("cust-01"),
    "customers.change": lambda s, base: s.customers.change("cust-02", notes="called back"),
    "customers.export": lambda s, base: s.customers.export("cust-03"),
    "customers.erase": lambda s, base: s.customers.erase("cust-04"),
    "staff.hire": lambda s, base: s.staff.hire(
        StaffMember(id="fay", store_id="flagship", name="Fay")
    ),
    "catalogue.add_service": lambda s, base: s.catalogue.add_service(
        Service(
            id="fringe",
            name="Fringe trim",
            price=Money("38", "CNY"),
            skill="cut",
            steps=(ServiceStep("cut", 10),),
        )
    ),
    "stores.open": lambda s, base: s.stores.open(
        Store(
            id="riverside",
            name="Riverside",
            timezone="Asia/Shanghai",
            currency="CNY",
            opening_hours=weekly_hours("10:00", "20:00"),
        )
    ),
    "bookings.find_slots": lambda s, base: s.bookings.find_slots(
        "mens-cut", within=_window(), customer="cust-05", limit=3, store="flagship"
    ),
    "bookings.book": lambda s, base: s.bookings.book(
        base.bookings.find_slots(
            "mens-cut", within=_window(), customer="cust-06", limit=1, store="flagship"
        )[0],
        customer="cust-06",
    ),
    "reports.day": lambda s, base: s.reports.day("flagship", DAY),
}


def _fresh() -> salonkit.Salon:
    clock = FrozenClock(pendulum.datetime(DAY.year, DAY.month, DAY.day, 8, 30, tz="Asia/Shanghai"))
    opened = salonkit.Salon.open(
        "memory://", clock=clock, ids=SequentialIds(), load_entrypoints=False
    )
    seed(opened, DAY)
    return opened


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("use_case", sorted(MATRIX))
def test_role_against_use_case(role: str, use_case: str) -> None:
    salon = _fresh()
    store = None if role in ("owner", "accountant") else "flagship"
    acting = salon.acting_as(Actor(f"{role}-user", role, store))
    before = verify(salon.backend).entries
    if role in MATRIX[use_case]:
        USE_CASES[use_case](acting, salon)
    else:
        with pytest.raises(PermissionDenied, match=use_case):
            USE_CASES[use_case](acting, salon)
        assert verify(salon.backend).entries == before


def test_matrix_matches_the_default_policy() -> None:
    policy = Policy.default()
    for use_case, allowed in MATRIX.items():
        assert {r for r in ROLES if policy.allows(r, use_case)} == allowed, use_case


def test_store_staff_act_only_in_their_store() -> None:
    salon = _fresh()
    salon.stores.open(
        Store(
            id="riverside",
            name="Riverside",
            timezone="Asia/Shanghai",
            currency="CNY",
            opening_hours=weekly_hours("10:00", "20:00"),
        )
    )
    manager = salon.acting_as(Actor("lee", "manager", "riverside"))
    with pytest.raises(PermissionDenied, match="riverside and may not staff.hire in flagship"):
        manager.staff.hire(StaffMember(id="gus", store_id="flagship", name="Gus"))
    manager.staff.hire(StaffMember(id="gus", store_id="riverside", name="Gus"))
    with pytest.raises(PermissionDenied):
        manager.reports.day("flagship", DAY)
    owner = salon.acting_as(Actor("boss", "owner"))
    owner.staff.hire(StaffMember(id="hal", store_id="flagship", name="Hal"))
    assert {m.id for m in salon.staff.of_store("riverside")} == {"gus"}


def test_stylists_see_only_the_customer_fields_they_need() -> None:
    salon = _fresh()
    stylist = salon.acting_as(Actor("ana", "stylist", "flagship"))
    seen = stylist.customers.get("cust-04")
    full = salon.customers.get("cust-04")
    assert (seen.phone, seen.email, seen.birthday) == (None, None, None)
    assert seen.allergies == full.allergies == {"ppd"}
    assert seen.name == full.name


def test_hosts_can_change_the_table() -> None:
    salon = _fresh()
    policy = (
        Policy.default().grant("stylist", "customers.change").revoke("front_desk", "bookings.*")
    )
    stylist = salon.acting_as(Actor("ana", "stylist", "flagship"), policy)
    stylist.customers.change("cust-01", notes="asked for a fringe next time")
    desk = salon.acting_as(Actor("mei", "front_desk", "flagship"), policy)
    with pytest.raises(PermissionDenied):
        desk.bookings.find_slots("mens-cut", within=_window(), limit=1, store="flagship")
    assert verify(salon.backend).entries > 0
    assert salon.acting_as(Actor("mei", "front_desk", "flagship")).actor.user == "mei"


def test_stylists_see_only_their_own_appointments() -> None:
    salon = _fresh()
    within = _window()
    for customer, staff in (("cust-07", "bo"), ("cust-08", "ana")):
        slot = salon.bookings.find_slots(
            "mens-cut", within=within, customer=customer, staff=staff, limit=1, store="flagship"
        )[0]
        salon.bookings.book(slot, customer=customer)
    everyone = salon.bookings.appointments(within=within, store="flagship")
    assert {a.staff_id for a in everyone} == {"bo", "ana"}
    bo = salon.acting_as(Actor("bo", "stylist", "flagship"))
    mine = bo.bookings.appointments(within=within, store="flagship")
    assert [a.staff_id for a in mine] == ["bo"]
    theirs = next(a for a in everyone if a.staff_id == "ana")
    with pytest.raises(PermissionDenied, match="own appointments"):
        bo.bookings.get(theirs.id)
