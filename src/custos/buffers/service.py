"""Buffers: capital declarations and insurance policies as filings, each verified against the
latest stress run on the registry's deployments when filed (``buffers_views.latest_run``: a run on
another network asks nothing of the registry's firms), and each firm's position against that run.

Who sees what: a declaration's and a policy's figures are confidential to the firm that holds
them, the insurer of a policy and supervisors; so is a firm's position. Lists and positions are
for supervisors (every firm) and a firm (its own, and the policies it underwrites); the public
sees none of it here, only, from the log, that a declaration or policy was filed and its dates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from custos.access.filer import file_as
from custos.access.model import Principal, Role
from custos.buffers.model import (
    BUFFER_DECLARED,
    INSURANCE_BOUND,
    BufferDeclared,
    InsuranceBound,
    Verdict,
)
from custos.buffers.requests import DeclarationRequest, PolicyRequest
from custos.buffers.views import CountedView, DeclarationView, PolicyView, PositionsView, PositionView
from custos.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from custos.filings import Filing
from custos.store import Connection, Store, ledger_sql
from custos.store import buffers_views as bv
from custos.store import registry_views as rv

#: The longest a capital declaration holds: a figure of own funds is a snapshot of one day, and a
#: year is the cycle on which the packs' other yearly duties recur; a stale figure must not stand
#: in for capital indefinitely.
LONGEST_VALIDITY_YEARS = 1
FILERS = (Role.PROVIDER, Role.DEPLOYER)


def one_year_after(day: date) -> date:
    """The same day a year later (28 February after a 29 February)."""
    try:
        return day.replace(year=day.year + LONGEST_VALIDITY_YEARS)
    except ValueError:
        return day.replace(year=day.year + LONGEST_VALIDITY_YEARS, day=28)


def organisation_id(conn: Connection, reference: str) -> str:
    """An organisation named by id or by its exact registry name."""
    if rv.organisation(conn, id=reference) is not None:
        return reference
    found = rv.organisations_named(conn, [reference])
    if reference in found:
        return found[reference]
    raise NotFound(f"no organisation {reference!r} (give its id or its exact registry name)")


class BuffersService:
    def __init__(self, store: Store) -> None:
        self.store = store

    # Filing ------------------------------------------------------------------------------------

    def declare(self, request: DeclarationRequest, *, by: Principal) -> DeclarationView:
        """Declare the capital an organisation holds: its own, or a supervisor's filing for the
        organisation it names. Verified against the latest run before it is filed."""
        today = self.store.clock.now().date()
        if request.as_of > today:
            raise InvalidInput(
                f"as_of {request.as_of} is in the future: declare the capital held on a past day"
            )
        longest = one_year_after(request.as_of)
        valid_until = request.valid_until or longest
        if valid_until > longest:
            raise InvalidInput(
                f"valid_until {valid_until} is more than a year after as_of {request.as_of}: a capital "
                f"figure is a snapshot and holds at most until {longest}"
            )
        if valid_until < max(request.as_of, today):
            raise InvalidInput(f"valid_until {valid_until} has passed or falls before as_of")
        with self.store.transaction() as uow:
            organisation = self._filer_for(uow.conn, request.organisation_id, by, "declaration")
            covered = self._covered(uow.conn, organisation, request.deployment_ids)
            row = {
                "id": "this declaration",
                "currency": request.currency,
                "amount": str(request.amount),
                "as_of": request.as_of,
                "valid_until": valid_until,
            }
            declarations = [row, *bv.declaration_rows(uow.conn, [organisation])]
            verified = _verify(
                uow.conn, organisation, declarations, bv.policy_rows(uow.conn, [organisation]), today
            )
            payload = BufferDeclared(
                amount=request.amount,
                currency=request.currency,
                composition=request.composition,
                as_of=request.as_of,
                valid_until=valid_until,
                deployment_ids=covered,
                **verified,
            )
            filing = self._file(uow.conn, BUFFER_DECLARED, payload, organisation, by)
            uow.file(filing)
            return _declaration_view(filing, rv.organisation_names(uow.conn, [organisation]))

    def bind(self, request: PolicyRequest, *, by: Principal) -> PolicyView:
        """File a policy bound over the insured's deployments: by the insured, the insurer, or a
        supervisor. Verified against the latest run (with the policy counted) before it is filed."""
        today = self.store.clock.now().date()
        if request.term_end < today:
            raise InvalidInput(f"the policy's term ended on {request.term_end}")
        with self.store.transaction() as uow:
            insurer = organisation_id(uow.conn, request.insurer_id)
            if request.insured_id is not None:
                insured = organisation_id(uow.conn, request.insured_id)
            elif by.organisation_id is not None and not by.sees_everything:
                insured = by.organisation_id
            else:
                raise InvalidInput("name the insured organisation (--insured; insured_id in the API)")
            if insurer == insured:
                raise InvalidInput("a firm does not insure itself: declare what it holds as capital")
            if not by.sees_everything and (
                by.organisation_id not in (insured, insurer) or by.role not in FILERS
            ):
                raise Forbidden("a policy is filed by the insured, its insurer, or a supervisor")
            if bv.policy_in_force(uow.conn, insurer, request.policy_reference, today):
                raise Conflict(
                    f"the insurer's policy {request.policy_reference!r} is already filed and in force: "
                    "a reference names one policy, and its cover counts once"
                )
            covered = self._covered(uow.conn, insured, request.deployment_ids)
            row = {
                "id": "this policy",
                "currency": request.currency,
                "limit_amount": str(request.limit),
                "attachment_point": str(request.attachment_point),
                "term_start": request.term_start,
                "valid_until": request.term_end,
            }
            policies = [row, *bv.policy_rows(uow.conn, [insured])]
            verified = _verify(uow.conn, insured, bv.declaration_rows(uow.conn, [insured]), policies, today)
            payload = InsuranceBound(
                insurer_id=insurer,
                insured_id=insured,
                deployment_ids=covered,
                limit=request.limit,
                attachment_point=request.attachment_point,
                premium=request.premium,
                currency=request.currency,
                term_start=request.term_start,
                valid_until=request.term_end,
                policy_reference=request.policy_reference,
                **verified,
            )
            filing = self._file(uow.conn, INSURANCE_BOUND, payload, insured, by)
            uow.file(filing)
            return _policy_view(filing, rv.organisation_names(uow.conn, [insured, insurer]))

    def _filer_for(self, conn: Connection, named: str | None, by: Principal, what: str) -> str:
        if named is not None:
            organisation = organisation_id(conn, named)
        elif by.organisation_id is not None and not by.sees_everything:
            organisation = by.organisation_id
        else:
            raise InvalidInput(
                f"name the organisation the {what} is for (--organisation; organisation_id in the API)"
            )
        if not by.sees_everything and (by.organisation_id != organisation or by.role not in FILERS):
            raise Forbidden(f"a {what} is filed by the organisation it is for, or by a supervisor")
        return organisation

    def _covered(self, conn: Connection, organisation: str, named: Sequence[str] | None) -> tuple[str, ...]:
        """The deployments covered: those named, each the organisation's, or all of them."""
        own = bv.deployments_of(conn, organisation)
        if named is None:
            return tuple(own)
        others = sorted(set(named) - set(own))
        if others:
            raise InvalidInput(f"not deployments of {organisation}: {', '.join(others)}")
        return tuple(dict.fromkeys(named))

    def _file(self, conn: Connection, kind: Any, payload: Any, organisation: str, by: Principal) -> Filing:
        return file_as(
            by,
            kind,
            payload,
            owner=organisation,
            subject=organisation,
            clock=self.store.clock,
            fallback_jurisdiction=ledger_sql.authority(conn)[1],
        )

    # Reading -----------------------------------------------------------------------------------

    def declarations(self, *, by: Principal) -> list[DeclarationView]:
        """Declarations, newest first: all to supervisors, a firm its own, none to others."""
        if not by.sees_everything and by.organisation_id is None:
            return []
        with self.store.read() as conn:
            rows = bv.declaration_rows(conn, None if by.sees_everything else [by.organisation_id or ""])
            names = rv.organisation_names(conn)
            return [_declaration_view(self._filing(conn, row["id"]), names) for row in rows]

    def policies(self, *, by: Principal) -> list[PolicyView]:
        """Policies, newest first: all to supervisors, a firm those insuring or underwritten by it."""
        if not by.sees_everything and by.organisation_id is None:
            return []
        with self.store.read() as conn:
            mine = None if by.sees_everything else [by.organisation_id or ""]
            rows = bv.policy_rows(conn, mine, insurers=True)
            names = rv.organisation_names(conn)
            return [_policy_view(self._filing(conn, row["id"]), names) for row in rows]

    def positions(self, *, by: Principal, as_of: date | None = None) -> PositionsView:
        """Every firm of the latest run against what it holds on ``as_of`` (today): supervisors
        see all, a firm its own row (saying so when the run does not hold it)."""
        day = as_of or self.store.clock.now().date()
        with self.store.read() as conn:
            run = _run(conn)
            if by.sees_everything:
                firms = _positions(conn, run, None, day)
            elif by.organisation_id:
                firms = _positions(conn, run, [by.organisation_id], day, keep=True)
            else:
                firms = []
        firms.sort(key=lambda firm: (-firm.shortfall, firm.organisation))
        return PositionsView(
            as_of=day,
            run_id=run.run_id,
            run_filing_id=run.filing_id,
            run_scenario=run.scenario,
            run_filed_at=run.filed_at,
            firms=tuple(firms),
        )

    def position(self, reference: str, *, by: Principal, as_of: date | None = None) -> PositionView:
        """One firm's position (supervisors, or the firm itself); a firm the run does not hold
        is asked for nothing, shown with a zero requirement and a note naming the run."""
        day = as_of or self.store.clock.now().date()
        with self.store.read() as conn:
            try:
                organisation = organisation_id(conn, reference)
            except NotFound:
                organisation = None
            if organisation is None or not (by.sees_everything or by.organisation_id == organisation):
                raise NotFound(f"no organisation {reference!r} whose buffers you may see")
            run = _run(conn)
            found = _positions(conn, run, [organisation], day, keep=True)
        return found[0]

    def _filing(self, conn: Connection, filing_id: str) -> Filing:
        found = self.store.filing(conn, filing_id)
        if found is None:
            raise NotFound(f"no filing {filing_id!r}")
        return found[0]


