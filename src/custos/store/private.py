"""An installation's files are its owner's alone.

The SQLite database holds every confidential field and the API tokens' hashes, so it is as
secret as the signing key: the home is created 0700 and the database 0600 (SQLite gives its WAL
and shared-memory files the database's mode). An installation found readable by others is
opened, with a warning that says how to fix it, since refusing would lock a supervisor out of
its own record.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from sqlalchemy import make_url

from custos.core.settings import Settings

log = logging.getLogger("custos.store")


def sqlite_file(settings: Settings) -> Path | None:
    """The database file of an embedded installation, or None (PostgreSQL, or in memory)."""
    if not settings.is_sqlite:
        return None
    database = make_url(settings.database_url).database
    return None if not database or database == ":memory:" else Path(database)


def create_private(settings: Settings) -> None:
    """Create the home (0700) and an empty database file (0600) before the engine opens it."""
    settings.home.mkdir(parents=True, exist_ok=True)
    os.chmod(settings.home, 0o700)
    database = sqlite_file(settings)
    if database is not None and not database.exists():
        database.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def exposed(settings: Settings) -> list[str]:
    """What of the installation others may read, each with the command that closes it."""
    found = []
    database = sqlite_file(settings)
    for path, private_mode in ((settings.home, 0o700), (database, 0o600)):
        if path is None or not path.exists():
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            found.append(f"{path} is open to others (mode {mode:o}): chmod {private_mode:o} {path}")
    return found


def warn_if_exposed(settings: Settings) -> None:
    for message in exposed(settings):
        log.warning("warning: %s", message)
