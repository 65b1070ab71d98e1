"""Organisations, actors, roles and the filings that register them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from custos.core.jurisdictions import jurisdiction_code
from custos.filings import PUBLIC_FIELD, SUPERVISORS_FIELD, FilingKind, Visibility


class Role(StrEnum):
    SUPERVISOR = "supervisor"
    PROVIDER = "provider"
    DEPLOYER = "deployer"
    AUDITOR = "auditor"
    CUSTODIAN = "custodian"
    PUBLIC = "public"


#: Roles an actor can be registered with; ``public`` is the anonymous visitor, never an actor.
ACTOR_ROLES = tuple(role for role in Role if role is not Role.PUBLIC)


class ActorRegistered(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=255, json_schema_extra=SUPERVISORS_FIELD)
    role: Role = Field(json_schema_extra=PUBLIC_FIELD)
    organisation_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    jurisdiction: str = Field(json_schema_extra=PUBLIC_FIELD)

    _check_jurisdiction = field_validator("jurisdiction")(jurisdiction_code)

    @field_validator("role")
    @classmethod
    def _not_public(cls, value: Role) -> Role:
        if value is Role.PUBLIC:
            raise ValueError("'public' is the anonymous visitor, not a role an actor can hold")
        return value


ACTOR_REGISTERED = FilingKind(
    "actor.registered", ActorRegistered, "A person or system is given a role for an organisation."
)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: an actor with a role, or the anonymous public.

    ``token_id`` names the API token the request came with, so the holder can revoke it.
    """

    actor_id: str | None
    name: str
    role: Role
    organisation_id: str | None
    jurisdiction: str | None
    token_id: str | None = None

    @property
    def is_public(self) -> bool:
        return self.role is Role.PUBLIC

    @property
    def sees_everything(self) -> bool:
        return self.role is Role.SUPERVISOR

    def can_see(self, visibility: Visibility, owner_organisation: str) -> bool:
        """Field-level visibility: public to all; supervisors see all; owners see their own."""
        if visibility is Visibility.PUBLIC or self.sees_everything:
            return True
        return visibility is Visibility.OWNER and self.organisation_id == owner_organisation

    def redact(
        self, content: Mapping[str, Any], visibility: Mapping[str, str], owner_organisation: str
    ) -> tuple[dict[str, Any], list[str]]:
        """The fields of ``content`` this principal may see, and the names of those withheld.

        A field without a recorded visibility is treated as ``owner``: never shown by mistake.
        """
        shown, withheld = {}, []
        for name, value in content.items():
            if self.can_see(Visibility(visibility.get(name, Visibility.OWNER)), owner_organisation):
                shown[name] = value
            else:
                withheld.append(name)
        return shown, withheld


PUBLIC = Principal(None, "public", Role.PUBLIC, None, None)

#: The local operator: whoever runs the CLI on the installation's own files.
OPERATOR_ID = "operator"


def system(actor_id: str, name: str) -> Principal:
    """A part of the installation that files by itself (the policy engine, the decision point).

    It acts with the authority's reach but for no organisation of its own, and names the
    jurisdiction of each filing it makes."""
    return Principal(actor_id, name, Role.SUPERVISOR, None, None)
