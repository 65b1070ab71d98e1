"""Policy packs, obligations and their explanations as the API answers them.

The API's response models, and what the Python client parses answers into. An explanation's
inner parts (the clause that held, the facts, the distances, the due date's counting) vary with
the pack's rules, so they stay open objects; unknown keys are kept (``extra="allow"``) for readers
of a newer server.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from custos.policy.model import RecognisedFrom
from custos.policy.requests import FactValue
from custos.registry.views import Moment

ObligationStatus = Literal["open", "overdue", "undetermined", "discharged", "waived", "lapsed"]


class _Read(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")


class PackVersion(_Read):
    """A loaded version of a policy pack (without its text)."""

    pack: str
    version: str
    active: bool
    title: str
    jurisdiction: str
    filing_id: str
    loaded_at: Moment
    recognised_from: RecognisedFrom | None = Field(
        None, description="For a version taken over from a peer installation: where from."
    )


class PackLoad(_Read):
    """The answer to loading a pack: whether it was loaded (not when the same text was already),
    and the obligation filings it caused, by kind."""

    pack: str = Field(description="pack@version")
    loaded: bool
    filed: dict[str, int] | None = None
    reason: str | None = None


class EvaluationSummary(_Read):
    """What a bulk evaluation found and filed (or, in a dry run, would file), by kind."""

    subjects: int
    applies: int
    unknown: int
    filed: dict[str, int]


class ObligationView(_Read):
    """An obligation attached to a model or a deployment by a pack's rule."""

    id: str
    key: str = Field(description="pack/rule/obligation")
    subject_id: str
    subject_kind: str
    owner_id: str
    pack: str
    jurisdiction: str = Field(description="The pack's jurisdiction.")
    title: str
    severity: str
    status: ObligationStatus
    due_at: Moment | None = None
    standing_event: str | None = None
    cite: dict[str, str]
    pack_version: str
    missing: list[str] = Field(description="Facts not known, for an undetermined obligation.")
    closed: dict[str, Any] | None = Field(None, description="How it was discharged, waived or lapsed.")
    subject_name: str | None = Field(
        None, description="In lists: the subject's name, null where the reader may not see it."
    )


class ObligationPage(_Read):
    """A page of obligations, by due date."""

    items: list[ObligationView]
    total: int = Field(description="How many of the obligations the caller may see match the filters.")
    next: int | None = Field(description="The offset of the next page; null on the last one.")


class ObligationExplanation(_Read):
    """Why an obligation applies and how its due date was reached."""

    obligation: ObligationView
    explanation: dict[str, Any] = Field(description="As recorded when it attached: clauses, facts, outcome.")
    now: dict[str, Any] | None = Field(description="The rule evaluated now, with each threshold's distance.")
    due: dict[str, Any] | None = Field(description="Where the clock started, the period and its counting.")
    evidence: list[str] = Field(
        [],
        description="What discharges it, per kind: 'discharged by a filing of kind K' when this "
        "installation files K, else 'evidence to be filed: K'.",
    )


Distances = list[dict[str, Any]]
DISTANCE = "How far each numeric threshold of the condition is from the subject's value."


class RuleChange(_Read):
    """A rule whose outcome the supposed facts would change (true applies, null is unknown)."""

    pack: str = Field(description="pack@version")
    rule: str
    title: str
    now: bool | None
    would_be: bool | None
    obligations: list[str] = Field(description="The obligations the rule attaches.")
    distance: Distances = Field(description=DISTANCE)


class RuleOutcome(_Read):
    """A rule's outcome with the supposed facts (true applies, null is unknown)."""

    pack: str = Field(description="pack@version")
    rule: str
    outcome: bool | None
    distance: Distances = Field(description=DISTANCE)


class WhatIfAnswer(_Read):
    """Which rules would change outcome if some facts of a subject changed."""

    subject: str
    overrides: dict[str, FactValue]
    changes: list[RuleChange]
    rules: list[RuleOutcome]


class LintFinding(_Read):
    """Something in a pack that loads but contradicts its own dates or the installation."""

    check: str = Field(description="Which check found it: condition-date, not-before, deadline-start, ...")
    severity: Literal["error", "warning"]
    rule: str | None = Field(None, description="The rule's id, where the finding is about a rule.")
    obligation: str | None = Field(None, description="The obligation's id, where it is about one.")
    message: str


class PackLint(_Read):
    """What linting a pack found (nothing when it is consistent)."""

    pack: str = Field(description="pack@version")
    findings: list[LintFinding]

    @property
    def errors(self) -> int:
        return sum(1 for finding in self.findings if finding.severity == "error")
