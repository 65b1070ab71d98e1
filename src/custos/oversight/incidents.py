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

from collections.abc import Collection
from datetime import timedelta

from custos.access.filer import file_as
from custos.access.model import Principal, Role
from custos.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from custos.filings import Filing, FilingKind
from custos.oversight.model import (
    INCIDENT_CLOSED,
    INCIDENT_CONFIRMED,
    INCIDENT_DISCLOSED,
    INCIDENT_REPORTED,
    IncidentDisclosed,
    IncidentReported,
    Severity,
)
from custos.oversight.views import IncidentView
from custos.store import Connection, Store
from custos.store import oversight_views as ov
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
        """File an incident about a registered model (a provider, a deployer or a supervisor)."""
        if not (by.sees_everything or by.role in (Role.PROVIDER, Role.DEPLOYER)):
            raise Forbidden("incidents are reported by providers, deployers and supervisors")
        latest = self.store.clock.now() + CLOCK_SKEW
        for name, moment in (("occurred_at", report.occurred_at), ("discovered_at", report.discovered_at)):
            if moment is not None and moment > latest:
                raise InvalidInput(f"{name} {moment.isoformat()} is in the future: report what has happened")
        with self.store.transaction() as uow:
            model = rv.model(uow.conn, report.model_id)
            if model is None:
                raise NotFound(f"no model {report.model_id!r} in the registry")
            if report.deployment_id is not None:
                deployment = rv.deployment(uow.conn, report.deployment_id)
                if deployment is None or deployment["model_id"] != report.model_id:
                    raise NotFound(f"no deployment {report.deployment_id!r} of model {report.model_id!r}")
            filing = file_as(
                by,
                INCIDENT_REPORTED,
                report,
                owner=by.organisation_id or model["provider_id"],
                subject=model["id"],
                clock=self.store.clock,
            )
            uow.file(filing)
        return IncidentView.model_validate({"id": filing.id, "status": "open", **filing.content})

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
            model = rv.model(uow.conn, incident.subject)
            answerable = {incident.organisation, model["provider_id"] if model else None}
            if not (by.sees_everything or by.organisation_id in answerable):
                raise Forbidden(
                    "an incident is disclosed by the organisation that reported it or the model's provider"
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
