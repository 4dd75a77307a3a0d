"""Both built-in backends pass the same storage contract suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from salonkit.adapters.memory import MemoryBackend
from salonkit.adapters.sql import SqlBackend
from salonkit.storage.port import Backend
from salonkit.testing.storage_contract import StorageContract


class TestMemoryBackend(StorageContract):
    @pytest.fixture
    def backend(self) -> Backend:
        return MemoryBackend()


class TestSqliteBackend(StorageContract):
    @pytest.fixture
    def backend(self, sqlite_url: str) -> Iterator[Backend]:
        backend = SqlBackend(sqlite_url)
        backend.migrate()
        yield backend
        backend.close()


class TestPostgresBackend(StorageContract):
    @pytest.fixture
    def backend(self, postgres_url: str) -> Iterator[Backend]:
        backend = SqlBackend(postgres_url)
        backend.migrate()
        yield backend
        backend.close()
