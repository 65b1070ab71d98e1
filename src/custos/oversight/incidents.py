"""Incidents as filings: a report about a model with its severity, its confirmation, its closing.

An incident is open from its ``incident.reported`` filing until an ``incident.closed`` filing
names it. The summary is confidential to the reporting organisation and supervisors; the model,
the severity and the dates are public.

Anyone who uses models may report an incident about any of them, but a report does not by
itself stop another firm's business: an open serious incident holds back a rollout only when it
was reported by the licence holder or the model's provider, by a supervisor, or when a
supervisor has confirmed a third party's report (``incident.confirmed``). Otherwise any
competitor could freeze a rival's rollout until a supervisor found time to close the report.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

from custos.access.filer import file_as
from custos.access.model import Principal, Role
from custos.core.clock import stored_utc
from custos.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from custos.filings import Filing, FilingKind, Visibility
from custos.oversight.definitions import classify
from custos.oversight.model import (
    INCIDENT_CLOSED,
    INCIDENT_CONFIRMED,
    INCIDENT_DISCLOSED,
    INCIDENT_PUBLISHED,
    INCIDENT_REPORTED,
    INCIDENT_UPDATED,
    IncidentDisclosed,
    IncidentPublished,
    IncidentReported,
    IncidentUpdated,
    ReporterRole,
    Severity,
    current_shape,
)
from custos.oversight.views import IncidentClock, IncidentList, IncidentReportView, IncidentView
from custos.store import Connection, Store
from custos.store import incident_views as iv
from custos.store import oversight_views as ov
from custos.store import policy_views as pv
from custos.store import registry_views as rv


def open_serious_incidents(conn: Connection, model_id: str, answerable: Collection[str]) -> list[str]:
    """The open serious incidents about the model that hold back a rollout.

    ``answerable`` are the organisations whose own reports count: the licence holder and the
    model's provider. Reports by supervisors, and reports a supervisor confirmed, count too.
    """
    incidents = ov.incidents_about(
        conn,
        model_id,
        reported=INCIDENT_REPORTED.name,
        confirmed=INCIDENT_CONFIRMED.name,
        closed=INCIDENT_CLOSED.name,
    )
    return [
        incident.id
        for incident in incidents
        if incident.severity == Severity.SERIOUS
        and not incident.closed
        and (incident.by_supervisor or incident.confirmed or incident.organisation in answerable)
    ]


def _status(conn: Connection, incident_id: str) -> str:
    """Where an incident stands: closed, confirmed by a supervisor, or open."""
    if ov.followed_by(conn, incident_id, INCIDENT_CLOSED.name):
        return "closed"
    return "confirmed" if ov.followed_by(conn, incident_id, INCIDENT_CONFIRMED.name) else "open"


#: How far ahead of this server's clock a reporter's clock may run: a report dated later is a
#: mistake (a wrong time zone, a typed year), and it would start reporting clocks in the future.
CLOCK_SKEW = timedelta(minutes=5)


class IncidentService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def report(self, report: IncidentReported, *, by: Principal) -> IncidentView:
        """File the initial report of an incident about registered models and their deployments
        (a provider, a deployer or a supervisor)."""
        if not (by.sees_everything or by.role in (Role.PROVIDER, Role.DEPLOYER)):
            raise Forbidden("incidents are reported by providers, deployers and supervisors")
        latest = self.store.clock.now() + CLOCK_SKEW
        for name, moment in (("occurred_at", report.occurred_at), ("discovered_at", report.discovered_at)):
            if moment is not None and moment > latest:
                raise InvalidInput(f"{name} {moment.isoformat()} is in the future: report what has happened")
        if report.reporter_role is None:
            role = ReporterRole.SUPERVISOR if by.sees_everything else ReporterRole(by.role.value)
            report = IncidentReported.model_validate(
                {**report.model_dump(exclude_unset=True), "reporter_role": role}
            )
        with self.store.transaction() as uow:
            models = _models(uow.conn, report)
            filing = file_as(
                by,
                INCIDENT_REPORTED,
                report,
                owner=by.organisation_id or models[report.model_ids[0]]["provider_id"],
                subject=report.model_ids[0],
                clock=self.store.clock,
            )
            uow.file(filing)
        return IncidentView.model_validate(
            {"id": filing.id, "status": "open", "reported_at": filing.filed_at, **filing.content}
        )

    def disclose(self, disclosure: IncidentDisclosed, *, by: Principal) -> IncidentView:
        """Record that the incident was disclosed to an authority outside the supervisor, by its
        reporter, the model's provider (whose duty the disclosure is) or a supervisor; it answers
        the 24-hour disclosure an imminent risk starts."""
        if disclosure.disclosed_at > self.store.clock.now() + CLOCK_SKEW:
            raise InvalidInput(f"disclosed_at {disclosure.disclosed_at.isoformat()} is in the future")
        with self.store.transaction() as uow:
            reported = self.store.filing(uow.conn, disclosure.incident_id)
            if reported is None or reported[0].kind != INCIDENT_REPORTED.name:
                raise NotFound(f"no incident {disclosure.incident_id!r}")
            incident = reported[0]
            occurred = datetime.fromisoformat(current_shape(incident.content)["occurred_at"])
            if disclosure.disclosed_at < occurred:
                raise InvalidInput(
                    f"disclosed_at {disclosure.disclosed_at.isoformat()} is before the incident occurred "
                    f"({occurred.isoformat()}): an incident is disclosed after it happens"
                )
            if not (by.sees_everything or by.organisation_id in iv.parties(uow.conn, incident.id)):
                raise Forbidden(
                    "an incident is disclosed by the organisation that reported it, or a provider or "
                    "deployer it concerns"
                )
            filing = file_as(
                by,
                INCIDENT_DISCLOSED,
                disclosure,
                owner=incident.organisation,
                subject=incident.subject,
                clock=self.store.clock,
                jurisdiction=incident.jurisdiction,
            )
            uow.file(filing)
            status = _status(uow.conn, disclosure.incident_id)
        return IncidentView.model_validate(
            {"id": disclosure.incident_id, "status": status, "disclosed_to": disclosure.authority}
            | {"disclosed_at": disclosure.disclosed_at}
        )

    def close(self, incident_id: str, reason: str, *, by: Principal) -> IncidentView:
        """Close an open incident, with the reason (supervisors)."""
        filing = self._follow(incident_id, INCIDENT_CLOSED, reason, by)
        return IncidentView.model_validate({"id": incident_id, "status": "closed", **filing.content})

    def confirm(self, incident_id: str, reason: str, *, by: Principal) -> IncidentView:
        """Confirm a third party's report after triage, so it holds back rollouts (supervisors)."""
        filing = self._follow(incident_id, INCIDENT_CONFIRMED, reason, by)
        return IncidentView.model_validate({"id": incident_id, "status": "confirmed", **filing.content})

    def _follow(self, incident_id: str, kind: FilingKind, reason: str, by: Principal) -> Filing:
        """File a supervisor's step on an open incident, once; the filing, whose content is the
        reason as recorded."""
        if not by.sees_everything:
            raise Forbidden("only supervisors confirm or close incidents")
        with self.store.transaction() as uow:
            organisation = ov.incident_reported(uow.conn, incident_id, INCIDENT_REPORTED.name)
            if organisation is None:
                raise NotFound(f"no incident {incident_id!r}")
            if closed := ov.followed_by(uow.conn, incident_id, INCIDENT_CLOSED.name):
                raise Conflict(f"incident {incident_id} is already closed ({closed})")
            if already := ov.followed_by(uow.conn, incident_id, kind.name):
                raise Conflict(f"incident {incident_id} is already {kind.name.split('.')[1]} ({already})")
            filing = file_as(
                by,
                kind,
                {"reason": reason},
                owner=organisation,
                subject=incident_id,
                clock=self.store.clock,
            )
            uow.file(filing)
        return filing

    def update(self, update: IncidentUpdated, *, by: Principal) -> IncidentReportView:
        """File a follow-up or final report on an incident (its reporter, a provider or deployer
        it concerns, or a supervisor); a final report answers the duties that ask for one."""
        with self.store.transaction() as uow:
            row = iv.incident(uow.conn, update.incident_id)
            if row is None or not _may_read(by, iv.parties(uow.conn, update.incident_id)):
                raise NotFound(f"no incident {update.incident_id!r}")
            if not (by.sees_everything or by.role in (Role.PROVIDER, Role.DEPLOYER)):
                raise Forbidden("incident reports are filed by providers, deployers and supervisors")
            if row["status"] == "closed" and update.stage == "follow_up":
                raise Conflict(f"incident {update.incident_id} is closed: only a final report may follow")
            filing = file_as(
                by,
                INCIDENT_UPDATED,
                update,
                owner=by.organisation_id or row["owner_id"],
                subject=update.incident_id,
                clock=self.store.clock,
                jurisdiction=row["jurisdiction"],
            )
            uow.file(filing)
        return IncidentReportView.model_validate(
            {"id": filing.id, "kind": filing.kind, "filed_at": filing.filed_at, **filing.content}
        )

    def publish(self, incident_id: str, publication: IncidentPublished, *, by: Principal) -> IncidentView:
        """Publish an incident with a public summary the supervisor writes (supervisors, once)."""
        if not by.sees_everything:
            raise Forbidden("only supervisors publish incidents")
        with self.store.transaction() as uow:
            row = iv.incident(uow.conn, incident_id)
            if row is None:
                raise NotFound(f"no incident {incident_id!r}")
            if row["published_at"] is not None:
                raise Conflict(f"incident {incident_id} is already published")
            uow.file(
                file_as(
                    by,
                    INCIDENT_PUBLISHED,
                    publication,
                    owner=row["owner_id"],
                    subject=incident_id,
                    clock=self.store.clock,
                    jurisdiction=row["jurisdiction"],
                )
            )
        return self.get(incident_id, by=by)

    def list(
        self, query: iv.IncidentQuery, *, by: Principal, limit: int = 100, offset: int = 0
    ) -> IncidentList:
        """The incidents ``by`` may see, newest report first: a supervisor every one; a firm those
        it reported or that concern its models or deployments, and the published ones; the
        public the published ones, as published."""
        with self.store.read() as conn:
            rows, total = iv.list_incidents(
                conn,
                query,
                organisation=by.organisation_id,
                everything=by.sees_everything,
                limit=limit,
                offset=offset,
            )
            concerned = (
                {row["id"]: iv.parties(conn, row["id"]) for row in rows} if not by.sees_everything else {}
            )
        return IncidentList(
            incidents=tuple(
                _render(
                    row, by, full=by.sees_everything or by.organisation_id in concerned.get(row["id"], set())
                )
                for row in rows
            ),
            total=total,
            limit=limit,
            offset=offset,
        )

    def get(self, incident_id: str, *, by: Principal) -> IncidentView:
        """An incident as ``by`` may see it; to those it concerns and supervisors, with the
        jurisdictions' classifications, every clock it started and the reports that followed.
        An incident ``by`` may not see is not found."""
        with self.store.read() as conn:
            row = iv.incident(conn, incident_id)
            parties = iv.parties(conn, incident_id) if row else set()
            if row is None or not (_may_read(by, parties) or row["published_at"] is not None):
                raise NotFound(f"no incident {incident_id!r}")
            if not _may_read(by, parties):
                return _render(row, by, full=False)
            content = json.loads(row["content"])
            classifications = classify(pv.active_packs(conn), content.get("facts") or [])
            started = iv.clocks_of(conn, incident_id)
            named = rv.names_of(conn, sorted({clock["subject_id"] for clock in started}))
            now = self.store.clock.now()
            clocks = tuple(_clock(clock, now, _name(named.get(clock["subject_id"]), by)) for clock in started)
            reports = tuple(_report(report, by) for report in iv.reports_of(conn, incident_id))
        return _render(row, by, full=True).model_copy(
            update={"classifications": classifications, "clocks": clocks, "reports": reports}
        )


