"""Shared test configuration: hypothesis profiles and the databases the tests run against.

PostgreSQL tests need ``SALONKIT_TEST_POSTGRES_URL`` (a role with CREATEDB); each test gets a
fresh database. Without the variable they skip with a reason, except under CI (``CI=true``),
where a missing PostgreSQL is an error: CI must run them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings

from salonkit.adapters.sql import SqlBackend
from salonkit.testing.databases import fresh_postgres_database

settings.register_profile(
    "ci",
    max_examples=60,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "dev",
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

POSTGRES_ADMIN_URL = os.environ.get("SALONKIT_TEST_POSTGRES_URL")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses a PostgreSQL fixture with ``postgres``, SQLite with ``sqlite``."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "postgres_url" in fixtures:
            item.add_marker(pytest.mark.postgres)
        if "sqlite_url" in fixtures:
            item.add_marker(pytest.mark.sqlite)


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str | None]:
    """A database migrated once per test session, copied for each PostgreSQL test."""
    if not POSTGRES_ADMIN_URL:
        yield None
        return
    with fresh_postgres_database(POSTGRES_ADMIN_URL) as url:
        backend = SqlBackend(url)
        backend.migrate()
        backend.close()
        yield sa.engine.make_url(url).database


@pytest.fixture
def postgres_url(postgres_template: str | None) -> Iterator[str]:
    """The URL of a fresh PostgreSQL database holding the migrated, empty schema (dropped after
    the test)."""
    if not POSTGRES_ADMIN_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must run the PostgreSQL tests: SALONKIT_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL not configured: set SALONKIT_TEST_POSTGRES_URL (.ci/run does)")
    with fresh_postgres_database(POSTGRES_ADMIN_URL, template=postgres_template) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """The URL of a new SQLite file in the test's temporary directory."""
    return f"sqlite:///{tmp_path / 'salon.db'}"


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def any_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each storage backend in turn: memory, SQLite, PostgreSQL (when configured)."""
    if request.param == "memory":
        yield "memory://"
    elif request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'salon.db'}"
    else:
        request.applymarker(pytest.mark.postgres)
        yield request.getfixturevalue("postgres_url")
