"""The overview: counts of the registry, obligations, licences and the log, and the latest stress test."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from custos.access import Permission, Principal
from custos.api.auth import require
from custos.dashboard.overview import overview

router = APIRouter(prefix="/v1", tags=["overview"])


@router.get("/overview")
def get_overview(
    request: Request, who: Annotated[Principal, Depends(require(Permission.REGISTRY_READ))]
) -> dict[str, Any]:
    """What the viewer may see at a glance: counts it may read, and nothing it may not."""
    return overview(request.app.state.store, who)