def _models(conn: Connection, report: IncidentReported) -> dict[str, dict[str, Any]]:
    """The report's models, each registered, and a check that each deployment is one of them."""
    models = {}
    for model_id in report.model_ids:
        model = rv.model(conn, model_id)
        if model is None:
            raise NotFound(f"no model {model_id!r} in the registry")
        models[model_id] = model
    for deployment_id in report.deployment_ids:
        deployment = rv.deployment(conn, deployment_id)
        if deployment is None:
            raise NotFound(f"no deployment {deployment_id!r} in the registry")
        if deployment["model_id"] not in models:
            raise InvalidInput(
                f"deployment {deployment_id!r} is of model {deployment['model_id']!r}, which the report does "
                "not name among its models"
            )
    return models


def parties_of(conn: Connection, content: Mapping[str, Any]) -> set[str]:
    """The organisations a report concerns: the providers of its models, the deployers of its deployments."""
    found = set()
    for model_id in content.get("model_ids") or []:
        if model := rv.model(conn, model_id):
            found.add(model["provider_id"])
    for deployment_id in content.get("deployment_ids") or []:
        if deployment := rv.deployment(conn, deployment_id):
            found.add(deployment["deployer_id"])
    return found


def _may_read(by: Principal, parties: Collection[str]) -> bool:
    return by.sees_everything or (by.organisation_id is not None and by.organisation_id in parties)


