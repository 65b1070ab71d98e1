"""Projections of accreditations, engagements and attestations, and their queries."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update

from custos.core.clock import stored_utc
from custos.filings import Filing
from custos.store._tables import (
    accreditations,
    attestations,
    deployments,
    engagements,
    filings,
    models,
    passports,
)

#: The status each step leaves an accreditation in.
STATUS = {
    "auditor.suspended": "suspended",
    "auditor.reinstated": "accredited",
    "auditor.withdrawn": "withdrawn",
}


def accredited(conn: Connection, filing: Filing) -> None:
    content = filing.content
    conn.execute(
        insert(accreditations),
        dict(
            id=filing.subject,
            organisation_id=content["organisation_id"],
            status="accredited",
            keys=json.dumps(content["keys"], sort_keys=True),
            scopes=json.dumps(content["scopes"]),
            valid_from=date.fromisoformat(content["valid_from"]),
            valid_until=date.fromisoformat(content["valid_until"]),
            accredited_at=filing.filed_at,
            updated_at=filing.filed_at,
            reason=None,
            filing_id=filing.id,
        ),
    )


def accreditation_step(conn: Connection, filing: Filing) -> None:
    conn.execute(
        update(accreditations)
        .where(accreditations.c.id == filing.subject)
        .values(
            status=STATUS[filing.kind],
            updated_at=filing.filed_at,
            reason=filing.content["reason"],
            filing_id=filing.id,
        )
    )


def engaged(conn: Connection, filing: Filing) -> None:
    content = filing.content
    conn.execute(
        insert(engagements),
        dict(
            id=filing.id,
            subject_id=content["subject_id"],
            owner_id=filing.organisation,
            auditor_id=content["auditor_id"],
            scope=content["scope"],
            finding_id=content.get("finding_id"),
            engaged_at=filing.filed_at,
            attestation_id=None,
        ),
    )


def attested(conn: Connection, filing: Filing) -> None:
    content = filing.content
    conn.execute(
        insert(attestations),
        dict(
            id=filing.id,
            subject_id=content["subject_id"],
            owner_id=filing.organisation,
            auditor_id=content["auditor_id"],
            accreditation_id=content["accreditation_id"],
            engagement_id=content["engagement_id"],
            scope=content["scope"],
            standard=content["standard"],
            opinion=content["opinion"],
            issued_at=datetime.fromisoformat(content["issued_at"]),
            valid_from=date.fromisoformat(content["valid_from"]),
            valid_until=date.fromisoformat(content["valid_until"]),
            finding_id=content.get("finding_id"),
            envelope_sha256=content["envelope_sha256"],
            filed_at=filing.filed_at,
        ),
    )
    conn.execute(
        update(engagements)
        .where(engagements.c.id == content["engagement_id"])
        .values(attestation_id=filing.id)
    )


def _rows(conn: Connection, query: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in conn.execute(query).mappings()]


def _accreditations() -> Any:
    """Accreditation rows with the filing that accredited each (``accredited_filing_id``; the
    row's own ``filing_id`` is its latest step) and that filing's document."""
    return select(
        accreditations,
        filings.c.id.label("accredited_filing_id"),
        filings.c.document.label("accredited_document"),
    ).join(
        filings,
        and_(filings.c.subject == accreditations.c.id, filings.c.kind == "auditor.accredited"),
    )


def _provenance(conn: Connection, query: Any) -> list[dict[str, Any]]:
    """The rows of an :func:`_accreditations` query, each with where it came from when it was
    taken over from a peer (``recognised_from``), in place of the accrediting document."""
    found = []
    for row in _rows(conn, query):
        content = json.loads(row.pop("accredited_document"))["content"]
        found.append({**row, "recognised_from": content.get("recognised_from")})
    return found


def accreditation(conn: Connection, accreditation_id: str) -> dict[str, Any] | None:
    rows = _provenance(conn, _accreditations().where(accreditations.c.id == accreditation_id))
    return rows[0] if rows else None


def accreditations_of(conn: Connection, organisation_id: str) -> list[dict[str, Any]]:
    return _provenance(
        conn,
        _accreditations()
        .where(accreditations.c.organisation_id == organisation_id)
        .order_by(accreditations.c.accredited_at),
    )


def list_accreditations(conn: Connection, *, status: str | None = None) -> list[dict[str, Any]]:
    query = _accreditations().order_by(accreditations.c.organisation_id, accreditations.c.accredited_at)
    if status:
        query = query.where(accreditations.c.status == status)
    return _provenance(conn, query)


def steps_of(
    conn: Connection, accreditation_ids: Sequence[str]
) -> dict[str, list[tuple[datetime, str, str]]]:
    """Each accreditation's suspensions, reinstatements and withdrawals as (filed at, kind,
    reason), in log order: what an attestation's signing time is checked against."""
    found: dict[str, list[tuple[datetime, str, str]]] = {}
    rows = conn.execute(
        select(filings.c.subject, filings.c.kind, filings.c.document)
        .where(filings.c.subject.in_(list(accreditation_ids)), filings.c.kind.in_(list(STATUS)))
        .order_by(filings.c.idx)
    )
    for subject, kind, document in rows:
        data = json.loads(document)
        found.setdefault(subject, []).append(
            (stored_utc(datetime.fromisoformat(data["filed_at"])), kind, data["content"]["reason"])
        )
    return found


