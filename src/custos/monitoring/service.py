"""Continuous monitoring as a service: telemetry in, alerts filed, and the views read per viewer.

Who sees what: a firm reads its own deployments' series, panels and alerts; supervisors read
every firm's, the system view across them and the systemic alerts; the public reads only the
detector's thresholds and the daily summaries supervisors publish (each figure's spread across
deployments, never one firm's).
"""

from __future__ import annotations

import json
import math
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from pydantic import BaseModel

from custos.access.filer import file_as
from custos.access.model import OPERATOR_ID, Principal, Role
from custos.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from custos.filings import Filing, FilingKind
from custos.monitoring import otlp
from custos.monitoring.alerts import AlertFiler, utc
from custos.monitoring.correlation import euros
from custos.monitoring.decoding import Decoder
from custos.monitoring.ingest import FUTURE_SECONDS, authorised, batch, run_detection
from custos.monitoring.limits import Limits, current, settings
from custos.monitoring.model import (
    MONITOR_ENROLLED,
    MONITOR_SUMMARY_PUBLISHED,
    MONITOR_THRESHOLDS_SET,
    MONITORING_SUBJECT,
    Enrolled,
    SummaryPublished,
    Thresholds,
)
from custos.monitoring.state_cache import StateCache
from custos.monitoring.summary import summarise
from custos.monitoring.systemic import SystemicCheck, group_name
from custos.monitoring.views import (
    Affected,
    AlertView,
    BoundView,
    DeploymentNow,
    EnrolmentView,
    FigureNow,
    GroupNow,
    Ingested,
    Point,
    SeriesView,
    SystemView,
)
from custos.monitoring.world import Deployment, World
from custos.registry.telemetry import BY_FIGURE, BY_KEY, Figure
from custos.store import Store
from custos.store import filing_views as fv
from custos.store import monitoring_views as mv

#: How long the limits (packs, thresholds, rollout gates) answer requests before they are read again.
LIMITS_SECONDS = 5.0
FILERS = (Role.PROVIDER, Role.DEPLOYER)


def _seconds(moment: datetime) -> int:
    return int(moment.timestamp())