#: What the public sees of a published incident: never the reporter's own account.
PUBLISHED_FIELDS = (
    "model_ids",
    "severity",
    "harm_types",
    "occurred_at",
    "discovered_at",
    "affected_jurisdictions",
)


def _render(row: Mapping[str, Any], by: Principal, *, full: bool) -> IncidentView:
    """An incident's row as ``by`` sees it: redacted by each field's visibility for those it
    concerns and supervisors (``full``), the published fields for everyone else."""
    content = json.loads(row["content"])
    when = {name: stored_utc(row[name]) for name in ("reported_at", "published_at") if row[name] is not None}
    published = {"public_summary": row["public_summary"]} if row["public_summary"] is not None else {}
    if full:
        shown, withheld = by.redact(content, json.loads(row["visibility"]), row["owner_id"])
        extra: dict[str, Any] = {"withheld": tuple(sorted(withheld))}
    else:
        shown, extra = {name: content[name] for name in PUBLISHED_FIELDS if name in content}, {}
    return IncidentView.model_validate(
        shown | when | published | extra | {"id": row["id"], "status": row["status"]}
    )


def _report(row: Mapping[str, Any], by: Principal) -> IncidentReportView:
    shown, withheld = by.redact(json.loads(row["content"]), json.loads(row["visibility"]), row["owner_id"])
    return IncidentReportView.model_validate(
        shown
        | {
            "id": row["id"],
            "kind": row["kind"],
            "filed_at": stored_utc(row["filed_at"]),
            "withheld": tuple(sorted(withheld)),
        }
    )


