"""Continuous monitoring's vocabulary as filings: enrolments, thresholds, alerts and published
summaries.

Raw telemetry points are operational data, kept as time series in the store and out of the log
(as API tokens are). What a supervisor acts on is filed: a deployer's enrolment of a deployment
(``monitor.enrolled``, which discharges the baseline duty to report telemetry), the detector's
settings (``monitor.thresholds_set``), each deployment's alert with its evidence
(``monitor.alert_raised``, ``monitor.alert_cleared``), the alert across deployments that share a
model, a version, a host or a sector (``monitor.systemic_alert``) and the aggregates published for
the public (``monitor.summary_published``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from custos.filings import OWNER_FIELD, PUBLIC_FIELD, SUPERVISORS_FIELD, FilingKind
from custos.licensing.rollout import Bounds
from custos.registry.telemetry import BY_KEY

#: The subject of the installation-wide filings (thresholds and summaries).
MONITORING_SUBJECT = "monitoring"

FigureKey = Literal[
    "availability",
    "error_rate",
    "latency_p50",
    "latency_p95",
    "latency_p99",
    "override_rate",
    "refusal_rate",
    "volume",
]
GroupBy = Literal["model", "version", "host", "sector"]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Enrolled(_Payload):
    """A deployer enrols a deployment in continuous monitoring: the figures it sends, how often,
    until when it commits to send them."""

    deployment_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    figures: tuple[FigureKey, ...] = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    interval_seconds: int = Field(
        60, ge=1, le=3600, json_schema_extra=PUBLIC_FIELD, description="How often a point is sent."
    )
    valid_until: date = Field(json_schema_extra=PUBLIC_FIELD, description="At most a year after filing.")

    @model_validator(mode="after")
    def _distinct(self) -> Enrolled:
        if len(set(self.figures)) != len(self.figures):
            raise ValueError("each figure is named once")
        return self


class Thresholds(_Payload):
    """The detector's settings. Each deployment's figures are watched by an EWMA baseline (mean and
    variance, smoothing ``ewma_lambda``) and a one-sided CUSUM in the direction the figure gets
    worse (reference ``cusum_k`` and decision interval ``cusum_h``, in baseline standard
    deviations); ``warmup`` points build the baseline before any alarm. Across deployments, those
    degraded within ``window_minutes`` of each other that share a model, version, host or sector
    raise a systemic alert when there are at least ``min_deployments`` of them, at two or more
    institutions, and the chance of so many degrading together by chance is below ``chance``.

    The defaults are set for figures reported every minute. Page's textbook ``k = 0.5, h = 5``
    raises about once in 930 in-control points (Siegmund's approximation): for a deployment's
    eight figures a minute, a false alert every two hours. ``k = 1, h = 8`` is tuned to shifts of
    two standard deviations, caught after about nine points, and raises falsely about once in
    4.6 × 10^7 points of normal noise; an outage, dozens of deviations out, is caught at its first
    point (by the fixed bounds at once)."""

    ewma_lambda: float = Field(0.05, gt=0, le=1, json_schema_extra=PUBLIC_FIELD)
    cusum_k: float = Field(1.0, ge=0, le=5, json_schema_extra=PUBLIC_FIELD)
    cusum_h: float = Field(8.0, gt=0, le=50, json_schema_extra=PUBLIC_FIELD)
    warmup: int = Field(30, ge=2, le=10_000, json_schema_extra=PUBLIC_FIELD)
    recover_after: int = Field(
        5, ge=1, le=1_000, json_schema_extra=PUBLIC_FIELD, description="In-bounds points that clear."
    )
    bounds: dict[FigureKey, Bounds] = Field(
        default_factory=dict,
        json_schema_extra=PUBLIC_FIELD,
        description="Fixed bounds, beyond which a deployment is degraded whatever its baseline.",
    )
    window_minutes: int = Field(10, ge=1, le=1_440, json_schema_extra=PUBLIC_FIELD)
    min_deployments: int = Field(3, ge=2, le=100_000, json_schema_extra=PUBLIC_FIELD)
    chance: float = Field(1e-6, gt=0, lt=1, json_schema_extra=PUBLIC_FIELD)
    reason: str = Field("", max_length=2_000, json_schema_extra=PUBLIC_FIELD)

    @model_validator(mode="after")
    def _known_bounds(self) -> Thresholds:
        for key, bound in self.bounds.items():
            metric = BY_KEY[key]
            for end in (bound.min, bound.max):
                if end is not None and not metric.low <= end <= metric.high:
                    raise ValueError(f"bounds.{key}: {end:g} is outside {metric.low:g}–{metric.high:g}")
        return self


class Evidence(_Payload):
    """A point of the series that raised or cleared an alert: its time and value."""

    at: datetime
    value: float


class AlsoDegraded(_Payload):
    """Another figure of the deployment that degraded at the same point."""

    figure: FigureKey
    detector: Literal["cusum", "bound"]
    value: float


class AlertRaised(_Payload):
    """A deployment's figure left its baseline (CUSUM) or a fixed bound, with the points that show
    it and the baseline they were measured against. Figures that degraded at the same point are
    one alert, named by the first in the catalogue's order, the others listed in ``also``: an
    outage takes several figures at once, and is one event to whoever reads it."""

    deployment_id: str = Field(min_length=1, json_schema_extra=OWNER_FIELD)
    figure: FigureKey = Field(json_schema_extra=OWNER_FIELD)
    detector: Literal["cusum", "bound"] = Field(json_schema_extra=OWNER_FIELD)
    first_degraded_at: datetime = Field(json_schema_extra=OWNER_FIELD)
    value: float = Field(json_schema_extra=OWNER_FIELD)
    baseline_mean: float | None = Field(None, json_schema_extra=OWNER_FIELD)
    baseline_sd: float | None = Field(None, json_schema_extra=OWNER_FIELD)
    statistic: float | None = Field(None, json_schema_extra=OWNER_FIELD, description="The CUSUM.")
    bound_source: str | None = Field(
        None, json_schema_extra=OWNER_FIELD, description="The pack, thresholds or rollout gate."
    )
    model_id: str | None = Field(None, json_schema_extra=OWNER_FIELD)
    model_version: str | None = Field(None, json_schema_extra=OWNER_FIELD)
    evidence: tuple[Evidence, ...] = Field((), max_length=120, json_schema_extra=OWNER_FIELD)
    also: tuple[AlsoDegraded, ...] = Field((), max_length=8, json_schema_extra=OWNER_FIELD)


class AlertCleared(_Payload):
    """A deployment's alert is over: every figure it named came back (``recover_after`` points in
    a row within baseline and bounds; ``figure`` is the last to), or a systemic alert's group no
    longer degrades together (fewer than ``min_deployments`` of its members are still degraded;
    no deployment or figure is named)."""

    alert_id: str = Field(min_length=1, json_schema_extra=OWNER_FIELD)
    deployment_id: str | None = Field(None, min_length=1, json_schema_extra=OWNER_FIELD)
    figure: FigureKey | None = Field(None, json_schema_extra=OWNER_FIELD)
    recovered_at: datetime = Field(json_schema_extra=OWNER_FIELD)


class Member(_Payload):
    """A deployment in a systemic alert: who deploys it, what degraded, when, and its exposure."""

    deployment_id: str
    deployer_id: str
    figure: FigureKey
    first_degraded_at: datetime
    alert_id: str
    base_rate: float = Field(ge=0, le=1)
    exposure_eur: float | None = None


class SystemicAlert(_Payload):
    """Deployments sharing a model, version, host or sector degraded together, beyond chance."""

    group_by: GroupBy = Field(json_schema_extra=SUPERVISORS_FIELD)
    group: str = Field(min_length=1, json_schema_extra=SUPERVISORS_FIELD)
    group_name: str = Field(json_schema_extra=SUPERVISORS_FIELD)
    window_start: datetime = Field(json_schema_extra=SUPERVISORS_FIELD)
    members: tuple[Member, ...] = Field(min_length=2, json_schema_extra=SUPERVISORS_FIELD)
    deployments: int = Field(ge=2, json_schema_extra=SUPERVISORS_FIELD)
    institutions: int = Field(ge=1, json_schema_extra=SUPERVISORS_FIELD)
    watched: int = Field(ge=2, json_schema_extra=SUPERVISORS_FIELD, description="Deployments in the group.")
    exposure_eur: float = Field(ge=0, json_schema_extra=SUPERVISORS_FIELD)
    chance: float = Field(ge=0, le=1, json_schema_extra=SUPERVISORS_FIELD)
    incident_id: str | None = Field(None, json_schema_extra=SUPERVISORS_FIELD)
    rollouts_held: tuple[str, ...] = Field((), json_schema_extra=SUPERVISORS_FIELD)


class FigureSummary(_Payload):
    figure: FigureKey
    deployments: int = Field(ge=0)
    median: float | None = None
    p10: float | None = None
    p90: float | None = None


class SummaryPublished(_Payload):
    """What the public may know of a day of monitoring: each figure's spread across deployments,
    alerts counted, and the affected exposure by provider where at least three firms are behind
    the figure (fewer would reveal a firm)."""

    day: date = Field(json_schema_extra=PUBLIC_FIELD)
    deployments: int = Field(ge=0, json_schema_extra=PUBLIC_FIELD)
    institutions: int = Field(ge=0, json_schema_extra=PUBLIC_FIELD)
    figures: tuple[FigureSummary, ...] = Field((), json_schema_extra=PUBLIC_FIELD)
    alerts: int = Field(ge=0, json_schema_extra=PUBLIC_FIELD)
    systemic_alerts: int = Field(ge=0, json_schema_extra=PUBLIC_FIELD)
    affected_exposure_eur: dict[str, float] = Field(default_factory=dict, json_schema_extra=PUBLIC_FIELD)


MONITOR_ENROLLED = FilingKind("monitor.enrolled", Enrolled, "A deployment is enrolled in monitoring.")
MONITOR_THRESHOLDS_SET = FilingKind("monitor.thresholds_set", Thresholds, "The detector's settings change.")
MONITOR_ALERT_RAISED = FilingKind("monitor.alert_raised", AlertRaised, "A deployment's figure degraded.")
MONITOR_ALERT_CLEARED = FilingKind("monitor.alert_cleared", AlertCleared, "A deployment's figure recovered.")
MONITOR_SYSTEMIC_ALERT = FilingKind(
    "monitor.systemic_alert", SystemicAlert, "Deployments that share a dependency degraded together."
)
MONITOR_SUMMARY_PUBLISHED = FilingKind(
    "monitor.summary_published", SummaryPublished, "A day of monitoring, aggregated for the public."
)
MONITORING_KINDS = (
    MONITOR_ENROLLED,
    MONITOR_THRESHOLDS_SET,
    MONITOR_ALERT_RAISED,
    MONITOR_ALERT_CLEARED,
    MONITOR_SYSTEMIC_ALERT,
    MONITOR_SUMMARY_PUBLISHED,
)
