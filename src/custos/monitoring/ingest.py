"""The ingestion path: a request of OTLP telemetry in, points stored, detection run, alerts filed.

One request is one transaction: the accepted points, the rollups, each touched series' detector
state and any alert they raise are committed together, so an alert is filed within the request
that carried its first degraded point (the latency a supervisor waits is the request's), and a
request that fails leaves nothing behind. Points are refused one by one (OTLP's partial success):
a malformed point, a deployment the registry does not know or that is not the caller's, never
the rest of the request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from custos.access.model import Principal
from custos.core.errors import InvalidInput
from custos.filings import Filing
from custos.monitoring import otlp
from custos.monitoring.alerts import AlertFiler
from custos.monitoring.detection import Settings, detect
from custos.monitoring.limits import Limits
from custos.monitoring.state_cache import StateCache
from custos.monitoring.world import Deployment
from custos.registry.telemetry import BY_FIGURE, METRICS, Figure
from custos.store import UnitOfWork
from custos.store import monitoring_views as mv

#: How far ahead of the installation's clock a point may be stamped (clocks drift).
FUTURE_SECONDS = 300
#: Points in one request, at most: a Collector batches a few thousand.
MOST_POINTS = 1_000_000
#: Per figure (by its number): whether it gets worse upwards, and whether it follows the day.
WORSE_UP = np.array([metric.worse == "up" for metric in METRICS])
CYCLICAL = np.array([metric.cyclical for metric in METRICS])


@dataclass(frozen=True)
class Batch:
    """The accepted points of a request, one array per column (its series, figure, time and
    value), and each series' deployment and figure."""

    series: np.ndarray
    figure: np.ndarray
    at: np.ndarray
    values: np.ndarray
    deployments: dict[int, str]
    figures: dict[int, int]


def authorised(
    decoded: otlp.Decoded, deployments: dict[str, Deployment], by: Principal
) -> tuple[otlp.Decoded, list[otlp.ResourcePoints]]:
    """The request with every resource the caller may not report refused, and those it may."""
    refused = {}
    for index, resource in enumerate(decoded.resources):
        deployment = deployments.get(resource.deployment_id)
        if deployment is None:
            refused[index] = f"deployment {resource.deployment_id} is not in the registry"
        elif not by.sees_everything and deployment.deployer_id != by.organisation_id:
            refused[index] = f"deployment {resource.deployment_id} is not one of your organisation's"
    if refused:
        decoded = otlp.refuse(decoded, refused)
    return decoded, [r for r in decoded.resources if r.figures.size]


def batch(uow: UnitOfWork, resources: Sequence[otlp.ResourcePoints], known: dict[str, np.ndarray]) -> Batch:
    """The points as columns, each tagged with its series (created on first sight). ``known``
    holds each deployment's series ids by figure (0 where it has none yet)."""
    sizes = np.array([r.figures.size for r in resources], dtype=np.int64)
    total = int(sizes.sum())
    if total > MOST_POINTS:
        raise InvalidInput(f"a request holds at most {MOST_POINTS:,} points; this one holds {total:,}")
    names = [r.deployment_id for r in resources]
    owner = np.repeat(np.arange(len(resources)), sizes)
    figures = np.concatenate([r.figures for r in resources]).astype(np.int64)
    unseen = np.zeros(len(Figure), dtype=np.int64)
    series = np.stack([known.get(name, unseen) for name in names])[owner, figures]
    if not series.all():
        wanted = sorted(
            {
                (names[o], f)
                for o, f in zip(owner[series == 0].tolist(), figures[series == 0].tolist(), strict=True)
            }
        )
        for (name, figure), created in zip(wanted, mv.series_ids(uow.conn, wanted).tolist(), strict=True):
            known.setdefault(name, np.zeros(len(Figure), dtype=np.int64))[figure] = created
        series = np.stack([known.get(name, unseen) for name in names])[owner, figures]
    ids, first = np.unique(series, return_index=True)
    return Batch(
        series=series,
        figure=figures,
        at=np.concatenate([r.at for r in resources]),
        values=np.concatenate([r.values for r in resources]),
        deployments=dict(zip(ids.tolist(), [names[o] for o in owner[first].tolist()], strict=True)),
        figures=dict(zip(ids.tolist(), figures[first].tolist(), strict=True)),
    )


def _bounds(
    points: Batch, rows: np.ndarray, row_figure: np.ndarray, limits: Limits
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's fixed bounds: its figure's, narrowed where a deployment has its own (a gate)."""
    low = np.array([limits.bound("", metric.key).low for metric in METRICS])[row_figure]
    high = np.array([limits.bound("", metric.key).high for metric in METRICS])[row_figure]
    gated = {deployment for deployment, _ in limits.deployments}
    for place, one in enumerate(rows.tolist()):
        if points.deployments[one] in gated:
            bound = limits.bound(points.deployments[one], BY_FIGURE[Figure(points.figures[one])].key)
            low[place], high[place] = bound.low, bound.high
    return low, high


def run_detection(
    uow: UnitOfWork, points: Batch, limits: Limits, filer: AlertFiler, cache: StateCache
) -> list[Filing]:
    """Update each touched series' detector with its new points and file what changed. The
    states whose alert was raised or cleared are saved now, and every unsaved one when an alert
    was filed (so a systemic check after it reads this request's states) or a checkpoint is due."""
    rows, first = np.unique(points.series, return_index=True)
    row_figure = points.figure[first]
    states, last_value, alert_ids = cache.take(uow.conn, rows)
    alerts_before = list(alert_ids)
    low, high = _bounds(points, rows, row_figure, limits)
    index = np.searchsorted(rows, points.series)
    events = detect(
        states,
        index,
        points.at,
        points.values,
        WORSE_UP[row_figure],
        low,
        high,
        Settings.from_thresholds(limits.settings),
        ~CYCLICAL[row_figure],
    )
    order = np.lexsort((points.at, index))
    ends = np.r_[np.flatnonzero(np.diff(index[order])), order.size - 1]
    latest = order[ends]  # each row's latest point in the request (every row has one)
    newest = points.at[latest] >= states.last_at  # not a late point behind what was stored
    last_value[newest] = points.values[latest[newest]]
    filed = filer.file_events(uow, events, rows, points, alert_ids)
    uow.file(*filed)
    cache.keep(rows, states, last_value, alert_ids)
    if filed or cache.checkpoint_due():
        cache.save(uow.conn)
    else:
        changed = np.fromiter(
            (before != after for before, after in zip(alerts_before, alert_ids, strict=True)), bool, len(rows)
        )
        changed[events.row] = True  # raised or cleared, whether or not an alert was filed
        cache.save(uow.conn, rows[changed])
    return filed
