"""Licences: applications, decisions and every later change, each a filing.

A licence is for one model, applied for by its provider or by a deployer, with a scope
(jurisdictions, sectors, capability classes, a maximum user population) and a term. A
supervisor grants it with conditions or refuses it with reasons; later it may be suspended,
reinstated, varied, revoked, or it expires. The lifecycle is a state machine: a transition it
does not allow is refused with the reason.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from custos.core.jurisdictions import jurisdiction_code
from custos.filings import PUBLIC_FIELD, FilingKind
from custos.registry.model import Sector


class LicenceStatus(StrEnum):
    APPLIED = "applied"
    GRANTED = "granted"
    REFUSED = "refused"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"


class Transition(StrEnum):
    GRANT = "grant"
    REFUSE = "refuse"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    VARY = "vary"
    REVOKE = "revoke"
    EXPIRE = "expire"


#: The lifecycle: from each state, the transitions allowed and the state they lead to.
LIFECYCLE: dict[LicenceStatus, dict[Transition, LicenceStatus]] = {
    LicenceStatus.APPLIED: {
        Transition.GRANT: LicenceStatus.GRANTED,
        Transition.REFUSE: LicenceStatus.REFUSED,
    },
    LicenceStatus.GRANTED: {
        Transition.SUSPEND: LicenceStatus.SUSPENDED,
        Transition.VARY: LicenceStatus.GRANTED,
        Transition.REVOKE: LicenceStatus.REVOKED,
        Transition.EXPIRE: LicenceStatus.EXPIRED,
    },
    LicenceStatus.SUSPENDED: {
        Transition.REINSTATE: LicenceStatus.GRANTED,
        Transition.REVOKE: LicenceStatus.REVOKED,
        Transition.EXPIRE: LicenceStatus.EXPIRED,
    },
    LicenceStatus.REFUSED: {},
    LicenceStatus.REVOKED: {},
    LicenceStatus.EXPIRED: {},
}


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Scope(_Payload):
    jurisdictions: tuple[str, ...] = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    sectors: tuple[Sector, ...] = Field(
        (), description="Empty: every sector.", json_schema_extra=PUBLIC_FIELD
    )
    capability_classes: tuple[str, ...] = Field(
        (), description="Empty: every class.", json_schema_extra=PUBLIC_FIELD
    )
    max_users: int | None = Field(None, ge=1, json_schema_extra=PUBLIC_FIELD)

    @field_validator("jurisdictions")
    @classmethod
    def _codes(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(jurisdiction_code(v) for v in values))


class Freshness(_Payload):
    """How recent and how favourable evidence must be for a condition to hold (e.g. an audit
    attestation at most 12 months old whose opinion is not adverse). Evidence whose own
    validity (``valid_until``) has ended never holds a condition, freshness or not."""

    max_age_days: int | None = Field(
        None,
        ge=1,
        le=3660,
        description="The evidence was issued (its issued_at, or else when it was filed) at most this "
        "many days ago.",
    )
    accept: dict[str, tuple[str, ...]] = Field(
        {},
        description="Values the evidence's content must have, field by field, one of those listed "
        "(e.g. opinion: [pass, qualified]; scope: [custos-systemic-risk-audit]).",
    )
    renewed_by: tuple[str, ...] = Field(
        (),
        description="Filing kinds about the licensed model after which earlier evidence no longer "
        "holds (e.g. passport.filed: an escrow deposit holds until the next model version).",
    )


class Condition(_Payload):
    """Something the licence holder must keep true: an obligation discharged by its due date,
    or evidence on file (a passed stress test, an audit attestation, insurance or capital),
    fresh enough when the condition says how fresh."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str = Field(min_length=1)
    obligation: str | None = Field(None, description="pack/rule/obligation key that must not be overdue.")
    evidence: str | None = Field(None, description="A filing kind about the subject that must be on file.")
    freshness: Freshness | None = Field(None, description="How recent and favourable the evidence must be.")
    suspend_on_lapse: bool = Field(
        False, description="Suspend the licence automatically when the condition lapses."
    )

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        if (self.obligation is None) == (self.evidence is None):
            raise ValueError("a condition names either an obligation or a kind of evidence")
        if self.freshness is not None and self.evidence is None:
            raise ValueError("freshness applies to a condition that names a kind of evidence")
        return self


class LicenceApplied(_Payload):
    applicant_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    model_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    scope: Scope = Field(json_schema_extra=PUBLIC_FIELD)
    term_months: int = Field(ge=1, le=120, json_schema_extra=PUBLIC_FIELD)
    purpose: str | None = Field(None, max_length=2000)


class LicenceApplication(LicenceApplied):
    """An application for a licence; the applicant is the caller's organisation unless named.

    What the API, the command line and the client send: the service fills the applicant and
    files the :class:`LicenceApplied` it makes of it."""

    applicant_id: str | None = Field(  # type: ignore[assignment]
        None,
        json_schema_extra=PUBLIC_FIELD,
        description="The applicant; the caller's organisation when absent.",
    )


class LicenceStep(_Payload):
    """The terms of a supervisor's step on a licence, one model for every transition: a route
    and a command take the same terms whichever step they name, and the service files the step's
    own payload (:data:`KINDS`) from what was set."""

    conditions: tuple[Condition, ...] | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    scope: Scope | None = Field(None, description="Never wider than applied for.")
    reason: str | None = Field(None, min_length=1)


class LicenceGranted(_Payload):
    conditions: tuple[Condition, ...] = Field((), json_schema_extra=PUBLIC_FIELD)
    valid_from: date = Field(json_schema_extra=PUBLIC_FIELD)
    valid_until: date = Field(json_schema_extra=PUBLIC_FIELD)
    scope: Scope | None = Field(
        None, description="Narrower than applied for, when so.", json_schema_extra=PUBLIC_FIELD
    )

    @model_validator(mode="after")
    def _ordered(self) -> LicenceGranted:
        if self.valid_until <= self.valid_from:
            raise ValueError("valid_until must be after valid_from")
        return self


class LicenceVaried(_Payload):
    conditions: tuple[Condition, ...] | None = Field(None, json_schema_extra=PUBLIC_FIELD)
    scope: Scope | None = Field(None, json_schema_extra=PUBLIC_FIELD)
    valid_until: date | None = Field(None, json_schema_extra=PUBLIC_FIELD)
    reason: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)


class LicenceDecided(_Payload):
    """A refusal, suspension, reinstatement, revocation or expiry, and why."""

    reason: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    automatic: bool = Field(
        False, description="Taken by the engine when a condition lapsed.", json_schema_extra=PUBLIC_FIELD
    )


KINDS = {
    Transition.GRANT: FilingKind("licence.granted", LicenceGranted, "A supervisor grants a licence."),
    Transition.REFUSE: FilingKind("licence.refused", LicenceDecided, "A supervisor refuses a licence."),
    Transition.SUSPEND: FilingKind("licence.suspended", LicenceDecided, "A licence is suspended."),
    Transition.REINSTATE: FilingKind("licence.reinstated", LicenceDecided, "A licence is reinstated."),
    Transition.VARY: FilingKind("licence.varied", LicenceVaried, "A licence's terms are varied."),
    Transition.REVOKE: FilingKind("licence.revoked", LicenceDecided, "A licence is revoked."),
    Transition.EXPIRE: FilingKind("licence.expired", LicenceDecided, "A licence reaches its end."),
}
LICENCE_APPLIED = FilingKind("licence.applied", LicenceApplied, "A provider or deployer applies.")
