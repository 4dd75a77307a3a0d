"""The built-in storage backends as a plugin: ``memory://``, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

from salonkit.adapters.memory import MemoryBackend
from salonkit.adapters.sql import SqlBackend
from salonkit.plugins.hookspecs import StorageFactory, hookimpl
from salonkit.storage.protection import KeyRing


@hookimpl
def salonkit_register_storage(register: Callable[[str, StorageFactory], None]) -> None:
    """Register ``memory``, ``sqlite`` (also plain file paths) and ``postgresql``."""
    register("memory", MemoryBackend)
    register("sqlite", SqlBackend)
    register("postgresql", SqlBackend)
    register("postgres", SqlBackend)


@hookimpl(trylast=True)
def salonkit_encryption_keys(url: str) -> KeyRing | None:
    """Keys from the ``SALONKIT_MASTER_KEYS`` environment variable, if set."""
    return KeyRing.from_environment()
