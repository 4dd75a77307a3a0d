"""The built-in storage backends as a plugin: ``memory://``, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

from salonkit.adapters.memory import MemoryBackend
from salonkit.adapters.sql import SqlBackend
from salonkit.plugins.hookspecs import StorageFactory, hookimpl


@hookimpl
def salonkit_register_storage(register: Callable[[str, StorageFactory], None]) -> None:
    """Register ``memory``, ``sqlite`` (also plain file paths) and ``postgresql``."""
    register("memory", MemoryBackend)
    register("sqlite", SqlBackend)
    register("postgresql", SqlBackend)
    register("postgres", SqlBackend)
