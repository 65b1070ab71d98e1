"""Authentication (bearer tokens) and authorisation (one permission per route)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from custos.access import AccessService, Permission, Principal, allows
from custos.core.errors import Forbidden, Unauthenticated

_bearer = HTTPBearer(auto_error=False, description="An API token issued with `custos actors token`.")


def access_service(request: Request) -> AccessService:
    service: AccessService = request.app.state.access
    return service


def principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None and request.headers.get("Authorization"):
        raise Unauthenticated("the Authorization header must read 'Bearer <token>'")
    return access_service(request).authenticate(credentials.credentials if credentials else None)


def require(permission: Permission) -> Callable[..., Principal]:
    """A dependency that admits callers whose role holds ``permission``, and records it on the route."""

    def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
        if not allows(who.role, permission):
            if who.is_public:
                raise Unauthenticated(f"sign in: {permission} is not open to the public")
            raise Forbidden(f"the {who.role} role does not hold {permission}")
        return who

    check.permission = permission  # type: ignore[attr-defined]
    return check
