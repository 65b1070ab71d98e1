"""Actors and access: organisations, actors with roles, API tokens and permissions."""

from custos.access.model import ACTOR_ROLES, OPERATOR_ID, PUBLIC, Principal, Role
from custos.access.permissions import ROLE_PERMISSIONS, Permission, allows
from custos.access.service import LAST_USED_SECONDS, REFUSED, TOKEN_CACHE_SECONDS, AccessService, operator

__all__ = [
    "ACTOR_ROLES",
    "LAST_USED_SECONDS",
    "OPERATOR_ID",
    "PUBLIC",
    "REFUSED",
    "ROLE_PERMISSIONS",
    "TOKEN_CACHE_SECONDS",
    "AccessService",
    "Permission",
    "Principal",
    "Role",
    "allows",
    "operator",
]
