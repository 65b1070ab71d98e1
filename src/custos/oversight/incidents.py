"""Incidents as filings: a report about a model with its severity, and its closing.

An incident is open from its ``incident.reported`` filing until an ``incident.closed`` filing
names it. An open serious incident holds back a rollout whose stage gates on it. The summary
is confidential to the reporting organisation and supervisors; the model, the severity and the
dates are public.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue
from sqlalchemy import Connection, select

from custos.access.model import OPERATOR_ID, Principal, Role
from custos.core.errors import Conflict, Forbidden, NotFound
from custos.filings import Filing, FilingKind, Visibility, register_kind
from custos.registry.service import filing_jurisdiction
from custos.store import Store
from custos.store import registry_views as rv
from custos.store.tables import filings

PUBLIC: dict[str, JsonValue] = {"visibility": Visibility.PUBLIC.value}


class Severity(StrEnum):
    SERIOUS = "serious"  # the sense of EU AI Act Art. 3(49): death, serious harm, disruption
    MAJOR = "major"
    MINOR = "minor"


class IncidentReported(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    model_id: str = Field(min_length=1, json_schema_extra=PUBLIC)
    severity: Severity = Field(json_schema_extra=PUBLIC)
    occurred_at: AwareDatetime = Field(json_schema_extra=PUBLIC)
    summary: str = Field(min_length=1, max_length=10_000)


class IncidentClosed(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=1, max_length=2000, json_schema_extra=PUBLIC)


INCIDENT_REPORTED = register_kind(
    FilingKind("incident.reported", IncidentReported, "An incident involving a model.")
)
INCIDENT_CLOSED = register_kind(FilingKind("incident.closed", IncidentClosed, "An incident is closed."))


def open_serious_incidents(conn: Connection, model_id: str) -> list[str]:
    """The ids of the serious incidents about the model that no closing filing names."""
    reported = conn.execute(
        select(filings.c.id, filings.c.document).where(
            filings.c.kind == INCIDENT_REPORTED.name, filings.c.subject == model_id
        )
    ).all()
    serious = [row.id for row in reported if json.loads(row.document)["content"]["severity"] == "serious"]
    if not serious:
        return []
    closed = set(
        conn.execute(
            select(filings.c.subject).where(
                filings.c.kind == INCIDENT_CLOSED.name, filings.c.subject.in_(serious)
            )
        ).scalars()
    )
    return [incident for incident in serious if incident not in closed]


class IncidentService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def report(self, content: dict[str, Any], *, by: Principal) -> dict[str, Any]:
        """File an incident about a registered model (a provider, a deployer or a supervisor)."""
        if not (by.sees_everything or by.role in (Role.PROVIDER, Role.DEPLOYER)):
            raise Forbidden("incidents are reported by providers, deployers and supervisors")
        payload = INCIDENT_REPORTED.validate(content)
        with self.store.transaction() as uow:
            model = rv.model(uow.conn, payload["model_id"])
            if model is None:
                raise NotFound(f"no model {payload['model_id']!r} in the registry")
            filing = Filing.create(
                kind=INCIDENT_REPORTED,
                content=payload,
                actor=by.actor_id or OPERATOR_ID,
                organisation=by.organisation_id or model["provider_id"],
                jurisdiction_code=filing_jurisdiction(by, None),
                subject=model["id"],
                clock=self.store.clock,
            )
            uow.file(filing)
        return {"id": filing.id, "status": "open", **payload}

    def close(self, incident_id: str, reason: str, *, by: Principal) -> dict[str, Any]:
        """Close an open incident, with the reason (supervisors)."""
        if not by.sees_everything:
            raise Forbidden("only supervisors close incidents")
        with self.store.transaction() as uow:
            row = uow.conn.execute(
                select(filings.c.organisation, filings.c.kind).where(filings.c.id == incident_id)
            ).first()
            if row is None or row.kind != INCIDENT_REPORTED.name:
                raise NotFound(f"no incident {incident_id!r}")
            already = uow.conn.execute(
                select(filings.c.id).where(
                    filings.c.kind == INCIDENT_CLOSED.name, filings.c.subject == incident_id
                )
            ).first()
            if already is not None:
                raise Conflict(f"incident {incident_id} is already closed ({already.id})")
            uow.file(
                Filing.create(
                    kind=INCIDENT_CLOSED,
                    content={"reason": reason},
                    actor=by.actor_id or OPERATOR_ID,
                    organisation=row.organisation,
                    jurisdiction_code=filing_jurisdiction(by, None),
                    subject=incident_id,
                    clock=self.store.clock,
                )
            )
        return {"id": incident_id, "status": "closed", "reason": reason}
