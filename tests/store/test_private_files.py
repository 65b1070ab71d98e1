"""An embedded installation's files are private to their owner, and looser ones are reported."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from custos.core.settings import Settings
from custos.installation import composition
from custos.store import Store, initialise_installation


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    home = tmp_path / "home"
    return Settings(home=home, database_url=f"sqlite:///{home / 'custos.db'}")


def test_init_creates_the_home_and_the_database_for_the_owner_only(settings: Settings) -> None:
    old = os.umask(0o022)  # the usual umask, which would leave a new file world-readable
    try:
        store = initialise_installation(settings, "private.test/log", composition())
        store.close()
    finally:
        os.umask(old)
    assert _mode(settings.home) == 0o700
    database = settings.home / "custos.db"
    assert _mode(database) == 0o600
    for journal in settings.home.glob("custos.db-*"):  # WAL and shared memory take the file's mode
        assert _mode(journal) & 0o077 == 0, journal


def test_opening_an_exposed_installation_warns_with_the_fix(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    initialise_installation(settings, "private.test/log", composition()).close()
    database = settings.home / "custos.db"
    os.chmod(database, 0o644)
    Store.open(settings, composition()).close()
    assert f"{database} is open to others (mode 644): chmod 600 {database}" in caplog.text
    os.chmod(database, 0o600)
    caplog.clear()
    Store.open(settings, composition()).close()
    assert "open to others" not in caplog.text