def _utc(moment: datetime) -> datetime:
    """A time as given, in UTC; one given without its zone is read as UTC, as every time here is."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class MonitoringService:
    def __init__(self, store: Store, decoder: Decoder | None = None) -> None:
        self.store = store
        self.decoder = decoder or Decoder()
        self.world = World(store)
        self._series: dict[str, np.ndarray] = {}
        self._states = StateCache()
        self._limits: tuple[float, Limits] | None = None
        self._lock = threading.Lock()

    # --- telemetry in ------------------------------------------------------------------------

    def ingest(self, body: bytes, content_type: str, *, by: Principal) -> tuple[bytes, Ingested]:
        """Store a request's points, run detection and file what it finds; the OTLP response
        (partial success naming what was refused) and what happened."""
        if by.role not in FILERS and not by.sees_everything:
            raise Forbidden("telemetry is sent by the deployer of each deployment")
        now = _seconds(self.store.clock.now())
        raw_seconds = self.store.settings.monitor_raw_days * 86_400
        decoded = self.decoder.decode(
            body, content_type, earliest=now - raw_seconds, latest=now + FUTURE_SECONDS
        )
        deployments = self.world.deployments(need=[r.deployment_id for r in decoded.resources])
        decoded, resources = authorised(decoded, deployments, by)
        accepted = sum(r.figures.size for r in resources)
        alerts: list[Filing] = []
        systemic: list[Filing] = []
        if resources:
            limits = self.limits(deployments)
            with self._lock:
                try:
                    with self.store.transaction() as uow:
                        self._states.claim(uow.conn)
                        points = batch(uow, resources, self._series)
                        mv.write_points(uow.conn, points.series, points.at, points.values, now=now)
                        mv.set_served(uow.conn, self._states.served_changes(_served(resources)))
                        filer = AlertFiler(deployments, limits, self.store.clock)
                        alerts = run_detection(uow, points, limits, filer, self._states)
                        if alerts:
                            systemic = self._systemic(deployments, limits).run(uow)
                except BaseException:
                    self._states.clear()  # it may hold states the rollback undid
                    raise
        outcome = Ingested(
            accepted=accepted,
            rejected=decoded.rejected,
            reasons=decoded.reasons,
            alerts=tuple(f.id for f in alerts),
            systemic_alerts=tuple(f.id for f in systemic if f.kind == "monitor.systemic_alert"),
        )
        return otlp.response(decoded, content_type), outcome

    def limits(self, deployments: Mapping[str, Deployment]) -> Limits:
        """The bounds and settings in force, read again when a few seconds old."""
        clock = self.store.clock.now().timestamp()
        held = self._limits
        if held is None or clock - held[0] > LIMITS_SECONDS:
            with self.store.read() as conn:
                rows = [
                    {"id": d.id, "deployer_id": d.deployer_id, "model_id": d.model_id}
                    for d in deployments.values()
                ]
                held = (clock, current(conn, rows))
            self._limits = held
        return held[1]

    def _systemic(self, deployments: Mapping[str, Deployment], limits: Limits) -> SystemicCheck:
        with self.store.read() as conn:
            intervals = {e["deployment_id"]: e["interval_seconds"] for e in mv.enrolments(conn)}
        return SystemicCheck(deployments, self.world.names(), limits.settings, intervals, self.store.clock)

    # --- filings -----------------------------------------------------------------------------

    def enrol(self, enrolment: Enrolled, *, by: Principal) -> EnrolmentView:
        """Enrol a deployment (its deployer): what it will send, how often, until when."""
        deployment = self.world.deployments(need=[enrolment.deployment_id]).get(enrolment.deployment_id)
        if deployment is None:
            raise NotFound(f"no deployment {enrolment.deployment_id!r}")
        if not by.sees_everything and by.organisation_id != deployment.deployer_id:
            raise Forbidden("only the deployment's deployer enrols it")
        today = self.store.clock.now().date()
        if not today <= enrolment.valid_until <= today + timedelta(days=366):
            raise InvalidInput(f"valid_until: {enrolment.valid_until} is not within a year of {today}")
        filing = file_as(
            by,
            MONITOR_ENROLLED,
            enrolment,
            owner=deployment.deployer_id,
            subject=deployment.id,
            clock=self.store.clock,
            fallback_jurisdiction=deployment.jurisdiction,
        )
        with self.store.transaction() as uow:
            uow.file(filing)
        return next(e for e in self.enrolments(by=by) if e.id == filing.id)

    def enrolments(self, *, by: Principal) -> list[EnrolmentView]:
        """The enrolments in force, each deployment's latest: a firm its own, supervisors all."""
        with self.store.read() as conn:
            rows = mv.enrolments(conn, organisation=None if by.sees_everything else by.organisation_id)
        latest: dict[str, EnrolmentView] = {}
        for row in rows:  # newest first
            latest.setdefault(
                row["deployment_id"],
                EnrolmentView.model_validate({**row, "figures": json.loads(row["figures"])}),
            )
        return list(latest.values())

    def set_thresholds(self, thresholds: Thresholds, *, by: Principal) -> Thresholds:
        """Change the detector's settings (supervisors): a filing, public like every threshold."""
        if not by.sees_everything:
            raise Forbidden("only supervisors set the monitoring thresholds")
        self._file_installation_wide(MONITOR_THRESHOLDS_SET, thresholds, by)
        self._limits = None
        return self.thresholds()

    def thresholds(self) -> Thresholds:
        with self.store.read() as conn:
            return settings(conn)

    def bounds(self) -> list[BoundView]:
        """The fixed bounds in force for every deployment, each end with its source."""
        with self.store.read() as conn:
            limits = current(conn, [])
        return [
            BoundView(
                figure=key,
                unit=BY_KEY[key].unit,
                min=None if math.isnan(bound.low) else bound.low,
                max=None if math.isnan(bound.high) else bound.high,
                sources=bound.sources,
            )
            for key, bound in sorted(limits.figures.items(), key=lambda item: BY_KEY[item[0]].figure)
        ]

    def publish_summary(self, day: date, *, by: Principal) -> SummaryPublished:
        """Publish a day's aggregates for the public (supervisors), once: a published figure is
        not replaced by another for the same day."""
        if not by.sees_everything:
            raise Forbidden("only supervisors publish monitoring summaries")
        if day >= self.store.clock.now().date():
            raise InvalidInput(f"day: {day} is not over yet; a summary is of a past day")
        if any(summary.day == day for summary in self.summaries()):
            raise Conflict(f"the summary of {day} is published already")
        start = _seconds(datetime(day.year, day.month, day.day, tzinfo=UTC))
        deployments = self.world.deployments()
        with self.store.read() as conn:
            summary = summarise(conn, day, start, deployments)
        if not summary.deployments:
            raise InvalidInput(f"day: no telemetry of {day} is kept; there is nothing to publish")
        self._file_installation_wide(MONITOR_SUMMARY_PUBLISHED, summary, by)
        return summary

    def _file_installation_wide(self, kind: FilingKind, content: BaseModel, by: Principal) -> None:
        """File a supervisor's filing about monitoring as a whole (the detector's settings, a
        published summary): its subject is monitoring itself, its owner the supervisor's."""
        filing = file_as(
            by, kind, content, owner=by.organisation_id or OPERATOR_ID, subject=MONITORING_SUBJECT,
            clock=self.store.clock,
        )  # fmt: skip
        with self.store.transaction() as uow:
            uow.file(filing)

    def summaries(self) -> list[SummaryPublished]:
        """The published summaries, the latest day first."""
        with self.store.read() as conn:
            found = fv.contents(conn, [MONITORING_SUBJECT], [MONITOR_SUMMARY_PUBLISHED.name])
        published = [SummaryPublished.model_validate(f.content) for f in found]
        return sorted(published, key=lambda summary: summary.day, reverse=True)

    def prune(self) -> dict[str, int]:
        """Drop raw points and hourly rollups past their retention."""
        settings_ = self.store.settings
        with self.store.transaction() as uow:
            return mv.prune(
                uow.conn,
                _seconds(self.store.clock.now()),
                settings_.monitor_raw_days * 86_400,
                settings_.monitor_hourly_days * 86_400,
            )

    # --- reads -------------------------------------------------------------------------------

    def _visible(self, by: Principal) -> dict[str, Deployment]:
        if by.is_public:
            raise Forbidden(
                "series and alerts are for the deployer and supervisors; the public reads summaries"
            )
        deployments = self.world.deployments()
        if by.sees_everything:
            return deployments
        return {k: d for k, d in deployments.items() if d.deployer_id == by.organisation_id}

    def flush(self) -> None:
        """Save the detector states held in memory, so that readers (here or in another process)
        see every point taken so far."""
        if not self._states.dirty:
            return
        with self._lock, self.store.transaction() as uow:
            self._states.claim(uow.conn)  # another process wrote since: its states are the record
            self._states.save(uow.conn)

    def close(self) -> None:
        """Save what is held in memory and stop the decoding workers."""
        self.flush()
        self.decoder.close()

    def deployments(self, *, by: Principal) -> list[DeploymentNow]:
        """Every watched deployment the viewer may see, as its figures stand."""
        visible = self._visible(by)
        self.flush()
        with self.store.read() as conn:
            states = mv.states_of(conn, sorted(visible))
            served = mv.served(conn, sorted(visible))
        return _panels(visible, states, served)

    def system(self, *, by: Principal) -> SystemView:
        """The system view: exposure affected now by provider, host and model, and the groups
        degrading together (supervisors see every firm; a firm sees its own deployments)."""
        visible = self._visible(by)
        names = self.world.names()
        check = self._systemic(visible, self.limits(self.world.deployments())) if by.sees_everything else None
        self.flush()
        with self.store.read() as conn:
            states = mv.states_of(conn, sorted(visible))
            panels = _panels(visible, states, mv.served(conn, sorted(visible)))
            open_alerts = mv.alerts(
                conn, organisation=None if by.sees_everything else by.organisation_id, open_only=True
            )
            found = check.now(conn, states) if check else []
        groups = [
            GroupNow(
                group_by=group.group_by,
                group=group.key,
                name=group_name(group.group_by, group.key, visible, names),
                degraded=len(group.onsets),
                watched=group.watched,
                institutions=group.institutions,
                exposure_eur=group.exposure_eur,
                chance=group.chance,
            )
            for group in found
        ]
        watched_panels = [p for p in panels if p.figures]
        degraded = [p for p in watched_panels if p.degraded]
        return SystemView(
            as_of=self.store.clock.now(),
            watched=len(watched_panels),
            degraded=len(degraded),
            institutions=len({p.deployer_id for p in watched_panels}),
            exposure_eur=euros(p.exposure_eur for p in watched_panels),
            affected_eur=euros(p.exposure_eur for p in degraded),
            by_provider=_affected(watched_panels, lambda p: visible[p.deployment_id].provider_id, names),
            by_host=_affected(watched_panels, lambda p: p.host_id, names),
            by_model=_affected(
                watched_panels, lambda p: p.model_id, {p.model_id: p.model_name for p in panels}
            ),
            groups=tuple(groups),
            open_alerts=sum(1 for a in open_alerts if a["kind"] == "alert"),
            open_systemic_alerts=sum(1 for a in open_alerts if a["kind"] == "systemic"),
        )

    def series(
        self, deployment_id: str, figure: str, *, start: datetime | None, end: datetime | None, by: Principal
    ) -> SeriesView:
        """One figure of one deployment over a span (the last day when none is given), at the
        finest resolution that keeps the answer small."""
        if deployment_id not in self._visible(by):
            raise NotFound(f"no deployment {deployment_id!r} among those you may read")
        metric = BY_KEY.get(figure)
        if metric is None:
            raise InvalidInput(f"figure: {figure!r} is not one of {', '.join(BY_KEY)}")
        end = _utc(end) if end else self.store.clock.now()
        start = _utc(start) if start else end - timedelta(days=1)
        if start >= end:
            raise InvalidInput(f"start {start.isoformat()} is not before end {end.isoformat()}")
        with self.store.read() as conn:
            resolution, rows = mv.series_points(
                conn, deployment_id, int(metric.figure), _seconds(start), _seconds(end)
            )
        return SeriesView(
            deployment_id=deployment_id,
            figure=metric.key,
            unit=metric.unit,
            resolution=resolution,
            start=start,
            end=end,
            points=tuple(Point(at=utc(at), value=v, min=lo, max=hi) for at, v, lo, hi in rows),
        )

    def alerts(
        self, *, by: Principal, open_only: bool = False, kind: str | None = None, limit: int = 200
    ) -> list[AlertView]:
        """Alerts newest first, of one kind or both: a firm's own deployments' alerts; supervisors
        every alert and the systemic ones."""
        if by.is_public:
            raise Forbidden("alerts are for the deployer and supervisors; the public reads summaries")
        with self.store.read() as conn:
            rows = mv.alerts(
                conn,
                organisation=None if by.sees_everything else by.organisation_id,
                kind=kind if by.sees_everything else "alert",
                open_only=open_only,
                limit=limit,
            )
        return [
            AlertView(
                id=row["id"],
                kind=row["kind"],
                raised_at=row["raised_at"],
                cleared_at=row["cleared_at"],
                deployment_id=row["deployment_id"],
                figure=row["figure"],
                group_by=row["group_by"],
                group=row["group_key"],
                group_name=row["group_name"],
                deployments=row["deployments"],
                exposure_eur=row["exposure_eur"],
                chance=row["chance"],
                incident_id=row["incident_id"],
            )
            for row in rows
        ]


