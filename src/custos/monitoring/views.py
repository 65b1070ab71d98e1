"""What the monitoring service answers: an ingest's outcome, the system view, each deployment's
panel and series, alerts and published summaries."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class Ingested(_View):
    """What a request of telemetry came to: points accepted and refused (with why), alerts filed."""

    accepted: int
    rejected: int
    reasons: tuple[str, ...] = ()
    alerts: tuple[str, ...] = ()
    systemic_alerts: tuple[str, ...] = ()


class FigureNow(_View):
    figure: str
    unit: str
    value: float | None
    at: datetime | None
    baseline: float | None
    degraded: bool
    since: datetime | None = None


class DeploymentNow(_View):
    """A watched deployment as its figures stand."""

    deployment_id: str
    name: str
    deployer_id: str
    deployer_name: str
    model_id: str
    model_name: str
    model_version: str | None = None
    host_id: str | None = None
    sector: str
    exposure_eur: float | None = None
    degraded: bool
    figures: tuple[FigureNow, ...]


class Affected(_View):
    """Exposure affected now under one provider, host or model."""

    id: str
    name: str
    deployments: int
    degraded: int
    exposure_eur: float
    affected_eur: float


class GroupNow(_View):
    group_by: str
    group: str
    name: str
    degraded: int
    watched: int
    institutions: int
    exposure_eur: float
    chance: float


class SystemView(_View):
    """The supervisor's view now: how many deployments are watched and degraded, the exposure
    affected by provider, host and model, and the groups degrading together."""

    as_of: datetime
    watched: int
    degraded: int
    institutions: int
    exposure_eur: float
    affected_eur: float
    by_provider: tuple[Affected, ...]
    by_host: tuple[Affected, ...]
    by_model: tuple[Affected, ...]
    groups: tuple[GroupNow, ...]
    open_alerts: int
    open_systemic_alerts: int


class Point(_View):
    at: datetime
    value: float
    min: float
    max: float


class SeriesView(_View):
    deployment_id: str
    figure: str
    unit: str
    resolution: str
    start: datetime
    end: datetime
    points: tuple[Point, ...]


class AlertView(_View):
    """An alert as the reader may see it: a deployment's or a systemic one."""

    id: str
    kind: str
    raised_at: datetime
    cleared_at: datetime | None = None
    deployment_id: str | None = None
    figure: str | None = None
    group_by: str | None = None
    group: str | None = None
    group_name: str | None = None
    deployments: int | None = None
    exposure_eur: float | None = None
    chance: float | None = None
    incident_id: str | None = None


class EnrolmentView(_View):
    """A deployment's enrolment in force: its latest, which replaces any before it."""

    id: str
    deployment_id: str
    figures: tuple[str, ...]
    interval_seconds: int
    valid_until: date
    filed_at: datetime


class BoundView(_View):
    """A fixed bound every deployment's figure is held to, and where each end comes from (the
    packs' parameters, the thresholds filing); a rollout's gates narrow it for the licence
    holder's deployments and are read with the rollout."""

    figure: str
    unit: str
    min: float | None = None
    max: float | None = None
    sources: tuple[str, ...] = ()
