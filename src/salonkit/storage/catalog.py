"""Loading every record kind the library defines, so backends can build their schema."""

from __future__ import annotations

import importlib
from typing import Any

from salonkit.storage.kinds import Kind, registry

#: Modules that declare record kinds. Plugins add theirs through ``salonkit_record_kinds``.
KIND_MODULES: tuple[str, ...] = (
    "salonkit.storage.records",
    "salonkit.storage.reference",
    "salonkit.storage.protection",
    "salonkit.audit",
    "salonkit.scheduling.records",
    "salonkit.inventory.records",
    "salonkit.loyalty.records",
    "salonkit.notifications.records",
    "salonkit.orders.records",
    "salonkit.feedback.records",
    "salonkit.workforce.records",
    "salonkit.reports.records",
)


def all_kinds() -> list[Kind[Any]]:
    """Import every module in :data:`KIND_MODULES` and return the kinds they declare, by name.

    This is the schema: what the migrations create, what backups hold. Kinds registered
    elsewhere (a test's, a plugin's own) are not part of it.
    """
    for module in KIND_MODULES:
        importlib.import_module(module)
    return registry.declared_in(KIND_MODULES)
