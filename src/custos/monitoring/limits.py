"""What the detector is set to, and the fixed bounds each deployment's figures are held to.

Three sources set a fixed bound, and the tightest holds: the active packs' parameters
``monitor_<figure>_min`` and ``monitor_<figure>_max`` (the supervisor's rule, e.g. the baseline's
availability of at least 90%), the supervisor's thresholds filing (``monitor.thresholds_set``), and
the gates of a rollout's current stage, which hold the licence holder's deployments of the
licensed model to the figures the stage must keep (so a rollout gate reads telemetry, not a
figure typed in by hand). The detector's own settings are the latest thresholds filing, or the
defaults of :class:`~custos.monitoring.model.Thresholds`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from custos.licensing.rollout import RolloutPlanned
from custos.monitoring.model import MONITOR_THRESHOLDS_SET, MONITORING_SUBJECT, Thresholds
from custos.policy.engine import active_packs
from custos.registry.telemetry import BY_KEY
from custos.store import Connection
from custos.store import filing_views as fv
from custos.store import licensing_views as lv

#: The prefix of the packs' monitoring parameters: ``monitor_availability_min`` and the like.
PARAMETER_PREFIX = "monitor_"


@dataclass(frozen=True)
class Bound:
    """A closed range (NaN at an open end) and where each end comes from."""

    low: float = math.nan
    high: float = math.nan
    sources: tuple[str, ...] = ()

    def tighter(self, low: float | None, high: float | None, source: str) -> Bound:
        """This bound narrowed by ``low``–``high``, naming ``source`` if it narrowed it."""
        new_low, new_high, used = self.low, self.high, False
        if low is not None and (math.isnan(self.low) or low > self.low):
            new_low, used = low, True
        if high is not None and (math.isnan(self.high) or high < self.high):
            new_high, used = high, True
        return Bound(new_low, new_high, (*self.sources, source) if used else self.sources)


@dataclass(frozen=True)
class Limits:
    settings: Thresholds
    figures: Mapping[str, Bound] = field(default_factory=dict)
    deployments: Mapping[tuple[str, str], Bound] = field(default_factory=dict)

    def bound(self, deployment_id: str, figure: str) -> Bound:
        """The tightest bound on a deployment's figure (open at both ends when none is set)."""
        return self.deployments.get((deployment_id, figure)) or self.figures.get(figure) or Bound()


def settings(conn: Connection) -> Thresholds:
    content = fv.latest_content(conn, MONITORING_SUBJECT, MONITOR_THRESHOLDS_SET.name, after="")
    return Thresholds() if content is None else Thresholds.model_validate(content)


def _pack_bounds(conn: Connection) -> dict[str, Bound]:
    found: dict[str, Bound] = {}
    for pack in active_packs(conn):
        for name, value in pack.document.parameters.items():
            if not name.startswith(PARAMETER_PREFIX):
                continue
            key, _, end = name.removeprefix(PARAMETER_PREFIX).rpartition("_")
            if key not in BY_KEY or end not in ("min", "max"):
                continue
            source = f"{pack.document.id} {pack.document.version}, parameter {name}"
            low, high = (float(value), None) if end == "min" else (None, float(value))
            found[key] = found.get(key, Bound()).tighter(low, high, source)
    return found


def _gate_bounds(
    conn: Connection, figures: Mapping[str, Bound], deployments_of: Mapping[tuple[str, str], Iterable[str]]
) -> dict[tuple[str, str], Bound]:
    """The bounds a rollout's current stage holds the licence holder's deployments of the model to."""
    found: dict[tuple[str, str], Bound] = {}
    for licence_id, rollout in lv.all_rollouts(conn).items():
        if rollout["status"] != "active":
            continue
        licence = lv.licence(conn, licence_id)
        if licence is None:
            continue
        stage = RolloutPlanned.model_validate(json.loads(rollout["plan"])).stages[rollout["stage"]]
        for name, gate in stage.gates.metrics.items():
            if name not in BY_KEY:
                continue
            source = f"licence {licence_id} rollout stage {stage.name!r} gate {name}"
            for deployment_id in deployments_of.get((licence["applicant_id"], licence["model_id"]), ()):
                held = found.get((deployment_id, name)) or figures.get(name) or Bound()
                found[(deployment_id, name)] = held.tighter(gate.min, gate.max, source)
    return found


def current(conn: Connection, world: Iterable[Mapping[str, Any]]) -> Limits:
    """The detector's settings and every bound in force, for the deployments of ``world``."""
    thresholds = settings(conn)
    figures = _pack_bounds(conn)
    for key, bound in thresholds.bounds.items():
        figures[key] = figures.get(key, Bound()).tighter(bound.min, bound.max, "monitoring thresholds")
    deployments_of: dict[tuple[str, str], list[str]] = {}
    for row in world:
        deployments_of.setdefault((row["deployer_id"], row["model_id"]), []).append(row["id"])
    return Limits(thresholds, figures, _gate_bounds(conn, figures, deployments_of))
