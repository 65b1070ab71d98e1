"""Applying for licences, deciding them, and every later change, enforcing the lifecycle.

The service takes the payload models the API, the command line and the client send
(:class:`LicenceApplication`, :class:`LicenceStep`) and answers with :class:`LicenceView`, the
API's own read model."""

from __future__ import annotations

import json
from calendar import monthrange
from datetime import date
from typing import Any

from custos.access.filer import file_as
from custos.access.model import Principal, Role
from custos.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from custos.core.ids import new_id
from custos.filings import parse, sent
from custos.licensing.model import (
    KINDS,
    LICENCE_APPLIED,
    LIFECYCLE,
    LicenceApplication,
    LicenceApplied,
    LicenceStatus,
    LicenceStep,
    Scope,
    Transition,
)
from custos.licensing.views import LicenceView
from custos.store import Store
from custos.store import licensing_views as lv
from custos.store import registry_views as rv


def add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, monthrange(year, month)[1]))


def render(row: dict[str, Any]) -> LicenceView:
    """A licence's view row as the read model."""
    return LicenceView.model_validate(
        {
            "id": row["id"],
            "applicant_id": row["applicant_id"],
            "model_id": row["model_id"],
            "status": row["status"],
            "scope": json.loads(row["scope"]),
            "conditions": json.loads(row["conditions"]),
            "term_months": row["term_months"],
            "valid_from": row["valid_from"].isoformat() if row["valid_from"] else None,
            "valid_until": row["valid_until"].isoformat() if row["valid_until"] else None,
            "reason": row["reason"],
            "filing_id": row["filing_id"],
        }
    )


class LicensingService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def apply(self, application: LicenceApplication, *, by: Principal) -> LicenceView:
        """A provider applies for its own model, a deployer for a model it deploys (for itself);
        a supervisor may file an application on anyone's behalf."""
        applicant = application.applicant_id or by.organisation_id or ""
        if not by.sees_everything and (
            by.role not in (Role.PROVIDER, Role.DEPLOYER) or by.organisation_id != applicant
        ):
            raise Forbidden("providers and deployers apply for licences for their own organisation")
        applied = parse(
            LicenceApplied, {**sent(application), "applicant_id": applicant}, "licence application"
        )
        with self.store.transaction() as uow:
            model = rv.model(uow.conn, applied.model_id)
            if model is None:
                raise NotFound(f"no model {applied.model_id!r}")
            if rv.organisation(uow.conn, id=applicant) is None:
                raise NotFound(f"no organisation {applicant!r}")
            if by.role is Role.PROVIDER and model["provider_id"] != applicant:
                raise Forbidden("a provider applies for licences for its own models")
            if by.role is Role.DEPLOYER and not rv.deploys(uow.conn, applicant, model["id"]):
                raise Forbidden(
                    "a deployer applies for licences for models it deploys: register the deployment first"
                )
            licence_id = new_id(self.store.clock)
            uow.file(
                file_as(
                    by, LICENCE_APPLIED, applied, owner=applicant, subject=licence_id, clock=self.store.clock
                )
            )
            row = lv.licence(uow.conn, licence_id)
        assert row is not None
        return render(row)

    def decide(
        self,
        licence_id: str,
        transition: Transition,
        step: LicenceStep,
        *,
        by: Principal,
        automatic: bool = False,
    ) -> LicenceView:
        """Grant, refuse, suspend, reinstate, vary, revoke or expire a licence, on ``step``'s terms."""
        if not by.sees_everything:
            raise Forbidden("only supervisors decide licences")
        with self.store.transaction() as uow:
            row = lv.licence(uow.conn, licence_id)
            if row is None:
                raise NotFound(f"no licence {licence_id!r}")
            status = LicenceStatus(row["status"])
            allowed = LIFECYCLE[status]
            if transition not in allowed:
                choices = ", ".join(t.value for t in allowed) or "none: the licence is closed"
                raise Conflict(
                    f"cannot {transition.value} a licence that is {status.value} (allowed: {choices})"
                )
            payload = self._payload(row, transition, step, automatic)
            if transition in (Transition.GRANT, Transition.VARY) and step.scope is not None:
                self._within(Scope.model_validate(json.loads(row["scope"])), step.scope)
            uow.file(
                file_as(
                    by,
                    KINDS[transition],
                    payload,
                    owner=row["applicant_id"],
                    subject=licence_id,
                    clock=self.store.clock,
                )
            )
            updated = lv.licence(uow.conn, licence_id)
        assert updated is not None
        return render(updated)

    def _payload(
        self, row: dict[str, Any], transition: Transition, step: LicenceStep, automatic: bool
    ) -> dict[str, Any]:
        """What the transition files: a grant's or a variation's terms, or the reason for any
        other step (whatever else the step holds, it does not take)."""
        if transition is Transition.GRANT:
            return self._grant_terms(row, step)
        if transition is Transition.VARY:
            return sent(step)
        return {"reason": step.reason, "automatic": automatic}

    def _grant_terms(self, row: dict[str, Any], step: LicenceStep) -> dict[str, Any]:
        """A grant's payload: the step's terms, valid from today for the term applied for unless
        the step says otherwise."""
        start = step.valid_from or self.store.clock.now().date()
        until = step.valid_until or add_months(start, int(row["term_months"]))
        return {**sent(step), "valid_from": start.isoformat(), "valid_until": until.isoformat()}

    @staticmethod
    def _within(applied: Scope, granted: Scope) -> None:
        """A licence is never granted or varied beyond what was applied for."""
        extra = set(granted.jurisdictions) - set(applied.jurisdictions)
        if extra:
            raise InvalidInput(f"the scope adds jurisdictions not applied for: {sorted(extra)}")
        if applied.sectors and (not granted.sectors or set(granted.sectors) - set(applied.sectors)):
            raise InvalidInput("the scope adds sectors not applied for")
        if applied.max_users and (granted.max_users is None or granted.max_users > applied.max_users):
            raise InvalidInput(f"the scope allows more users than the {applied.max_users} applied for")

    def show(self, who: Principal, licence_id: str) -> LicenceView:
        """A licence, to a supervisor or its holder; to anyone else it does not exist."""
        with self.store.read() as conn:
            row = lv.licence(conn, licence_id)
        if row is None or not (who.sees_everything or who.organisation_id == row["applicant_id"]):
            raise NotFound(f"no licence {licence_id!r}")
        return render(row)

    def list(
        self,
        who: Principal,
        *,
        status: str | None = None,
        model: str | None = None,
        applicant: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[LicenceView]:
        """Licences, filtered; a holder sees only its own, whatever ``applicant`` it names."""
        if not who.sees_everything:
            applicant = who.organisation_id or ""
        with self.store.read() as conn:
            rows = lv.list_licences(
                conn, status=status, model=model, applicant=applicant, limit=limit, offset=offset
            )
        return [render(r) for r in rows]


def check_requester(who: Principal, deployer: str) -> None:
    """A deployer (or provider) asks decisions for its own organisation only."""
    if not who.sees_everything and who.organisation_id != deployer:
        raise Forbidden("decisions are asked for your own organisation's deployments only")
