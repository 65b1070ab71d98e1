"""The registry as the ingestion path sees it, kept for a few seconds.

Every telemetry request names deployments, and each must be checked (does it exist, is it the
caller's) before a point is stored. Reading the registry for each request would cost more than
the points; so the service keeps one copy, read again when it is a few seconds old or when a
request names a deployment it does not know (one registered a moment ago)."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from custos.store import Store
from custos.store import monitoring_world as mw

#: How long a read of the registry answers requests.
FRESH_SECONDS = 5.0
#: How soon an unknown deployment may cause another read (so unknown ids cannot make every
#: request read the registry).
RETRY_SECONDS = 1.0


@dataclass(frozen=True)
class Deployment:
    id: str
    name: str
    deployer_id: str
    deployer_name: str
    model_id: str
    model_name: str
    provider_id: str
    host_id: str | None
    sector: str
    jurisdiction: str
    exposure_eur: float | None


def _exposure_eur(exposure: Mapping[str, Any] | None) -> float | None:
    """The exposure in EUR when filed in EUR; another currency is not converted (no rate is filed)."""
    if not exposure or exposure.get("currency") != "EUR":
        return None
    return float(exposure["amount"])


class World:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._read_at = -FRESH_SECONDS
        self._deployments: dict[str, Deployment] = {}
        self._names: dict[str, str] = {}

    def deployments(self, *, need: Any = ()) -> dict[str, Deployment]:
        """Every deployment by id, read again if stale or if one of ``need`` is unknown."""
        with self._lock:
            age = time.monotonic() - self._read_at
            unknown = age > RETRY_SECONDS and any(name not in self._deployments for name in need)
            if age > FRESH_SECONDS or unknown:
                self._read()
            return self._deployments

    def names(self) -> dict[str, str]:
        """Organisations' names by id."""
        self.deployments()
        return self._names

    def _read(self) -> None:
        with self._store.read() as conn:
            rows = mw.deployments_watched(conn)
            self._names = mw.organisation_names(conn)
        self._deployments = {
            row["id"]: Deployment(
                id=row["id"],
                name=row["name"],
                deployer_id=row["deployer_id"],
                deployer_name=row["deployer_name"],
                model_id=row["model_id"],
                model_name=row["model_name"],
                provider_id=row["provider_id"],
                host_id=row["host_id"],
                sector=row["sector"],
                jurisdiction=row["jurisdiction"],
                exposure_eur=_exposure_eur(row["exposure"]),
            )
            for row in rows
        }
        self._read_at = time.monotonic()
