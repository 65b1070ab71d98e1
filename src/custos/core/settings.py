"""Where an installation keeps its data, read once from the environment.

``CUSTOS_HOME`` (default ``./.custos``) holds the SQLite database and the signing keys;
``CUSTOS_DATABASE_URL`` points the store at PostgreSQL instead. ``CUSTOS_MONITOR_RAW_DAYS`` and
``CUSTOS_MONITOR_HOURLY_DAYS`` say how long continuous monitoring keeps raw telemetry points and
hourly rollups (daily rollups are kept for good); ``CUSTOS_MONITOR_DECODERS`` how many worker
processes read large telemetry requests beside the server (one on a machine of two cores or more,
none on one core, where a worker would only take turns with the server).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from custos.core.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Settings:
    home: Path
    database_url: str
    #: A week of minute points plus a day: a week's panel and the detector read raw points.
    monitor_raw_days: int = 8
    #: Beyond a year, with room to compare a day with the same day a year before.
    monitor_hourly_days: int = 400
    #: Worker processes that read large OTLP requests while the server writes the last one.
    monitor_decoders: int = 0

    @property
    def keys_dir(self) -> Path:
        return self.home / "keys"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(home: Path | None = None, database_url: str | None = None) -> Settings:
    """Settings from arguments first, then the environment, then the defaults."""
    resolved_home = (home or Path(os.environ.get("CUSTOS_HOME", ".custos"))).resolve()
    url = database_url or os.environ.get("CUSTOS_DATABASE_URL") or f"sqlite:///{resolved_home / 'custos.db'}"
    return Settings(
        home=resolved_home,
        database_url=url,
        monitor_raw_days=_days("CUSTOS_MONITOR_RAW_DAYS", 8),
        monitor_hourly_days=_days("CUSTOS_MONITOR_HOURLY_DAYS", 400),
        monitor_decoders=_workers("CUSTOS_MONITOR_DECODERS", 1 if (os.cpu_count() or 1) >= 2 else 0),
    )


def _days(name: str, default: int) -> int:
    """A whole number of days from the environment: a typo must not prune what it should keep."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise InvalidInput(f"{name} must be a whole number of days, at least 1; it is {text!r}")
    return int(text)


def _workers(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit():
        raise InvalidInput(f"{name} must be a whole number of worker processes, 0 or more; it is {text!r}")
    return int(text)
