"""Planning, promoting, holding and rolling back phased rollouts; every move is a filing.

The service takes the plan and the figures as their payload models (:class:`RolloutPlanned`,
:class:`MetricsReported`) and answers with :class:`RolloutView`: where the rollout stands."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from custos.access.filer import file_as
from custos.access.model import Principal
from custos.core.clock import stored_utc
from custos.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from custos.filings import Filing, FilingKind
from custos.licensing.model import Scope
from custos.licensing.rollout import (
    ROLLOUT_HELD,
    ROLLOUT_METRICS,
    ROLLOUT_PLANNED,
    ROLLOUT_PROMOTED,
    ROLLOUT_ROLLED_BACK,
    Bounds,
    MetricsReported,
    RolloutPlanned,
    stage_since,
)
from custos.licensing.views import RolloutView
from custos.oversight.incidents import open_serious_incidents
from custos.registry.telemetry import BY_FIGURE, Figure
from custos.store import Connection, Store
from custos.store import filing_views as fv
from custos.store import licensing_views as lv
from custos.store import monitoring_views as mv
from custos.store import monitoring_world as mw
from custos.store import registry_views as rv


def _contradictions(plan: RolloutPlanned, scope: Scope) -> list[str]:
    """Where a plan's caps exceed the licence's scope."""
    found = []
    for index, stage in enumerate(plan.stages):
        if scope.max_users and (stage.max_users is None or stage.max_users > scope.max_users):
            found.append(f"stages.{index}.max_users: must be at most the licence's {scope.max_users}")
        sectors = (
            {str(s) for s in stage.sectors} - {str(s) for s in scope.sectors} if scope.sectors else set()
        )
        if sectors:
            found.append(f"stages.{index}.sectors: {sorted(sectors)} are outside the licence")
        classes = (
            set(stage.capability_classes) - set(scope.capability_classes)
            if scope.capability_classes
            else set()
        )
        if classes:
            found.append(f"stages.{index}.capability_classes: {sorted(classes)} are outside the licence")
    return found


def _telemetry(
    conn: Connection, licence: dict[str, Any], since: datetime
) -> dict[str, list[tuple[str, float, int]]]:
    """Each figure's mean over the stage per deployment of the licensed model by its holder, from
    the telemetry they send (the hourly rollups from the hour the stage began)."""
    deployment_ids = mw.deployments_of(conn, licence["applicant_id"], licence["model_id"])
    found: dict[str, list[tuple[str, float, int]]] = {}
    means = mv.means_since(conn, deployment_ids, int(since.timestamp()))
    for (deployment_id, figure), (mean, count) in sorted(means.items()):
        found.setdefault(BY_FIGURE[Figure(figure)].key, []).append((deployment_id, mean, count))
    return found


def _points(count: int) -> str:
    return f"{count:,} point" if count == 1 else f"{count:,} points"


def _metric_breaches(
    conn: Connection, licence: dict[str, Any], rollout: dict[str, Any], bounds: dict[str, Bounds]
) -> list[str]:
    """The bounded figures the stage lacks or holds out of bounds. A figure the licence holder's
    deployments send as telemetry is read from it, each deployment's mean over the stage against
    the bound; any other from the latest report filed in the stage."""
    telemetry = _telemetry(conn, licence, stored_utc(rollout["moved_at"]))
    latest = fv.latest_content(conn, licence["id"], ROLLOUT_METRICS.name, after=rollout["filing_id"])
    reported = latest["values"] if latest else {}
    breaches: list[str] = []
    for name, bound in bounds.items():
        if name in telemetry:
            breaches.extend(
                breach
                for deployment_id, mean, count in telemetry[name]
                if (breach := bound.breach(f"{name} of deployment {deployment_id} ({_points(count)})", mean))
            )
        elif name in reported:
            if (breach := bound.breach(name, reported[name])) is not None:
                breaches.append(breach)
        elif latest is None:
            breaches.append(f"no telemetry and no report in this stage gives {name}")
        else:
            breaches.append(f"the latest report has no figure for {name}")
    return breaches


class RolloutService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def plan(self, licence_id: str, plan: RolloutPlanned, *, by: Principal) -> RolloutView:
        """File a rollout plan for a licence (replacing any earlier plan, back at its first stage)."""
        with self.store.transaction() as uow:
            licence = lv.licence(uow.conn, licence_id)
            if licence is None:
                raise NotFound(f"no licence {licence_id!r}")
            if not (by.sees_everything or by.organisation_id == licence["applicant_id"]):
                raise Forbidden("only the licence holder or a supervisor plans its rollout")
            problems = _contradictions(plan, Scope.model_validate(json.loads(licence["scope"])))
            if problems:
                raise InvalidInput("the plan contradicts the licence: " + "; ".join(problems))
            uow.file(self._filing(ROLLOUT_PLANNED, plan, licence, by))
        return self.status(licence_id)

    def promote(self, licence_id: str, reason: str, *, by: Principal) -> RolloutView:
        """Move to the next stage once its gates pass; refuse with the gates that do not."""
        with self.store.transaction() as uow:
            licence, rollout, plan = self._current(uow.conn, licence_id, by)
            if rollout["stage"] + 1 >= len(plan.stages):
                raise Conflict("the rollout is at its last stage")
            unmet = self._unmet_gates(uow.conn, licence, rollout, plan)
            if unmet:
                raise Conflict("the stage's gates are not met: " + "; ".join(unmet))
            uow.file(
                self._filing(ROLLOUT_PROMOTED, {"stage": rollout["stage"] + 1, "reason": reason}, licence, by)
            )
        return self.status(licence_id)

    def rollback(self, licence_id: str, stage: int, reason: str, *, by: Principal) -> RolloutView:
        """Move back to an earlier stage (supervisors), with the reason."""
        with self.store.transaction() as uow:
            licence, rollout, _ = self._current(uow.conn, licence_id, by)
            if not 0 <= stage < rollout["stage"]:
                raise Conflict(f"a rollback goes to an earlier stage than {rollout['stage']}")
            uow.file(self._filing(ROLLOUT_ROLLED_BACK, {"stage": stage, "reason": reason}, licence, by))
        return self.status(licence_id)

    def report_metrics(self, licence_id: str, metrics: MetricsReported, *, by: Principal) -> RolloutView:
        """File monitoring figures for the current stage (the licence holder or a supervisor)."""
        with self.store.transaction() as uow:
            licence = lv.licence(uow.conn, licence_id)
            if licence is None or lv.rollout(uow.conn, licence_id) is None:
                raise NotFound(f"licence {licence_id!r} has no rollout plan")
            if not (by.sees_everything or by.organisation_id == licence["applicant_id"]):
                raise Forbidden("only the licence holder or a supervisor reports a rollout's figures")
            uow.file(self._filing(ROLLOUT_METRICS, metrics, licence, by))
        return self.status(licence_id)

    def hold(self, licence_id: str, reason: str, *, by: Principal) -> RolloutView:
        """Hold the rollout at its stage (supervisors): it is not promoted until moved again."""
        with self.store.transaction() as uow:
            licence, rollout, _ = self._current(uow.conn, licence_id, by)
            uow.file(self._filing(ROLLOUT_HELD, {"stage": rollout["stage"], "reason": reason}, licence, by))
        return self.status(licence_id)

    def status(self, licence_id: str) -> RolloutView:
        """Where the rollout stands, and the gates that keep it from its next stage."""
        with self.store.read() as conn:
            rollout = lv.rollout(conn, licence_id)
            if rollout is None:
                raise NotFound(f"licence {licence_id!r} has no rollout plan")
            licence = lv.licence(conn, licence_id)
            plan = RolloutPlanned.model_validate(json.loads(rollout["plan"]))
            unmet = self._unmet_gates(conn, licence, rollout, plan) if licence else []
        stage = plan.stages[rollout["stage"]]
        return RolloutView.model_validate(
            {
                "licence_id": licence_id,
                "status": rollout["status"],
                "stage": rollout["stage"],
                "stage_name": stage.name,
                "percentage": stage.percentage,
                "since": stored_utc(rollout["moved_at"]).isoformat(),
                "reason": rollout["reason"],
                "gates_unmet": unmet,
                "plan": plan.model_dump(mode="json"),  # every term, defaults too: they are the plan's
            }
        )

    def _current(
        self, conn: Any, licence_id: str, by: Principal
    ) -> tuple[dict[str, Any], dict[str, Any], RolloutPlanned]:
        if not by.sees_everything:
            raise Forbidden("only supervisors promote, hold or roll back a rollout")
        licence = lv.licence(conn, licence_id)
        rollout = lv.rollout(conn, licence_id)
        if licence is None or rollout is None:
            raise NotFound(f"licence {licence_id!r} has no rollout plan")
        return licence, rollout, RolloutPlanned.model_validate(json.loads(rollout["plan"]))

    def _unmet_gates(
        self, conn: Any, licence: dict[str, Any], rollout: dict[str, Any], plan: RolloutPlanned
    ) -> list[str]:
        gates = plan.stages[rollout["stage"]].gates
        unmet = []
        days = stage_since(stored_utc(rollout["moved_at"]), self.store.clock.now())
        if days < gates.min_days:
            unmet.append(f"{days:.1f} of {gates.min_days} days in the stage")
        if gates.no_serious_incident:
            unmet.extend(
                f"serious incident {incident} about the model is open"
                for incident in open_serious_incidents(conn, licence["model_id"], _answerable(conn, licence))
            )
        if gates.metrics:
            unmet.extend(_metric_breaches(conn, licence, rollout, gates.metrics))
        return unmet

    def _filing(
        self,
        kind: FilingKind,
        content: BaseModel | dict[str, Any],
        licence: dict[str, Any],
        by: Principal,
    ) -> Filing:
        return file_as(
            by, kind, content, owner=licence["applicant_id"], subject=licence["id"], clock=self.store.clock
        )


def _answerable(conn: Any, licence: dict[str, Any]) -> set[str]:
    """Whose own incident reports hold the licence's rollout back: its holder and the model's provider."""
    model = rv.model(conn, licence["model_id"])
    return {licence["applicant_id"], *([model["provider_id"]] if model else [])}
