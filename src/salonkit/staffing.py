"""Use cases for staff members: hire, change, list a store's team."""

from __future__ import annotations

from typing import Any

import attrs

from salonkit.context import Context
from salonkit.domain.events import StaffHired
from salonkit.domain.staff import StaffMember
from salonkit.storage import eq
from salonkit.storage.records import STAFF, STORES


class StaffService:
    """Staff of the chain's stores. ``salon.staff``."""

    def __init__(self, context: Context) -> None:
        self._ctx = context

    def hire(self, member: StaffMember) -> StaffMember:
        """Add a staff member to an existing store."""
        with self._ctx.unit_of_work() as uow:
            uow.repo(STORES).get(member.store_id)
            uow.repo(STAFF).add(member)
            uow.emit(
                StaffHired(
                    occurred_at=self._ctx.clock.now(), store_id=member.store_id, staff_id=member.id
                )
            )
        return member

    def get(self, staff_id: str) -> StaffMember:
        """The staff member with ``staff_id``."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            return uow.repo(STAFF).get(staff_id)

    def of_store(self, store_id: str) -> list[StaffMember]:
        """The active staff of a store, by id."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            return [m for m in uow.repo(STAFF).select(eq("store_id", store_id)) if m.active]

    def change(self, staff_id: str, **fields: Any) -> StaffMember:
        """Read, change the given fields and save, in one transaction."""
        with self._ctx.unit_of_work() as uow:
            repo = uow.repo(STAFF)
            return repo.update(attrs.evolve(repo.get(staff_id), **fields))
