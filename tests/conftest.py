"""Shared fixtures: a fresh installation on each database backend, and a fixed clock.

Store tests run on SQLite always and on PostgreSQL when ``CUSTOS_TEST_DATABASE_URL`` names a
server; with ``CUSTOS_REQUIRE_POSTGRES=1`` (as CI sets) a missing server fails instead of skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine

from custos.core.clock import FixedClock
from custos.core.settings import Settings
from custos.installation import composition
from custos.store import Store, initialise_installation
from custos.store.engine import normalise_url
from tests import prerequisites

POSTGRES_URL = os.environ.get("CUSTOS_TEST_DATABASE_URL")
NOT_RUN_FILE = "CUSTOS_NOT_RUN_FILE"  # where dev.py asks for the closing line, to print it last
BACKENDS = ["sqlite", "postgresql"]


def reset_postgres(url: str) -> None:
    """Drop every table, so each test starts from an empty database."""
    engine = create_engine(normalise_url(url))
    with engine.begin() as conn:
        meta = MetaData()
        meta.reflect(conn)
        meta.drop_all(conn)
    engine.dispose()


TEST_NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TEST_NOW)


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings of a fresh, uninitialised installation on each backend."""
    home = tmp_path / "home"
    if request.param == "sqlite":
        return Settings(home=home, database_url=f"sqlite:///{tmp_path / 'custos.db'}")
    if POSTGRES_URL is None:
        if os.environ.get("CUSTOS_REQUIRE_POSTGRES") == "1":
            pytest.fail("CUSTOS_REQUIRE_POSTGRES=1 but CUSTOS_TEST_DATABASE_URL is not set")
        pytest.skip("PostgreSQL not configured (set CUSTOS_TEST_DATABASE_URL)")
    reset_postgres(POSTGRES_URL)
    return Settings(home=home, database_url=POSTGRES_URL)


@pytest.fixture
def store(settings: Settings, clock: FixedClock) -> Iterator[Store]:
    """An initialised installation with an empty log and its first checkpoint."""
    opened = initialise_installation(settings, "test.custos/log", composition, clock=clock)
    yield opened
    opened.close()


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", database_url=f"sqlite:///{tmp_path / 'custos.db'}")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say loudly which tests a missing program kept from running, and how to run them."""
    reasons = [
        str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
        for report in terminalreporter.stats.get("skipped", [])
    ]
    line = prerequisites.not_run(reasons)
    if line is None:
        return
    terminalreporter.write_sep("!", "tests not run", red=True, bold=True)
    terminalreporter.write_line(line, red=True, bold=True)
    if target := os.environ.get(NOT_RUN_FILE):
        Path(target).write_text(line + "\n", encoding="utf-8")
