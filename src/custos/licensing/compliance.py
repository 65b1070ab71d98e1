"""Licence conditions kept or lapsed, and automatic suspension when a lapsed condition says so.

A condition naming an obligation lapses when that obligation, on the licensed model (or, where
the model has none, on the licence holder: a merger remedy binds the firm), is open past its due
date; one naming evidence lapses when no filing of that kind about the model, the licence or its
holder holds it: none is on file, or each has expired (its ``valid_until`` has passed), is
older than the condition's freshness allows, was filed before a filing that renews the condition
(a deposit before the next model version), or says what it does not accept (an adverse audit
opinion). A lapse makes the licence non-compliant; if the condition was granted with
``suspend_on_lapse``, the sweep suspends the licence, the filing saying which condition lapsed
and why: so an adverse opinion on a condition that accepts only favourable ones is answered by
the response the licence was granted with. The server sweeps every minute.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from custos.access.model import Principal
from custos.core.clock import stored_utc
from custos.licensing.model import LicenceStep, Transition
from custos.licensing.service import LicensingService
from custos.licensing.views import ConditionCheck, LapsedCondition
from custos.policy.evidence import expired, unmet
from custos.store import Connection, Store
from custos.store import filing_views as fv
from custos.store import licensing_views as lv
from custos.store import policy_views as pv


def lapsed_conditions(conn: Connection, licence: dict[str, Any], now: datetime) -> list[LapsedCondition]:
    """The licence's conditions that have lapsed, each with the reason."""
    lapsed = []
    for condition in json.loads(licence["conditions"]):
        why = _lapse(conn, licence, condition, now)
        if why is not None:
            lapsed.append(LapsedCondition.model_validate({**condition, "why": why}))
    return lapsed


def _lapse(conn: Connection, licence: dict[str, Any], condition: dict[str, Any], now: datetime) -> str | None:
    """Why one condition (as granted) has lapsed, or None while it holds."""
    if condition.get("obligation"):
        state = pv.obligation_state(conn, condition["obligation"], licence["model_id"])
        if state is None:
            state = pv.obligation_state(conn, condition["obligation"], licence["applicant_id"])
        status, due_at = state if state is not None else (None, None)
        if status == "open" and due_at is not None and stored_utc(due_at) < now:
            due = stored_utc(due_at).date().isoformat()
            return f"obligation {condition['obligation']} is overdue since {due}"
        return None
    kind = condition["evidence"]
    found = fv.contents(conn, [licence["model_id"], licence["id"], licence["applicant_id"]], [kind])
    if not found:
        return f"no {kind} filing is on file"
    freshness = condition.get("freshness") or {}
    renewals = (
        fv.contents(conn, [licence["model_id"]], freshness["renewed_by"])
        if freshness.get("renewed_by")
        else []
    )
    if renewals:
        renewal = renewals[-1]
        found = [filed for filed in found if filed.id > renewal.id]
        if not found:
            return f"no {kind} is on file since {renewal.kind} {renewal.id} renewed the condition"
    reasons = [_stale(filed, freshness, now) for filed in found]
    if all(reasons):
        return f"the latest {kind} ({found[-1].id}) {reasons[-1]}"
    return None


def _stale(filed: fv.Filed, freshness: dict[str, Any], now: datetime) -> str | None:
    """Why one piece of evidence does not hold the condition now, or None when it does."""
    if (ended := expired(filed.content, now)) is not None:
        return f"expired on {ended.isoformat()}"
    if reason := unmet(filed.content, freshness.get("accept") or {}):
        return reason
    max_age = freshness.get("max_age_days")
    issued = filed.content.get("issued_at")
    issued_at = stored_utc(datetime.fromisoformat(issued)) if isinstance(issued, str) else filed.filed_at
    if max_age is not None and issued_at < now - timedelta(days=max_age):
        return f"was issued on {issued_at.date().isoformat()}, more than {max_age} days ago"
    return None


def sweep(store: Store, *, by: Principal) -> list[ConditionCheck]:
    """Check every granted licence; suspend those whose lapsed conditions say so."""
    now = store.clock.now()
    with store.read() as conn:
        found = [
            (licence, lapsed)
            for licence in lv.list_licences(
                conn, status="granted", model=None, applicant=None, limit=1_000_000, offset=0
            )
            if (lapsed := lapsed_conditions(conn, licence, now))
        ]
    report = []
    service = LicensingService(store)
    for licence, lapsed in found:
        suspending = [c for c in lapsed if c.suspend_on_lapse]
        if suspending:
            reason = "condition lapsed: " + "; ".join(f"{c.id}: {c.why}" for c in suspending)
            service.decide(
                licence["id"], Transition.SUSPEND, LicenceStep(reason=reason), by=by, automatic=True
            )
        report.append(
            ConditionCheck(licence_id=licence["id"], lapsed=tuple(lapsed), suspended=bool(suspending))
        )
    return report
