"""Roles and permissions: who may call which use case, in which store, and what a stylist sees.

An action is ``"namespace.method"`` (``"customers.register"``, ``"bookings.cancel"``). A
:class:`Policy` maps each role to the action patterns it may run (``fnmatch`` patterns such as
``"bookings.*"``); anything not allowed is denied. :meth:`salonkit.Salon.acting_as` returns a
salon whose every service call is checked against the policy first: a denied call raises
:class:`~salonkit.PermissionDenied` before anything is read or written.

Store scope: an actor with a ``store_id`` (store staff) may only act on that store: a call whose
arguments name another store (a ``store_id``/``store`` argument, or a record carrying ``store_id``)
is denied. An actor without one (chain owners, head-office accountants) may act on every store.

Stylists (whose ``Actor.user`` is their staff id) see only their own appointments, and customer
records with contact details and birthday removed: the name, allergies, patch tests, preferences
and notes they need for the service, not how to reach the customer.
"""

from __future__ import annotations

import fnmatch
import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from salonkit.domain.actor import Actor
from salonkit.domain.customer import Customer
from salonkit.errors import PermissionDenied

#: Built-in roles.
ROLES = ("owner", "manager", "front_desk", "stylist", "accountant", "system")

_READS = (
    "get",
    "list",
    "find_*",
    "of_store",
    "service",
    "services",
    "resources",
    "product*",
    "rules",
)

DEFAULT_RULES: dict[str, tuple[str, ...]] = {
    "system": ("*",),
    "owner": ("*",),
    "manager": (
        "stores.get",
        "stores.list",
        "stores.set_opening_hours",
        "stores.add_closure",
        "customers.*",
        "staff.*",
        "catalogue.*",
        "bookings.*",
        "day_plans.*",
        "orders.*",
        "inventory.*",
        "loyalty.*",
        "wallet.*",
        "reports.*",
        "notifications.*",
    ),
    "front_desk": (
        "stores.get",
        "stores.list",
        "customers.register",
        "customers.add",
        "customers.get",
        "customers.list",
        "customers.find_*",
        "customers.change",
        "customers.update",
        "staff.get",
        "staff.of_store",
        *(f"catalogue.{r}" for r in _READS),
        "bookings.*",
        "day_plans.propose",
        "orders.*",
        "loyalty.*",
        "wallet.*",
        "inventory.sell",
        "inventory.on_hand",
        "notifications.*",
    ),
    "stylist": (
        "stores.get",
        "customers.get",
        "staff.get",
        "staff.of_store",
        *(f"catalogue.{r}" for r in _READS),
        "bookings.find_slots",
        "bookings.get",
        "bookings.appointments",
        "bookings.staff_calendar",
        "bookings.check_in",
        "bookings.complete",
        "inventory.consume*",
        "inventory.on_hand",
    ),
    "accountant": (
        "stores.get",
        "stores.list",
        "reports.*",
        "orders.get",
        "orders.find*",
        "orders.list*",
        "inventory.report*",
        "inventory.valuation*",
        "inventory.on_hand",
        "loyalty.report*",
        "loyalty.liability*",
        "wallet.liability*",
    ),
}


@attrs.frozen
class Policy:
    """Allowed action patterns by role. Hosts derive their own with :meth:`grant`/:meth:`revoke`.

    >>> policy = Policy.default()
    >>> policy.allows("front_desk", "customers.register"), policy.allows("stylist", "customers.erase")
    (True, False)
    >>> policy.grant("stylist", "reports.*").allows("stylist", "reports.day")
    True
    """

    rules: Mapping[str, tuple[str, ...]]

    @classmethod
    def default(cls) -> Policy:
        """The built-in table."""
        return cls(dict(DEFAULT_RULES))

    def allows(self, role: str, action: str) -> bool:
        """True when ``role`` may run ``action``."""
        return any(fnmatch.fnmatchcase(action, pattern) for pattern in self.rules.get(role, ()))

    def grant(self, role: str, *patterns: str) -> Policy:
        """A copy where ``role`` may also run ``patterns`` (a new role if it did not exist)."""
        rules = dict(self.rules)
        rules[role] = (*rules.get(role, ()), *patterns)
        return Policy(rules)

    def revoke(self, role: str, *patterns: str) -> Policy:
        """A copy where exactly these patterns are removed from ``role``."""
        rules = dict(self.rules)
        rules[role] = tuple(p for p in rules.get(role, ()) if p not in patterns)
        return Policy(rules)


def _stores_named(
    target: Callable[..., Any], args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> set[str]:
    """Store ids a call's arguments point at: a ``store_id``/``store`` parameter (positional or
    keyword), or any argument that is a record carrying ``store_id``."""
    found: set[str] = set()
    try:
        bound = inspect.signature(target).bind_partial(*args, **kwargs).arguments
    except (TypeError, ValueError):
        bound = dict(kwargs)
    for name in ("store_id", "store"):
        value = bound.get(name)
        if isinstance(value, str):
            found.add(value)
    for value in (*args, *kwargs.values()):
        store_id = getattr(value, "store_id", None)
        if isinstance(store_id, str):
            found.add(store_id)
    return found


def _for_stylist(value: Any, staff_id: str) -> Any:
    """What a stylist sees of a result: customers without contact details, only their own
    appointments (records with a ``staff_id`` and a ``customer_id``)."""
    if isinstance(value, Customer):
        return attrs.evolve(value, phone=None, email=None, birthday=None)
    if isinstance(value, list):
        return [_for_stylist(v, staff_id) for v in value if not _someone_elses(v, staff_id)]
    if _someone_elses(value, staff_id):
        raise PermissionDenied(f"{staff_id} may only see their own appointments")
    return value


def _someone_elses(value: Any, staff_id: str) -> bool:
    return hasattr(value, "customer_id") and getattr(value, "staff_id", staff_id) != staff_id


class Guarded:
    """A service seen through an actor and a policy: every public call is checked first."""

    def __init__(self, namespace: str, service: object, actor: Actor, policy: Policy) -> None:
        self._namespace = namespace
        self._service = service
        self._actor = actor
        self._policy = policy

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._service, name)
        if name.startswith("_") or not callable(target):
            return target
        action = f"{self._namespace}.{name}"
        actor, policy = self._actor, self._policy

        @functools.wraps(target)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not policy.allows(actor.role, action):
                raise PermissionDenied(f"{actor.user} ({actor.role}) may not {action}")
            if actor.store_id is not None:
                others = _stores_named(target, args, kwargs) - {actor.store_id}
                if others:
                    raise PermissionDenied(
                        f"{actor.user} works in {actor.store_id} and may not {action} in {', '.join(sorted(others))}"
                    )
            result = target(*args, **kwargs)
            return _for_stylist(result, actor.user) if actor.role == "stylist" else result

        return checked

    def __repr__(self) -> str:
        return f"<{self._namespace} as {self._actor.user} ({self._actor.role})>"


def guard_all(namespaces: Mapping[str, object], actor: Actor, policy: Policy) -> dict[str, Guarded]:
    """Wrap each named service."""
    return {name: Guarded(name, service, actor, policy) for name, service in namespaces.items()}
