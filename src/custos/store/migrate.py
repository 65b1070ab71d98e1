"""Alembic migrations, run from code so ``custos db upgrade`` needs no alembic.ini.

Opening a store only compares two revision names, so that comparison does without Alembic
(about 0.2 s to import): the head is the newest numbered script in ``migrations/versions``
(revisions are named by their file's number, and a test holds that to Alembic's own answer),
and the current revision is one row of ``alembic_version``. Alembic itself is imported only to
migrate.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
VERSIONS = MIGRATIONS / "versions"


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str | None:
    """The newest revision the code knows: the number of the last script (``0005_….py`` → ``0005``)."""
    numbers = sorted(path.name.split("_", 1)[0] for path in VERSIONS.glob("[0-9]*_*.py"))
    return numbers[-1] if numbers else None


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)
