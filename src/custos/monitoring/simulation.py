"""A synthetic day of telemetry for the registry's deployments, with a host outage that hits many
firms at once: what `custos monitor simulate` replays and the demonstration shows.

Each deployment reports every figure once a minute, as its deployer's OpenTelemetry SDK would,
in one OTLP request per deployer per minute. Its normal is its own, drawn from a seed and its id:
an availability a little below 1, an error rate of a few in a thousand, a median latency of a
few hundred milliseconds with the 95th and 99th percentiles above it, a volume that follows the
working day. Each minute adds noise around that normal, and now and then one deployment has a
glitch of its own (the base rate the correlation measures against). During the outage every
deployment on the failing host loses most of its availability, fails most requests and answers
slowly, from the same minute: the pattern no single deployer can tell from a local fault.

Pure: deployments in, OTLP requests out; sending them is the caller's.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue
from opentelemetry.proto.metrics.v1 import metrics_pb2
from opentelemetry.proto.resource.v1 import resource_pb2

from custos.registry.telemetry import (
    BY_FIGURE,
    DEPLOYMENT_ATTRIBUTE,
    MODEL_ATTRIBUTE,
    VERSION_ATTRIBUTE,
    Figure,
)

#: The simulator's seed, so a replayed day is the same day.
SEED = 20261204
#: The chance that a deployment has a glitch of its own in a minute (a few a week).
GLITCH_CHANCE = 1 / 3000
#: How long a glitch lasts, in minutes.
GLITCH_MINUTES = 3


@dataclass(frozen=True)
class Simulated:
    """A deployment as the simulator needs it."""

    deployment_id: str
    deployer_id: str
    model_id: str
    host_id: str | None
    exposure_eur: float | None


@dataclass(frozen=True)
class Outage:
    """A host that fails from ``start`` (unix seconds) for ``minutes``."""

    host_id: str
    start: int
    minutes: int

    def hits(self, deployment: Simulated, at: int) -> bool:
        return deployment.host_id == self.host_id and self.start <= at < self.start + self.minutes * 60


@dataclass(frozen=True)
class Minute:
    """One minute of telemetry: its time and one OTLP request per deployer."""

    at: int
    requests: dict[str, bytes]
    points: int


def busiest_host(deployments: Sequence[Simulated]) -> str:
    """The host behind the most deployers (then the most deployments): the outage hurts most there."""
    deployers: dict[str, set[str]] = defaultdict(set)
    counted: dict[str, int] = defaultdict(int)
    for deployment in deployments:
        if deployment.host_id:
            deployers[deployment.host_id].add(deployment.deployer_id)
            counted[deployment.host_id] += 1
    if not deployers:
        raise ValueError("no deployment names a host")
    return max(deployers, key=lambda host: (len(deployers[host]), counted[host], host))


def _normal(deployment_id: str) -> np.ndarray:
    """A deployment's own normal for each figure, drawn from its id."""
    digest = hashlib.sha256(f"{SEED}:{deployment_id}".encode()).digest()
    rng = np.random.default_rng(int.from_bytes(digest[:8], "big"))
    p50 = rng.uniform(0.15, 0.8)
    return np.array(
        [
            1 - rng.uniform(0.0005, 0.005),  # availability
            rng.uniform(0.001, 0.008),  # error rate
            p50,
            p50 * rng.uniform(2.0, 3.0),
            p50 * rng.uniform(3.5, 5.0),
            rng.uniform(0.01, 0.05),  # human override
            rng.uniform(0.002, 0.02),  # refusals
            rng.uniform(200, 5000),  # requests a minute at the day's peak
        ]
    )


def _working_day(at: int) -> float:
    """Traffic through the day: a trough at 04:00 UTC, a peak at 14:00."""
    hour = (at % 86_400) / 3600
    return 0.55 + 0.45 * math.cos((hour - 14) / 24 * 2 * math.pi)