def _run(conn: Connection) -> bv.Run:
    run = bv.latest_run(conn)
    if run is None:
        raise NotFound(
            "no stress run on the registry's deployments has been filed: there is nothing to verify "
            "buffers against (custos risk run, on the network registry)"
        )
    return run


def _verify(
    conn: Connection,
    organisation: str,
    declarations: Sequence[Mapping[str, Any]],
    policies: Sequence[Mapping[str, Any]],
    day: date,
) -> dict[str, Any]:
    """Custos's figures for a filing, against the latest run on the registry's deployments, on
    ``day``."""
    run = bv.latest_run(conn)
    need = bv.requirements(conn, run, [organisation]).get(organisation) if run else None
    if run is None or need is None:
        return {"verdict": Verdict.UNVERIFIED}
    found = bv.position(need.amount, need.currency, declarations, policies, day)
    return {
        "verified_run_id": run.run_id,
        "verified_run_filing_id": run.filing_id,
        "verified_currency": need.currency,
        "requirement": found.requirement,
        "held": found.held,
        "shortfall": found.shortfall,
        "verdict": Verdict.SUFFICIENT if found.sufficient else Verdict.SHORTFALL,
    }


def _positions(
    conn: Connection, run: bv.Run, organisations: Sequence[str] | None, day: date, *, keep: bool = False
) -> list[PositionView]:
    """The positions of the run's firms (of ``organisations`` when given; with ``keep``, those the
    run does not hold too, with nothing asked of them and a note saying so)."""
    needs = bv.requirements(conn, run, organisations)
    held_by_run = set(needs)
    if keep and organisations is not None:
        for organisation in organisations:
            needs.setdefault(organisation, bv.Requirement(run.currency, Decimal(0), ()))
    absent = (
        f"not in the latest run on the registry, {run.run_id} ({run.scenario}, filed "
        f"{run.filed_at:%Y-%m-%d}): it asks nothing of the firm",
    )
    ids = sorted(needs)
    declarations: dict[str, list[dict[str, Any]]] = {}
    for row in bv.declaration_rows(conn, ids):
        declarations.setdefault(row["organisation_id"], []).append(row)
    policies: dict[str, list[dict[str, Any]]] = {}
    for row in bv.policy_rows(conn, ids):
        policies.setdefault(row["insured_id"], []).append(row)
    names = rv.organisation_names(conn, ids)
    found = []
    for organisation, need in needs.items():
        held = bv.position(
            need.amount,
            need.currency,
            declarations.get(organisation, []),
            policies.get(organisation, []),
            day,
        )
        found.append(
            PositionView(
                organisation_id=organisation,
                organisation=names.get(organisation, organisation),
                run_id=run.run_id,
                run_scenario=run.scenario,
                run_filed_at=run.filed_at,
                in_run=organisation in held_by_run,
                deployments=len(need.deployment_ids),
                currency=need.currency,
                requirement=held.requirement,
                capital=held.capital,
                insurance=held.insurance,
                held=held.held,
                shortfall=held.shortfall,
                sufficient=held.sufficient,
                declaration_id=held.declaration.id if held.declaration else None,
                policies=tuple(
                    CountedView(id=c.id, counted=c.amount, reason=c.reason) for c in held.policies
                ),
                notes=held.notes if organisation in held_by_run else absent + held.notes,
            )
        )
    return found


def _declaration_view(filing: Filing, names: Mapping[str, str]) -> DeclarationView:
    return DeclarationView(
        id=filing.id,
        organisation_id=filing.subject,
        organisation=names.get(filing.subject, filing.subject),
        filed_at=filing.filed_at,
        **filing.content,
    )


def _policy_view(filing: Filing, names: Mapping[str, str]) -> PolicyView:
    content = filing.content
    return PolicyView(
        id=filing.id,
        insured=names.get(content["insured_id"], content["insured_id"]),
        insurer=names.get(content["insurer_id"], content["insurer_id"]),
        filed_at=filing.filed_at,
        **content,
    )
