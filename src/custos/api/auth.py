"""Authentication (bearer tokens) and authorisation (one permission per route)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from custos.access.model import PUBLIC, Principal
from custos.access.permissions import Permission, allows
from custos.access.service import AccessService
from custos.core.errors import Forbidden, Unauthenticated

_bearer = HTTPBearer(auto_error=False, description="An API token issued with `custos actors token`.")


def access_service(request: Request) -> AccessService:
    service: AccessService = request.app.state.access
    return service


async def principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Who is asking. A token seen in the last few seconds is answered from memory, on the event
    loop; otherwise the database is asked from a worker thread."""
    if credentials is None and request.headers.get("Authorization"):
        raise Unauthenticated("the Authorization header must read 'Bearer <token>'")
    if credentials is None:
        return PUBLIC
    service = access_service(request)
    cached = service.cached(credentials.credentials)
    if cached is not None:
        return cached
    return await run_in_threadpool(service.authenticate, credentials.credentials)


def require(permission: Permission) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency that admits callers whose role holds ``permission``, and records it on the route."""

    # The permission is the route's security scope, so the OpenAPI document names it (api.openapi).
    # (a default, not an annotation: annotations are strings here, and cannot see ``permission``).
    async def check(who: Principal = Security(principal, scopes=[permission.value])) -> Principal:
        if not allows(who.role, permission):
            if who.is_public:
                raise Unauthenticated(f"sign in: {permission} is not open to the public")
            raise Forbidden(f"the {who.role} role does not hold {permission}")
        return who

    check.permission = permission  # type: ignore[attr-defined]
    return check
