"""Actors and access: organisations, actors with roles, API tokens and permissions."""

from custos.access.model import ACTOR_ROLES, OPERATOR_ID, PUBLIC, Principal, Role
from custos.access.permissions import ROLE_PERMISSIONS, Permission, allows
from custos.access.service import AccessService, operator

__all__ = [
    "ACTOR_ROLES",
    "OPERATOR_ID",
    "PUBLIC",
    "ROLE_PERMISSIONS",
    "AccessService",
    "Permission",
    "Principal",
    "Role",
    "allows",
    "operator",
]
