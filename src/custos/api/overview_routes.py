"""The overview: counts of the registry, obligations, licences and the log, and the latest stress
test, each shown only to viewers whose role may read what it counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from custos.access.model import Principal
from custos.access.permissions import Permission, allows
from custos.api.auth import require
from custos.risk import RiskService
from custos.risk.views import RunStatus
from custos.store import Store, ledger_sql
from custos.store import overview_views as ov

router = APIRouter(prefix="/v1", tags=["overview"])


@router.get("/overview")
def get_overview(
    request: Request, who: Annotated[Principal, Depends(require(Permission.REGISTRY_READ))]
) -> dict[str, Any]:
    """What the viewer may see at a glance: counts it may read, and nothing it may not."""
    return overview(request.app.state.store, who)


def overview(store: Store, who: Principal) -> dict[str, Any]:
    now = store.clock.now()
    own = None if who.sees_everything else (who.organisation_id or "")
    with store.read() as conn:
        latest = ledger_sql.latest_checkpoint(conn)
        data: dict[str, Any] = {
            "registry": ov.registry_counts(conn),
            "ledger": {
                "size": ledger_sql.tree_size(conn),
                "checkpoint_size": latest[1] if latest else None,
                "checkpoint": latest[2] if latest else None,
            },
        }
        if allows(who.role, Permission.OBLIGATIONS_READ):
            data["obligations"] = ov.obligation_counts(conn, now, now + timedelta(days=7), own)
        if allows(who.role, Permission.LICENCES_READ):
            data["licences"] = ov.licence_counts(conn, own)
    if allows(who.role, Permission.RISK_READ):
        done = [run for run in RiskService(store).runs() if run.state == "done"]
        data["stress_test"] = _headline(done[0]) if done else None
    return data


def _headline(run: RunStatus) -> dict[str, Any]:
    """A finished run's headline figures with the currency they are in, so no amount goes out bare."""
    figures = run.model_dump(mode="json", include={"id", "scenario", "finished_at", "draws", "headline"})
    return {**figures, "currency": run.network.currency}