def _served(resources: Sequence[otlp.ResourcePoints]) -> list[tuple[str, str | None, str | None, int]]:
    """What each resource says it serves, as of its latest point."""
    return [(r.deployment_id, r.model_id, r.model_version, int(r.at.max())) for r in resources if r.model_id]


def _panels(
    visible: Mapping[str, Deployment],
    states: Sequence[Mapping[str, Any]],
    served: Mapping[str, tuple[Any, ...]],
) -> list[DeploymentNow]:
    by_deployment: dict[str, list[Mapping[str, Any]]] = {}
    for state in states:
        by_deployment.setdefault(state["deployment_id"], []).append(state)
    panels = []
    for deployment_id, rows in sorted(by_deployment.items()):
        deployment = visible.get(deployment_id)
        if deployment is None:
            continue
        figures = []
        for row in sorted(rows, key=lambda r: r["figure"]):
            metric = BY_FIGURE[Figure(row["figure"])]
            value = row["last_value"]
            figures.append(
                FigureNow(
                    figure=metric.key,
                    unit=metric.unit,
                    value=None if value is None or np.isnan(value) else float(value),
                    at=utc(int(row["last_at"])) if row["last_at"] else None,
                    baseline=float(row["mean"]) if row["n"] else None,
                    degraded=bool(row["degraded"]),
                    since=utc(int(row["since"])) if row["degraded"] and row["since"] else None,
                )
            )
        panels.append(
            DeploymentNow(
                deployment_id=deployment_id,
                name=deployment.name,
                deployer_id=deployment.deployer_id,
                deployer_name=deployment.deployer_name,
                model_id=deployment.model_id,
                model_name=deployment.model_name,
                model_version=served.get(deployment_id, (None, None, 0))[1],
                host_id=deployment.host_id,
                sector=deployment.sector,
                exposure_eur=deployment.exposure_eur,
                degraded=any(f.degraded for f in figures),
                figures=tuple(figures),
            )
        )
    return panels


def _affected(panels: Sequence[DeploymentNow], key: Any, names: Mapping[str, str]) -> tuple[Affected, ...]:
    """Exposure watched and affected now under each value of ``key`` (largest affected first)."""
    counted: Counter[str] = Counter()
    degraded: Counter[str] = Counter()
    exposure: dict[str, float] = {}
    affected: dict[str, float] = {}
    for panel in panels:
        group = key(panel)
        if group is None:
            continue
        counted[group] += 1
        exposure[group] = euros((exposure.get(group, 0.0), panel.exposure_eur))
        if panel.degraded:
            degraded[group] += 1
            affected[group] = euros((affected.get(group, 0.0), panel.exposure_eur))
    found = [
        Affected(
            id=group,
            name=names.get(group, group),
            deployments=counted[group],
            degraded=degraded[group],
            exposure_eur=exposure[group],
            affected_eur=affected.get(group, 0.0),
        )
        for group in counted
    ]
    return tuple(sorted(found, key=lambda a: (-a.affected_eur, -a.degraded, -a.exposure_eur, a.name)))
