"""Actors and access: organisations, actors with roles, API tokens and permissions.

The package's namespace holds the principals, roles and permissions (no store); the service
that registers actors and checks tokens is ``custos.access.service``.
"""

from custos.access.model import ACTOR_ROLES, OPERATOR_ID, PUBLIC, Principal, Role
from custos.access.permissions import ROLE_PERMISSIONS, Permission, allows

__all__ = [
    "ACTOR_ROLES",
    "OPERATOR_ID",
    "PUBLIC",
    "ROLE_PERMISSIONS",
    "Permission",
    "Principal",
    "Role",
    "allows",
]
