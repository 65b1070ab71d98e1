"""A day of monitoring, aggregated so the public may read it without learning any one firm's
figures.

Each figure is summarised across deployments by its median and its 10th and 90th percentiles of
the deployments' daily means, and the exposure affected that day is given per model provider,
only where at least ``LEAST_FIRMS`` deployers are behind the number: with fewer, a reader who
knows one of them could subtract it and learn the other (the threshold rule of statistical
disclosure control, Hundepool et al., *Statistical Disclosure Control*, 2012, §4.2).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, date, datetime

import numpy as np

from custos.monitoring.correlation import euros
from custos.monitoring.model import FigureSummary, SummaryPublished
from custos.monitoring.world import Deployment
from custos.registry.telemetry import METRICS, Figure
from custos.store import Connection
from custos.store import monitoring_summary as ms
from custos.store import monitoring_views as mv

#: The fewest deployers behind any published number.
LEAST_FIRMS = 3
DAY = 86_400


def summarise(
    conn: Connection, day: date, start: int, deployments: Mapping[str, Deployment]
) -> SummaryPublished:
    means = [row for row in ms.day_means(conn, start) if row[0] in deployments]
    per_figure: dict[Figure, list[tuple[str, float]]] = defaultdict(list)
    for deployment_id, figure, mean, _ in means:
        per_figure[Figure(figure)].append((deployment_id, mean))
    figures = []
    for metric in METRICS:
        rows = per_figure.get(metric.figure, [])
        firms = {deployments[d].deployer_id for d, _ in rows}
        if len(firms) < LEAST_FIRMS:
            figures.append(FigureSummary(figure=metric.key, deployments=len(rows)))
            continue
        values = np.array([v for _, v in rows])
        p10, median, p90 = np.percentile(values, [10, 50, 90]).tolist()
        figures.append(
            FigureSummary(figure=metric.key, deployments=len(rows), median=median, p10=p10, p90=p90)
        )
    end = datetime.fromtimestamp(start + DAY, UTC)
    began = datetime.fromtimestamp(start, UTC)
    raised = mv.alerts(conn, raised=(began, end), limit=1_000_000)
    affected: dict[str, set[str]] = defaultdict(set)
    exposure: dict[str, float] = defaultdict(float)
    for alert in raised:
        deployment = deployments.get(alert["deployment_id"] or "")
        if (
            alert["kind"] != "alert"
            or deployment is None
            or deployment.id in affected[deployment.provider_id]
        ):
            continue
        affected[deployment.provider_id].add(deployment.id)
        exposure[deployment.provider_id] = euros((exposure[deployment.provider_id], deployment.exposure_eur))
    published = {
        provider: exposure[provider]
        for provider, ids in affected.items()
        if len({deployments[d].deployer_id for d in ids}) >= LEAST_FIRMS
    }
    watched = {d for d, _, _, _ in means}
    return SummaryPublished(
        day=day,
        deployments=len(watched),
        institutions=len({deployments[d].deployer_id for d in watched}),
        figures=tuple(figures),
        alerts=sum(1 for a in raised if a["kind"] == "alert"),
        systemic_alerts=sum(1 for a in raised if a["kind"] == "systemic"),
        affected_exposure_eur=published,
    )
