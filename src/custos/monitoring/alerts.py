"""Each deployment's alerts as filings: the detector's state changes, with their evidence.

An alert is filed by the installation's monitoring (a system actor) on behalf of the deployer,
about the deployment, so the deployer and supervisors read it and nobody else. It carries what
a reader needs to judge it without the series: the detector that fired (the CUSUM against the
deployment's own baseline, or a fixed bound and where the bound comes from), the baseline, the
statistic, and the last half hour of points up to the first degraded one. Figures that degrade
at the same point are one alert (an outage takes availability, errors and latency at once), and
it is cleared when the last of them recovers.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np

from custos.access.filer import file_as
from custos.access.model import system
from custos.core.clock import Clock
from custos.filings import Filing
from custos.monitoring.detection import BOUND, Events
from custos.monitoring.limits import Limits
from custos.monitoring.model import (
    MONITOR_ALERT_CLEARED,
    MONITOR_ALERT_RAISED,
    AlertCleared,
    AlertRaised,
    AlsoDegraded,
    Evidence,
)
from custos.monitoring.world import Deployment
from custos.registry.telemetry import BY_FIGURE, Figure
from custos.store import UnitOfWork
from custos.store import monitoring_views as mv

if TYPE_CHECKING:
    from custos.monitoring.ingest import Batch

#: Who files what monitoring finds.
MONITOR = system("monitoring", "continuous monitoring")
#: How far back an alert's evidence reaches, and how many points it holds at most.
EVIDENCE_SECONDS = 1800
EVIDENCE_POINTS = 60


def utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def _held_elsewhere(uow: UnitOfWork, deployment_id: str, sent: set[int], alert: str) -> bool:
    """Whether a figure of the deployment the request did not carry still holds the alert open."""
    states = mv.states_of(uow.conn, [deployment_id])
    return any(s["alert_id"] == alert for s in states if int(s["figure"]) not in sent)


class AlertFiler:
    """Files the alerts of one request's detection."""

    def __init__(self, deployments: dict[str, Deployment], limits: Limits, clock: Clock) -> None:
        self.deployments = deployments
        self.limits = limits
        self.clock = clock

    def file_events(
        self,
        uow: UnitOfWork,
        events: Events,
        rows: np.ndarray,
        points: Batch,
        alert_ids: list[str | None],
    ) -> list[Filing]:
        """The filings of the request's state changes, in time order; ``alert_ids`` follows each
        row's open alert. Figures of a deployment raised at the same point are one alert; an
        alert is cleared when the last figure holding it recovers."""
        series = rows[events.row]
        owner = [points.deployments[int(s)] for s in series.tolist()]
        onsets: dict[tuple[str, int], list[int]] = {}
        for i in np.flatnonzero(events.raised).tolist():
            onsets.setdefault((owner[i], int(events.at[i])), []).append(i)
        evidence = self._evidence(uow, events, series, onsets)
        served = mv.served(uow.conn, sorted({key[0] for key in onsets}))
        figures_sent: dict[str, set[int]] = {}
        for one in set(series.tolist()):
            figures_sent.setdefault(points.deployments[one], set()).add(int(points.figures[one]))
        filed = []
        for i in np.lexsort((events.row, events.at)).tolist():
            row, deployment = int(events.row[i]), self.deployments[owner[i]]
            if events.raised[i]:
                group = onsets.pop((owner[i], int(events.at[i])), None)
                if group is None:
                    continue  # filed with the group's first figure
                group.sort(key=lambda j: int(points.figures[int(series[j])]))
                filing = self._raised(deployment, group, events, series, points, evidence, served)
                for j in group:
                    alert_ids[int(events.row[j])] = filing.id
                filed.append(filing)
                continue
            alert, alert_ids[row] = alert_ids[row], None
            if alert is None or alert in alert_ids:
                continue  # another figure of the request still holds the alert
            if _held_elsewhere(uow, deployment.id, figures_sent[deployment.id], alert):
                continue
            figure = BY_FIGURE[Figure(points.figures[int(series[i])])].key
            filed.append(
                file_as(
                    MONITOR,
                    MONITOR_ALERT_CLEARED,
                    AlertCleared(
                        alert_id=alert,
                        deployment_id=deployment.id,
                        figure=figure,
                        recovered_at=utc(int(events.at[i])),
                    ),
                    owner=deployment.deployer_id,
                    subject=deployment.id,
                    clock=self.clock,
                    jurisdiction=deployment.jurisdiction,
                )
            )
        return filed

    def _evidence(
        self, uow: UnitOfWork, events: Events, series: np.ndarray, onsets: dict[tuple[str, int], list[int]]
    ) -> dict[int, list[tuple[int, float]]]:
        """The last half hour of each raised series, read at once."""
        if not onsets:
            return {}
        raised = [int(series[i]) for group in onsets.values() for i in group]
        latest = max(at for _, at in onsets)
        earliest = min(at for _, at in onsets)
        return mv.recent_points(uow.conn, raised, earliest - EVIDENCE_SECONDS, latest)

    def _raised(
        self,
        deployment: Deployment,
        group: list[int],
        events: Events,
        series: np.ndarray,
        points: Batch,
        evidence: dict[int, list[tuple[int, float]]],
        served: dict[str, tuple[str | None, str | None, int]],
    ) -> Filing:
        first, *others = group
        at = int(events.at[first])
        primary = int(series[first])
        by_bound = int(events.detector[first]) == BOUND
        bound = self.limits.bound(deployment.id, BY_FIGURE[Figure(points.figures[primary])].key)
        model, version, _ = served.get(deployment.id, (None, None, 0))
        recent = [(t, v) for t, v in evidence.get(primary, []) if at - EVIDENCE_SECONDS <= t <= at]
        content = AlertRaised(
            deployment_id=deployment.id,
            figure=BY_FIGURE[Figure(points.figures[primary])].key,
            detector="bound" if by_bound else "cusum",
            first_degraded_at=utc(at),
            value=float(events.value[first]),
            baseline_mean=_finite(events.mean[first]),
            baseline_sd=_finite(events.sd[first]),
            statistic=None if by_bound else _finite(events.statistic[first]),
            bound_source="; ".join(bound.sources) if by_bound and bound.sources else None,
            model_id=model or deployment.model_id,
            model_version=version,
            evidence=tuple(Evidence(at=utc(t), value=v) for t, v in recent[-EVIDENCE_POINTS:]),
            also=tuple(
                AlsoDegraded(
                    figure=BY_FIGURE[Figure(points.figures[int(series[j])])].key,
                    detector="bound" if int(events.detector[j]) == BOUND else "cusum",
                    value=float(events.value[j]),
                )
                for j in others
            ),
        )
        return file_as(
            MONITOR,
            MONITOR_ALERT_RAISED,
            content,
            owner=deployment.deployer_id,
            subject=deployment.id,
            clock=self.clock,
            jurisdiction=deployment.jurisdiction,
        )