def _figures(normal: np.ndarray, at: int, rng: np.random.Generator, failing: bool) -> np.ndarray:
    values = normal.copy()
    values[Figure.AVAILABILITY] = 1 - (1 - normal[Figure.AVAILABILITY]) * rng.lognormal(0, 0.25)
    for figure in (Figure.ERROR_RATE, Figure.OVERRIDE_RATE, Figure.REFUSAL_RATE):
        values[figure] = normal[figure] * rng.lognormal(0, 0.2)
    latency = rng.lognormal(0, 0.08)
    for figure in (Figure.LATENCY_P50, Figure.LATENCY_P95, Figure.LATENCY_P99):
        values[figure] = normal[figure] * latency
    values[Figure.VOLUME] = float(rng.poisson(normal[Figure.VOLUME] * _working_day(at)))
    if failing:
        values[Figure.AVAILABILITY] = rng.uniform(0.2, 0.5)
        values[Figure.ERROR_RATE] = rng.uniform(0.4, 0.8)
        for figure in (Figure.LATENCY_P50, Figure.LATENCY_P95, Figure.LATENCY_P99):
            values[figure] *= rng.uniform(4, 8)
        values[Figure.VOLUME] = float(np.floor(values[Figure.VOLUME] * 0.3))
    return values


def _attribute(key: str, value: str) -> KeyValue:
    return KeyValue(key=key, value=AnyValue(string_value=value))


def resource_metrics(deployment: Simulated, at: int, values: np.ndarray) -> metrics_pb2.ResourceMetrics:
    """One deployment's minute as its OpenTelemetry SDK exports it: gauges, and a delta sum for volume."""
    nanos = at * 1_000_000_000
    metrics = []
    for figure in Figure:
        metric = BY_FIGURE[figure]
        if figure is Figure.VOLUME:
            point = metrics_pb2.NumberDataPoint(
                start_time_unix_nano=nanos - 60_000_000_000, time_unix_nano=nanos, as_int=int(values[figure])
            )
            body = metrics_pb2.Metric(
                name=metric.otlp_name,
                unit=metric.unit,
                sum=metrics_pb2.Sum(
                    data_points=[point],
                    aggregation_temporality=metrics_pb2.AGGREGATION_TEMPORALITY_DELTA,
                    is_monotonic=True,
                ),
            )
        else:
            point = metrics_pb2.NumberDataPoint(time_unix_nano=nanos, as_double=float(values[figure]))
            body = metrics_pb2.Metric(
                name=metric.otlp_name, unit=metric.unit, gauge=metrics_pb2.Gauge(data_points=[point])
            )
        metrics.append(body)
    resource = [
        _attribute(DEPLOYMENT_ATTRIBUTE, deployment.deployment_id),
        _attribute(MODEL_ATTRIBUTE, deployment.model_id),
    ]
    resource.append(_attribute(VERSION_ATTRIBUTE, "1"))
    return metrics_pb2.ResourceMetrics(
        resource=resource_pb2.Resource(attributes=resource),
        scope_metrics=[
            metrics_pb2.ScopeMetrics(scope=InstrumentationScope(name="custos.simulation"), metrics=metrics)
        ],
    )


def day(
    deployments: Sequence[Simulated],
    start: int,
    minutes: int,
    outage: Outage | None,
    seed: int = SEED,
    *,
    batched: bool = False,
) -> Iterator[Minute]:
    """The telemetry of ``minutes`` minutes from ``start``, minute by minute: one request per
    deployer, or (``batched``) one for all, as a Collector in front of many services sends."""
    rng = np.random.default_rng(seed)
    normals = {d.deployment_id: _normal(d.deployment_id) for d in deployments}
    glitch_until: dict[str, int] = {}
    for minute in range(minutes):
        at = start + minute * 60
        by_deployer: dict[str, list[metrics_pb2.ResourceMetrics]] = defaultdict(list)
        for deployment in deployments:
            if rng.random() < GLITCH_CHANCE:
                glitch_until[deployment.deployment_id] = at + GLITCH_MINUTES * 60
            failing = (outage is not None and outage.hits(deployment, at)) or glitch_until.get(
                deployment.deployment_id, 0
            ) > at
            values = _figures(normals[deployment.deployment_id], at, rng, failing)
            sender = "all" if batched else deployment.deployer_id
            by_deployer[sender].append(resource_metrics(deployment, at, values))
        yield Minute(
            at=at,
            requests={
                deployer: ExportMetricsServiceRequest(resource_metrics=found).SerializeToString()
                for deployer, found in by_deployer.items()
            },
            points=len(deployments) * len(Figure),
        )