def engagement(conn: Connection, engagement_id: str) -> dict[str, Any] | None:
    rows = _rows(conn, select(engagements).where(engagements.c.id == engagement_id))
    return rows[0] if rows else None


def list_engagements(
    conn: Connection,
    *,
    organisation: str | None = None,
    auditor: str | None = None,
    subject: str | None = None,
) -> list[dict[str, Any]]:
    query = select(engagements).order_by(engagements.c.engaged_at.desc(), engagements.c.id)
    for column, value in (
        (engagements.c.owner_id, organisation),
        (engagements.c.auditor_id, auditor),
        (engagements.c.subject_id, subject),
    ):
        if value:
            query = query.where(column == value)
    return _rows(conn, query)


def _attestations() -> Any:
    """Attestation rows with the standing of the accreditation each was signed under
    (``accreditation_status``): one withdrawn since makes it no longer current."""
    return select(attestations, accreditations.c.status.label("accreditation_status")).outerjoin(
        accreditations, accreditations.c.id == attestations.c.accreditation_id
    )


def attestation(conn: Connection, attestation_id: str) -> dict[str, Any] | None:
    rows = _rows(conn, _attestations().where(attestations.c.id == attestation_id))
    return rows[0] if rows else None


def attestation_by_envelope(conn: Connection, envelope_sha256: str) -> dict[str, Any] | None:
    rows = _rows(conn, _attestations().where(attestations.c.envelope_sha256 == envelope_sha256))
    return rows[0] if rows else None


def list_attestations(
    conn: Connection,
    *,
    subject: str | None = None,
    auditor: str | None = None,
    scope: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    query = _attestations().order_by(attestations.c.filed_at.desc(), attestations.c.id)
    for column, value in (
        (attestations.c.subject_id, subject),
        (attestations.c.auditor_id, auditor),
        (attestations.c.scope, scope),
    ):
        if value:
            query = query.where(column == value)
    return _rows(conn, query.limit(limit).offset(offset))


def filing_ids(conn: Connection, subject: str, kinds: Sequence[str]) -> list[str]:
    """The ids of the filings of these kinds about ``subject``, in log order."""
    rows = conn.execute(
        select(filings.c.id)
        .where(filings.c.subject == subject, filings.c.kind.in_(list(kinds)))
        .order_by(filings.c.idx)
    )
    return [str(row.id) for row in rows]


def filed_attestations(conn: Connection) -> list[tuple[str, str]]:
    """Every attestation filing's id and document, in log order: the record a re-verification
    reads, not the view (which holds no envelope)."""
    rows = conn.execute(
        select(filings.c.id, filings.c.document)
        .where(filings.c.kind == "audit.attested")
        .order_by(filings.c.idx)
    )
    return [(str(filing_id), str(document)) for filing_id, document in rows]


def engaged_subject_filings(conn: Connection) -> dict[str, tuple[str, list[str]]]:
    """For each subject of an engagement: whether it is a model or a deployment, and the
    documents of the filings an audit of it may name (a model's passports, a deployment's
    registration), in three queries whatever the number of engagements."""
    engaged = select(engagements.c.subject_id)
    found: dict[str, tuple[str, list[str]]] = {
        str(model_id): ("model", [])
        for model_id in conn.execute(select(models.c.id).where(models.c.id.in_(engaged))).scalars()
    }
    passport_rows = conn.execute(
        select(passports.c.model_id, filings.c.document)
        .join(filings, filings.c.id == passports.c.filing_id)
        .where(passports.c.model_id.in_(engaged))
    )
    for model_id, document in passport_rows:
        found[str(model_id)][1].append(str(document))
    deployment_rows = conn.execute(
        select(deployments.c.id, filings.c.document)
        .join(filings, filings.c.id == deployments.c.filing_id)
        .where(deployments.c.id.in_(engaged))
    )
    for deployment_id, document in deployment_rows:
        found.setdefault(str(deployment_id), ("deployment", [str(document)]))
    return found
