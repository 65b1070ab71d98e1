"""Licence conditions kept or lapsed, and automatic suspension when a lapsed condition says so.

A condition naming an obligation lapses when that obligation, on the licensed model, is open
past its due date; one naming evidence lapses when no filing of that kind about the model or
the licence is on file. A lapse makes the licence non-compliant; if the condition was granted
with ``suspend_on_lapse``, the sweep suspends the licence, the filing saying which condition
lapsed and why.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from custos.access.model import Principal
from custos.core.clock import stored_utc
from custos.licensing.model import LicenceStep, Transition
from custos.licensing.service import LicensingService
from custos.licensing.views import ConditionCheck, LapsedCondition
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
        status, due_at = state if state is not None else (None, None)
        if status == "open" and due_at is not None and stored_utc(due_at) < now:
            due = stored_utc(due_at).date().isoformat()
            return f"obligation {condition['obligation']} is overdue since {due}"
    elif (
        condition.get("evidence")
        and fv.first_of_kind(conn, condition["evidence"], [licence["model_id"], licence["id"]]) is None
    ):
        return f"no {condition['evidence']} filing is on file"
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
