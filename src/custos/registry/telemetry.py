"""The figures a deployer reports, as OpenTelemetry metrics: their names, units and the values
that can be real.

A deployer's OpenTelemetry SDK or Collector names each figure as below, with the resource
attribute ``custos.deployment.id`` naming the registry's deployment (and, optionally,
``custos.model.id`` and ``custos.model.version`` naming what it serves). Ratios are gauges from 0
to 1; latency percentiles are gauges in seconds, or one summary ``custos.latency`` with the
quantiles 0.5, 0.95 and 0.99; volume is a monotonic sum with delta temporality (a Collector turns
a cumulative counter into deltas with its ``cumulativetodelta`` processor).

Each figure has a direction in which it gets worse, which is where change detection looks: an
availability that falls, an error rate that rises. Volume follows the working day, so it has no
level to hold and is watched by fixed bounds only. Values outside ``low``–``high`` cannot be real
(a ratio above 1, a negative latency, a latency above an hour) and are refused point by point.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Literal, NamedTuple


class Figure(IntEnum):
    """The figures, numbered as the store keeps them (a small integer per series, not a name)."""

    AVAILABILITY = 0
    ERROR_RATE = 1
    LATENCY_P50 = 2
    LATENCY_P95 = 3
    LATENCY_P99 = 4
    OVERRIDE_RATE = 5
    REFUSAL_RATE = 6
    VOLUME = 7


class Metric(NamedTuple):
    figure: Figure
    otlp_name: str
    key: str
    unit: str
    low: float
    high: float
    worse: Literal["up", "down"]
    description: str
    #: Its normal moves through the day (traffic), so it is held to fixed bounds only: a CUSUM
    #: against a level would raise every evening.
    cyclical: bool = False


#: An hour: no answer a supervisor monitors takes longer, and a larger latency is a unit error.
_LATEST_SECONDS = 3600.0
#: A billion requests a minute is beyond any deployment; more is a broken counter.
_MOST_REQUESTS = 1e9

METRICS: tuple[Metric, ...] = (
    Metric(Figure.AVAILABILITY, "custos.availability", "availability", "1", 0.0, 1.0, "down",
           "Share of requests answered successfully in the interval."),
    Metric(Figure.ERROR_RATE, "custos.error_rate", "error_rate", "1", 0.0, 1.0, "up",
           "Share of requests that failed."),
    Metric(Figure.LATENCY_P50, "custos.latency.p50", "latency_p50", "s", 0.0, _LATEST_SECONDS, "up",
           "Median time to answer."),
    Metric(Figure.LATENCY_P95, "custos.latency.p95", "latency_p95", "s", 0.0, _LATEST_SECONDS, "up",
           "95th percentile of the time to answer."),
    Metric(Figure.LATENCY_P99, "custos.latency.p99", "latency_p99", "s", 0.0, _LATEST_SECONDS, "up",
           "99th percentile of the time to answer."),
    Metric(Figure.OVERRIDE_RATE, "custos.human_override_rate", "override_rate", "1", 0.0, 1.0, "up",
           "Share of the model's decisions a person overrode."),
    Metric(Figure.REFUSAL_RATE, "custos.refusal_rate", "refusal_rate", "1", 0.0, 1.0, "up",
           "Share of requests the model refused."),
    Metric(Figure.VOLUME, "custos.requests", "volume", "{request}", 0.0, _MOST_REQUESTS, "down",
           "Requests served in the interval (a delta sum).", cyclical=True),
)  # fmt: skip

BY_FIGURE: dict[Figure, Metric] = {metric.figure: metric for metric in METRICS}
BY_OTLP_NAME: dict[str, Metric] = {metric.otlp_name: metric for metric in METRICS}
BY_KEY: dict[str, Metric] = {metric.key: metric for metric in METRICS}

#: The summary a deployer may send instead of three latency gauges, and its quantiles' figures.
LATENCY_SUMMARY = "custos.latency"
SUMMARY_QUANTILES: dict[float, Figure] = {
    0.5: Figure.LATENCY_P50,
    0.95: Figure.LATENCY_P95,
    0.99: Figure.LATENCY_P99,
}

#: The resource attributes a deployer's telemetry carries.
DEPLOYMENT_ATTRIBUTE = "custos.deployment.id"
MODEL_ATTRIBUTE = "custos.model.id"
VERSION_ATTRIBUTE = "custos.model.version"