def _name(named: Mapping[str, Any] | None, by: Principal) -> str | None:
    """A registry name, when ``by`` may read it."""
    if named is None or not by.can_see(Visibility(named["visibility"]), named["owner"]):
        return None
    return str(named["name"])


def _clock(row: Mapping[str, Any], now: Any, subject_name: str | None) -> IncidentClock:
    """A duty the incident started, with where it stands: open or overdue, discharged on time or
    late (by the time of the discharge against the due time), waived, lapsed."""
    record = json.loads(row["record"])
    due = stored_utc(row["due_at"]) if row["due_at"] is not None else None
    status = row["status"]
    closed_at = stored_utc(row["updated_at"]) if status != "open" else None
    if status == "open":
        status = "overdue" if due is not None and due < now else "open"
    elif status == "discharged":
        status = (
            "discharged_late"
            if due is not None and closed_at is not None and closed_at > due
            else "discharged_on_time"
        )
    return IncidentClock(
        pack=row["pack"],
        jurisdiction=record["jurisdiction"],
        subject_id=row["subject_id"],
        subject_name=subject_name,
        title=record["title"],
        article=record["cite"]["article"],
        due_at=due,
        status=status,
        closed_at=closed_at,
    )


def project_reported(conn: Connection, filing: Filing) -> None:
    """The incidents view of a report, in whichever shape it was filed."""
    content = current_shape(filing.content)
    iv.reported(conn, filing, content, parties_of(conn, content))
