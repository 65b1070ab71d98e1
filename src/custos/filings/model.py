"""The filing envelope, its kinds and its per-field visibility."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue, ValidationError

from custos.core.canonical import canonical_json
from custos.core.clock import Clock
from custos.core.errors import InvalidInput
from custos.core.ids import new_id
from custos.core.jurisdictions import jurisdiction
from custos.filings.commitment import Disclosure, FilingView, field_digest, filing_digest

M = TypeVar("M", bound=BaseModel)

ENTRY_MEDIA_TYPE = "application/vnd.custos.ledger-entry.v1+json"


class Visibility(StrEnum):
    """Who may read a field: everyone, supervisors only, or the filing organisation and supervisors."""

    PUBLIC = "public"
    SUPERVISORS = "supervisors"
    OWNER = "owner"


def shown_to(visibility: Visibility) -> dict[str, JsonValue]:
    """A payload field's declaration of who may read it: ``Field(json_schema_extra=shown_to(...))``."""
    return {"visibility": visibility.value}


#: The declarations every payload model uses; a field without one is ``owner``.
PUBLIC_FIELD = shown_to(Visibility.PUBLIC)
SUPERVISORS_FIELD = shown_to(Visibility.SUPERVISORS)
OWNER_FIELD = shown_to(Visibility.OWNER)


def visibility_of(model: type[BaseModel], field: str) -> Visibility:
    """A payload field's declared visibility (``json_schema_extra={"visibility": ...}``), default owner."""
    extra = model.model_fields[field].json_schema_extra
    if isinstance(extra, dict) and "visibility" in extra:
        return Visibility(str(extra["visibility"]))
    return Visibility.OWNER


@dataclass(frozen=True)
class FilingKind:
    """A kind of filing: its name (``resource.event``), its payload model, and what it says."""

    name: str
    payload: type[BaseModel]
    description: str

    def validate(self, content: dict[str, Any]) -> dict[str, Any]:
        """Validate content against the payload model; return it in JSON form."""
        dumped: dict[str, Any] = parse(self.payload, content, f"{self.name} filing").model_dump(mode="json")
        return dumped


def parse(model: type[M], data: Any, what: str) -> M:
    """``data`` as ``model``, or InvalidInput naming every offending field (never a raw pydantic error)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_problem(error["loc"], error["msg"]) for error in exc.errors())
        raise InvalidInput(f"invalid {what}: {problems}") from exc


def _problem(location: tuple[int | str, ...], message: str) -> str:
    """One problem as a person reads it: the field, then what is wrong (a check of the whole
    payload names no field, and pydantic's "Value error, " says nothing)."""
    message = message.removeprefix("Value error, ")
    return f"{'.'.join(str(part) for part in location)}: {message}" if location else message


def sent(payload: BaseModel) -> dict[str, Any]:
    """What a validated payload says, in JSON form: the fields its author set, without the
    defaults a service would fill itself. This is what a service files for a payload model it
    was handed, so a body from the API, a file from the command line and a client's request
    of the same content make the same filing."""
    dumped: dict[str, Any] = payload.model_dump(mode="json", exclude_unset=True)
    return dumped


def _salt() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(16)).rstrip(b"=").decode()


class Filing(BaseModel):
    """An immutable filing. ``salts`` are secret: they are what keeps withheld fields unguessable."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    kind: str
    actor: str
    organisation: str
    jurisdiction: str
    subject: str
    filed_at: AwareDatetime
    supersedes: str | None = None
    content: dict[str, Any]
    visibility: dict[str, Visibility]
    salts: dict[str, str] = Field(repr=False)

    @classmethod
    def create(
        cls,
        *,
        kind: FilingKind,
        content: dict[str, Any],
        actor: str,
        organisation: str,
        jurisdiction_code: str,
        subject: str,
        clock: Clock,
        supersedes: str | None = None,
        visibility: dict[str, Visibility] | None = None,
        filing_id: str | None = None,
    ) -> Filing:
        """Validate ``content`` for ``kind`` and seal it as a new filing."""
        data = kind.validate(content)
        declared = {name: visibility_of(kind.payload, name) for name in data}
        for name in visibility or {}:
            if name not in data:
                raise InvalidInput(f"visibility given for {name!r}, which the {kind.name} filing lacks")
        declared.update(visibility or {})
        return cls(
            id=filing_id or new_id(clock),
            kind=kind.name,
            actor=actor,
            organisation=organisation,
            jurisdiction=jurisdiction(jurisdiction_code).code,
            subject=subject,
            filed_at=clock.now(),
            supersedes=supersedes,
            content=data,
            visibility=declared,
            salts={name: _salt() for name in data},
        )

    def envelope(self) -> dict[str, Any]:
        """The public part: what the ledger entry records besides the digest."""
        return {
            "v": 1,
            "id": self.id,
            "kind": self.kind,
            "jurisdiction": self.jurisdiction,
            "subject": self.subject,
            "actor": self.actor,
            "organisation": self.organisation,
            "filed_at": _timestamp(self.filed_at),
            "supersedes": self.supersedes,
        }

    @cached_property
    def _field_digests(self) -> dict[str, str]:
        return {
            name: field_digest(self.salts[name], name, value, self.visibility[name])
            for name, value in self.content.items()
        }

    def field_digests(self) -> dict[str, str]:
        """Each field's salted digest, computed once per filing (filings are immutable)."""
        return dict(self._field_digests)

    @cached_property
    def _digest(self) -> str:
        return filing_digest(self.envelope(), self._field_digests.values())

    def digest(self) -> str:
        return self._digest

    def ledger_entry(self) -> bytes:
        """The bytes appended to the log: envelope plus digest, canonical JSON."""
        return canonical_json({**self.envelope(), "digest": self.digest()})

    def view(self, can_see: Callable[[Visibility], bool]) -> FilingView:
        """The filing as shown to a viewer who may see the fields for which ``can_see`` holds."""
        digests = self.field_digests()
        disclosed = {
            name: Disclosure(value=value, salt=self.salts[name], visibility=self.visibility[name])
            for name, value in self.content.items()
            if can_see(self.visibility[name])
        }
        withheld = sorted(digest for name, digest in digests.items() if name not in disclosed)
        return FilingView(
            envelope=self.envelope(),
            disclosed=disclosed,
            withheld=withheld,
            digest=filing_digest(self.envelope(), digests.values()),
        )


def _timestamp(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")
