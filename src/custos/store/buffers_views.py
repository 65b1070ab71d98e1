"""Projections and reads of buffers: capital declarations and insurance policies, what the latest
stress run asks of each firm, and the position that sets one against the other.

**The run.** Buffers are verified against the latest run *on the registry's deployments*: the
latest ``stress_test.completed`` that filed participations. A run on another network (the shipped
sample, a file's) files none, since none of its deployments is registered; it asks nothing of the
registry's firms, and taking it for the latest would read every firm's requirement as zero.

The position is arithmetic on what these queries read, kept here beside them because both the
buffers service (which writes it into each filing and shows it) and the packs' organisation
facts (which may import only the store) need the same rule, and one rule must judge both.

**The rule.** A firm's requirement is the sum of the ``capital`` of its deployments'
participations in the run (``stress_test.participated``), rounded up to the cent, in the run's
currency. What it holds is its latest capital declaration valid on the day in that currency,
plus the limit of each policy in force on the day, in that currency, that attaches at or below
that capital. The tower is stacked as the stress engine stacks it (``risk.engine.layering``:
capital takes the first loss, insurance pays above its attachment, the pool the rest): a policy
attaching above the capital leaves the gap between them to the firm itself, so it cannot stand in
for the capital the run asks for, and counts for nothing here. Nothing is converted: a
declaration or policy in another currency than the run's is not counted, with the reason, as the
registry's network counts no exposure declared in another currency.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_CEILING, Decimal
from typing import Any

from sqlalchemy import Connection, insert, select

from custos.core.clock import stored_utc
from custos.filings import Filing
from custos.store._tables import buffer_declarations, buffer_policies, deployments, filings

RUN_KIND = "stress_test.completed"
PART_KIND = "stress_test.participated"
CENT = Decimal("0.01")


# --- projections ---------------------------------------------------------------------------


def declared(conn: Connection, filing: Filing) -> None:
    content = filing.content
    conn.execute(
        insert(buffer_declarations),
        dict(
            id=filing.id,
            organisation_id=filing.subject,
            currency=content["currency"],
            amount=str(content["amount"]),
            as_of=date.fromisoformat(content["as_of"]),
            valid_until=date.fromisoformat(content["valid_until"]),
            verdict=content["verdict"],
            filed_at=filing.filed_at,
        ),
    )


def bound(conn: Connection, filing: Filing) -> None:
    content = filing.content
    conn.execute(
        insert(buffer_policies),
        dict(
            id=filing.id,
            insured_id=content["insured_id"],
            insurer_id=content["insurer_id"],
            currency=content["currency"],
            limit_amount=str(content["limit"]),
            attachment_point=str(content["attachment_point"]),
            term_start=date.fromisoformat(content["term_start"]),
            valid_until=date.fromisoformat(content["valid_until"]),
            verdict=content["verdict"],
            filed_at=filing.filed_at,
        ),
    )


# --- reads ---------------------------------------------------------------------------------


def _rows(conn: Connection, query: Any) -> list[dict[str, Any]]:
    return [
        {key: stored_utc(v) if isinstance(v, datetime) else v for key, v in row._mapping.items()}
        for row in conn.execute(query)
    ]


@dataclass(frozen=True)
class Run:
    """The latest stress run on the registry's deployments, as filed: what the buffers are
    verified against."""

    filing_id: str
    run_id: str
    scenario: str
    currency: str
    filed_at: datetime
    idx: int


@dataclass(frozen=True)
class Requirement:
    """What one run asks of one firm: its deployments' capital, summed, in the run's currency."""

    currency: str
    amount: Decimal
    deployment_ids: tuple[str, ...]


def latest_run(conn: Connection) -> Run | None:
    """The latest run that filed participations (see the module's note on the run). A run files
    its participations in its own batch, right after it, so the latest participation names it."""
    part = conn.execute(
        select(filings.c.document).where(filings.c.kind == PART_KIND).order_by(filings.c.idx.desc()).limit(1)
    ).scalar()
    if part is None:
        return None
    run_filing_id = json.loads(part)["content"]["run_filing_id"]
    row = conn.execute(
        select(filings.c.idx, filings.c.document).where(
            filings.c.id == run_filing_id, filings.c.kind == RUN_KIND
        )
    ).first()
    if row is None:
        return None
    document = json.loads(row.document)
    content = document["content"]
    filed_at = stored_utc(datetime.fromisoformat(document["filed_at"]))
    return Run(
        run_filing_id,
        content["run_id"],
        str(content["scenario"]),
        str(content["network"]["currency"]),
        filed_at,
        row.idx,
    )


def requirements(
    conn: Connection, run: Run, organisation_ids: Sequence[str] | None
) -> dict[str, Requirement]:
    """Each firm's requirement in the run (only of ``organisation_ids`` when given). A run files
    its participations in its own batch, so they follow it in the log."""
    query = select(filings.c.organisation, filings.c.subject, filings.c.document).where(
        filings.c.kind == PART_KIND, filings.c.idx > run.idx
    )
    if organisation_ids is not None:
        query = query.where(filings.c.organisation.in_(list(organisation_ids)))
    sums: dict[str, tuple[str, Decimal, list[str]]] = {}
    for organisation, subject, document in conn.execute(query.order_by(filings.c.idx)):
        content = json.loads(document)["content"]
        if content["run_filing_id"] != run.filing_id:
            continue
        currency, total, deployments = sums.get(organisation, (content["currency"], Decimal(0), []))
        deployments.append(subject)
        sums[organisation] = (currency, total + Decimal(str(content["capital"])), deployments)
    return {
        organisation: Requirement(currency, total.quantize(CENT, rounding=ROUND_CEILING), tuple(deployments))
        for organisation, (currency, total, deployments) in sums.items()
    }


def declaration_rows(
    conn: Connection, organisation_ids: Sequence[str] | None, *, filed_by: datetime | None = None
) -> list[dict[str, Any]]:
    """Capital declarations, newest first: all, or these organisations'; only those filed by
    ``filed_by`` when given."""
    query = select(buffer_declarations).order_by(
        buffer_declarations.c.filed_at.desc(), buffer_declarations.c.id.desc()
    )
    if organisation_ids is not None:
        query = query.where(buffer_declarations.c.organisation_id.in_(list(organisation_ids)))
    return [row for row in _rows(conn, query) if filed_by is None or row["filed_at"] <= filed_by]


def policy_rows(
    conn: Connection,
    organisation_ids: Sequence[str] | None,
    *,
    filed_by: datetime | None = None,
    insurers: bool = False,
) -> list[dict[str, Any]]:
    """Insurance policies, newest first: all, or those insuring these organisations (or, with
    ``insurers``, those they insure or underwrite); only those filed by ``filed_by`` when given."""
    query = select(buffer_policies).order_by(buffer_policies.c.filed_at.desc(), buffer_policies.c.id.desc())
    if organisation_ids is not None:
        ids = list(organisation_ids)
        where = buffer_policies.c.insured_id.in_(ids)
        query = query.where(where | buffer_policies.c.insurer_id.in_(ids) if insurers else where)
    return [row for row in _rows(conn, query) if filed_by is None or row["filed_at"] <= filed_by]


def policy_in_force(conn: Connection, insurer_id: str, reference: str, day: date) -> bool:
    """Whether ``insurer_id`` has a policy filed under ``reference`` whose term has not ended by
    ``day``: an insurer's reference names one policy, so a second one filed while the first runs
    would count the same cover twice."""
    query = (
        select(filings.c.document)
        .join(buffer_policies, filings.c.id == buffer_policies.c.id)
        .where(buffer_policies.c.insurer_id == insurer_id, buffer_policies.c.valid_until >= day)
    )
    return any(
        json.loads(document)["content"]["policy_reference"] == reference
        for document in conn.execute(query).scalars()
    )


def deployments_of(conn: Connection, organisation_id: str) -> list[str]:
    """The deployments an organisation deploys, in id order."""
    query = (
        select(deployments.c.id)
        .where(deployments.c.deployer_id == organisation_id)
        .order_by(deployments.c.id)
    )
    return list(conn.execute(query).scalars())


# --- the position --------------------------------------------------------------------------


@dataclass(frozen=True)
class Counted:
    """A declaration or policy as the position counts it: ``amount`` toward what is held, with
    the reason when it counts for nothing."""

    id: str
    amount: Decimal
    reason: str | None = None


@dataclass(frozen=True)
class Position:
    requirement: Decimal
    currency: str
    capital: Decimal
    insurance: Decimal
    declaration: Counted | None
    policies: tuple[Counted, ...]
    notes: tuple[str, ...]

    @property
    def held(self) -> Decimal:
        return self.capital + self.insurance

    @property
    def shortfall(self) -> Decimal:
        return max(self.requirement - self.held, Decimal(0))

    @property
    def sufficient(self) -> bool:
        return self.held >= self.requirement


def _valid(row: Mapping[str, Any], day: date, start: str) -> bool:
    return bool(row[start] <= day <= row["valid_until"])


def position(
    requirement: Decimal,
    currency: str,
    declarations: Iterable[Mapping[str, Any]],
    policies: Iterable[Mapping[str, Any]],
    day: date,
) -> Position:
    """What a firm holds against ``requirement`` on ``day`` (see the module's rule).
    ``declarations`` and ``policies`` are the firm's rows, newest first."""
    notes: list[str] = []
    declaration: Counted | None = None
    for row in declarations:
        if not _valid(row, day, "as_of"):
            continue
        if row["currency"] != currency:
            notes.append(
                f"declaration {row['id']} is in {row['currency']}, not the run's {currency}: not counted "
                "(no exchange rate is assumed)"
            )
            continue
        declaration = Counted(row["id"], Decimal(row["amount"]))
        break
    capital = declaration.amount if declaration else Decimal(0)
    counted = []
    for row in policies:
        if row["term_start"] > day:
            reason = (
                f"not yet in force on {day.isoformat()} (its term starts on {row['term_start'].isoformat()})"
            )
            counted.append(Counted(row["id"], Decimal(0), reason))
            continue
        if not _valid(row, day, "term_start"):
            continue
        limit, attachment = Decimal(row["limit_amount"]), Decimal(row["attachment_point"])
        if row["currency"] != currency:
            reason = f"in {row['currency']}, not the run's {currency} (no exchange rate is assumed)"
            counted.append(Counted(row["id"], Decimal(0), reason))
        elif attachment > capital:
            reason = (
                f"attaches at {attachment}, above the capital held ({capital}): the gap between them is "
                "the firm's own, so the policy cannot stand in for the capital"
            )
            counted.append(Counted(row["id"], Decimal(0), reason))
        else:
            counted.append(Counted(row["id"], limit))
    insurance = sum((c.amount for c in counted), Decimal(0))
    return Position(requirement, currency, capital, insurance, declaration, tuple(counted), tuple(notes))


def shortfalls_at_latest_run(conn: Connection, organisation_ids: Sequence[str] | None) -> dict[str, float]:
    """Each firm's shortfall when the latest run was filed, as the packs read it: what it held
    then (declarations and policies filed by then, valid on the run's day) against the run's
    requirement. Firms the run does not hold are left out (no shortfall)."""
    run = latest_run(conn)
    if run is None:
        return {}
    found = requirements(conn, run, organisation_ids)
    if not found:
        return {}
    ids = sorted(found)
    declarations: dict[str, list[dict[str, Any]]] = {}
    for row in declaration_rows(conn, ids, filed_by=run.filed_at):
        declarations.setdefault(row["organisation_id"], []).append(row)
    policies: dict[str, list[dict[str, Any]]] = {}
    for row in policy_rows(conn, ids, filed_by=run.filed_at):
        policies.setdefault(row["insured_id"], []).append(row)
    day = run.filed_at.date()
    return {
        organisation: float(
            position(
                need.amount,
                need.currency,
                declarations.get(organisation, []),
                policies.get(organisation, []),
                day,
            ).shortfall
        )
        for organisation, need in found.items()
    }
