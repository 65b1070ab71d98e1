"""Policy packs: the law as data. A pack is YAML, validated here and compiled to CEL.

A pack has an id, a version, a jurisdiction, effective dates, the sources it cites, the facts
its rules read, named parameters (thresholds), obligations, and rules. A rule's condition is a
CEL expression over facts and ``params``; its obligations are named, each with a deadline rule,
what discharges it, a severity and the article it comes from. Loading refuses a pack with a
syntax error, a CEL type error, an unknown fact or parameter, or an unknown obligation, naming
the file, the line and the reason.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from custos.core.errors import InvalidInput
from custos.core.jurisdictions import covers, jurisdiction
from custos.core.yaml_lines import load_model, problem, refusal
from custos.policy.cel import CelEngine, CelError, Condition
from custos.policy.facts import FACTS, SubjectKind

_IDENTIFIER = r"^[a-z0-9][a-z0-9-]*$"
_STRINGS = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_NAMES = re.compile(r"(?<![\w.])([A-Za-z_]\w*)")
_PARAMS = re.compile(r"\bparams\.(\w+)")
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    document: str = Field(min_length=1)
    url: str | None = None


class Citation(_Strict):
    source: str = Field(description="A key of the pack's sources.")
    article: str = Field(min_length=1)


#: The units a period is expressed in: days, weeks and months end at the end of a day and move
#: off weekends and holidays as the pack's counting rule says; hours are elapsed time.
Unit = Literal["calendar_days", "working_days", "weeks", "months", "hours"]

#: How periods are counted, by the law the acts are done under (see ``custos.policy.deadlines``).
CountingRule = Literal["eu-1182-71", "us-ca-ccp-12", "us-ny-gcl-20"]


def default_counting(code: str) -> CountingRule | None:
    """The counting rule of a jurisdiction's acts: Regulation 1182/71 for the EU and its
    member states (Art. 2 takes the holidays of the state or institution concerned), the
    California and New York statutes for those states; None where no rule is known."""
    if code == "US-CA":
        return "us-ca-ccp-12"
    if code == "US-NY":
        return "us-ny-gcl-20"
    return "eu-1182-71" if covers("EU", code) else None


class Period(_Strict):
    """A length of time: ``within`` of a ``unit``."""

    within: int = Field(0, ge=0)
    unit: Unit = "calendar_days"


class Deadline(Period):
    """When an obligation falls due.

    ``within`` of a ``unit`` after ``start`` (the triggering filing, or a date fact such as
    ``release_date``), never before ``not_before``; ``recurring`` repeats it after each discharge;
    ``on_event`` makes it a standing duty whose clock starts, for each filing of that kind about
    the subject (and meeting ``event_when``), from the moment ``event_from`` names (see
    :mod:`custos.policy.clocks`).
    """

    start: Literal["trigger", "release_date", "start_date", "planned_known_on"] = Field(
        "trigger",
        description="What the clock runs from: the triggering filing, a model's release date, a "
        "deployment's start date, or the date a model's planned compute became known.",
    )
    not_before: date | None = None
    recurring: Literal["every_two_years", "yearly", "quarterly", "monthly"] | None = None
    on_event: str | None = None
    event_when: dict[str, bool | str | tuple[str, ...]] = Field(
        {},
        description="Values the event's content must have for its clock to start, field by field "
        "(e.g. imminent_risk: true); a list accepts any of its values, and on a list-valued field "
        "a value means membership (facts: death; facts: [widespread_infringement, "
        "critical_infrastructure_disruption]).",
    )
    event_is: str | None = Field(
        None,
        description="A term the pack defines in its incidents section (e.g. serious-incident) that the "
        "event must meet for its clock to start.",
    )
    event_from: tuple[str, ...] = Field(
        (),
        description="Fields of the event's content naming the moment its clock runs from, the first given "
        "wins (e.g. discovered_at, occurred_at); else the event's filing.",
    )
    undue_delay: bool = Field(
        False,
        description="The text asks for the report 'without undue delay' and sets no period: the clock "
        "starts but has no due time, so it is never overdue or late by the calendar alone.",
    )

    @model_validator(mode="after")
    def _event_fields_need_an_event(self) -> Deadline:
        if self.on_event is None and (
            self.event_when or self.event_from or self.event_is or self.undue_delay
        ):
            raise ValueError(
                "event_when, event_is, event_from and undue_delay only apply to a deadline with on_event"
            )
        if self.undue_delay and self.within:
            raise ValueError("a duty without undue delay has no period: drop within")
        return self


def event_meets(content: Mapping[str, Any], when: Mapping[str, bool | str | tuple[str, ...]]) -> bool:
    """Whether an event's content has the values ``when`` asks for: a list of values accepts any
    of them, and a field whose content is a list holds the value among its members."""
    for name, wanted in when.items():
        options = wanted if isinstance(wanted, tuple) else (wanted,)
        value = content.get(name)
        if isinstance(value, list):
            if not any(option in value for option in options):
                return False
        elif value not in options:
            return False
    return True


class DefinitionPoint(_Strict):
    """One point of a defined term: met when the incident states every fact of ``all_of`` and,
    when ``any_of`` names some, at least one of them."""

    point: str = Field(min_length=1, description="The point as the text numbers it, e.g. (a) or (d)(1).")
    text: str = Field(min_length=1, description="What the point says.")
    all_of: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _names_facts(self) -> DefinitionPoint:
        if not self.all_of and not self.any_of:
            raise ValueError("a point names the facts that meet it, in all_of or any_of")
        return self

    def met_by(self, facts: Collection[str]) -> bool:
        return all(f in facts for f in self.all_of) and (
            not self.any_of or any(f in facts for f in self.any_of)
        )


class DefinedTerm(_Strict):
    """A term the jurisdiction defines for incidents (the EU's "serious incident", California's
    "critical safety incident"), with its article and the points that meet it."""

    term: str = Field(min_length=1)
    cite: Citation
    points: tuple[DefinitionPoint, ...] = Field(min_length=1)

    def points_met(self, facts: Collection[str]) -> tuple[str, ...]:
        """The points of the term the facts meet; the term is met when any is."""
        return tuple(point.point for point in self.points if point.met_by(facts))


class ObligationSpec(_Strict):
    title: str = Field(min_length=1)
    cite: Citation
    discharged_by: tuple[str, ...] = Field(
        (), description="Filing kinds about the subject that discharge the obligation."
    )
    evidence_when: dict[str, tuple[str, ...]] = Field(
        {},
        description="Values a discharging filing's content must have, field by field, one of those "
        "listed (e.g. scope: [eu-ai-act-art55-evaluation], opinion: [pass, qualified]); such evidence "
        "whose valid_until has passed discharges nothing.",
    )
    renewed_by: tuple[str, ...] = Field(
        (),
        description="Filing kinds about the subject after which the duty is due again, answered only by "
        "evidence filed since (a new model version asks for a new escrow deposit).",
    )
    deadline: Deadline = Deadline()
    severity: Severity = Severity.MEDIUM

    @model_validator(mode="after")
    def _evidence_needs_a_kind(self) -> ObligationSpec:
        if self.evidence_when and not self.discharged_by:
            raise ValueError("evidence_when qualifies the filings of discharged_by, and names none")
        if self.renewed_by and not self.discharged_by:
            raise ValueError("renewed_by asks for new evidence of discharged_by, and it names none")
        if self.renewed_by and self.deadline.recurring:
            raise ValueError("a duty is either recurring or renewed_by a filing, not both")
        return self


class FindingClocks(_Strict):
    """The time a red-team finding of one severity gives its model's provider, step by step,
    each counted from the end of the one before: to acknowledge it from its report, to mitigate
    it once acknowledged, to have it retested once mitigated."""

    acknowledge: Period
    mitigate: Period
    retest: Period


EscalationStep = Literal[
    "supervisor-notified", "rollout-hold", "licence-suspension-proposed", "cross-border-notice"
]


class Rung(_Strict):
    """One rung of the escalation ladder: taken ``after`` the time past a missed clock, for
    findings of ``min_severity`` or worse."""

    step: EscalationStep
    after: Period = Period()
    min_severity: Severity = Severity.LOW


class FindingsPolicy(_Strict):
    """How red-team findings are handled under the pack: each severity's clocks, what each
    severity means, and the escalation ladder a missed clock climbs (from the provider, which
    holds the finding, upwards)."""

    cite: Citation
    meaning: dict[Severity, str] = Field(description="What each severity means, as the pack states it.")
    clocks: dict[Severity, FindingClocks]
    ladder: tuple[Rung, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _complete(self) -> FindingsPolicy:
        missing = [s.value for s in Severity if s not in self.clocks or s not in self.meaning]
        if missing:
            raise ValueError(f"every severity needs its meaning and clocks; missing: {', '.join(missing)}")
        steps = [rung.step for rung in self.ladder]
        if len(set(steps)) != len(steps):
            raise ValueError("each escalation step appears once in the ladder")
        return self


class Rule(_Strict):
    id: str = Field(pattern=_IDENTIFIER)
    title: str = Field(min_length=1)
    subject: SubjectKind
    cite: Citation
    condition: str = Field(min_length=1)
    obligations: tuple[str, ...] = Field(min_length=1)


class Effective(_Strict):
    start: date = Field(alias="from")
    until: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Effective:
        if self.until is not None and self.until < self.start:
            raise ValueError("'until' is before 'from'")
        return self


class PackDocument(_Strict):
    id: str = Field(pattern=_IDENTIFIER)
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    title: str = Field(min_length=1)
    jurisdiction: str
    effective: Effective
    compute_figure: Literal["central", "upper_bound"] = Field(
        "central", description="Which estimate of training compute the rules read as training_flop."
    )
    counting: CountingRule | None = Field(
        None,
        description="How periods are counted (eu-1182-71: Regulation 1182/71 Art. 3; us-ca-ccp-12: "
        "California Code Civ. Proc. §§ 12, 12a; us-ny-gcl-20: New York Gen. Constr. Law §§ 20, 25-a). "
        "The law the acts are done under decides where a period ends; by default the jurisdiction's.",
    )
    grace: Period = Field(
        Period(within=30),
        description="The time an obligation gets when its legal due date has already passed as it "
        "attaches (a duty that applied before Custos knew of it), so it is never overdue at once.",
    )
    sources: dict[str, Source] = Field(min_length=1)
    facts: tuple[str, ...] = Field(min_length=1)
    parameters: dict[str, float | int | str | bool] = {}
    obligations: dict[str, ObligationSpec] = Field(min_length=1)
    rules: tuple[Rule, ...] = Field(min_length=1)
    findings: FindingsPolicy | None = Field(
        None, description="The clocks and escalation ladder of red-team findings under this pack."
    )
    incidents: dict[str, DefinedTerm] = Field(
        {},
        description="The terms the jurisdiction defines for incidents, by key (e.g. serious-incident), "
        "each with its article and the facts that meet each of its points; a deadline's event_is names one.",
    )

    @field_validator("jurisdiction")
    @classmethod
    def _jurisdiction(cls, value: str) -> str:
        return jurisdiction(value).code

    @field_validator("grace")
    @classmethod
    def _grace(cls, value: Period) -> Period:
        if value.within == 0:
            raise ValueError("a grace of 0 would leave an obligation overdue the moment it attaches")
        return value

    @model_validator(mode="after")
    def _counted(self) -> PackDocument:
        if self.counting is None and default_counting(self.jurisdiction) is None:
            raise ValueError(f"no counting rule is known for {self.jurisdiction}: name one in 'counting'")
        return self

    @property
    def counting_rule(self) -> CountingRule:
        """The counting rule named, or the jurisdiction's."""
        rule = self.counting or default_counting(self.jurisdiction)
        assert rule is not None  # refused on load otherwise
        return rule

    @field_validator("parameters", mode="before")
    @classmethod
    def _numbers(cls, values: Any) -> Any:
        """YAML 1.1 reads ``1e26`` (no dot) as text; a parameter that reads as a number is one."""
        if not isinstance(values, dict):
            return values
        return {
            k: float(v) if isinstance(v, str) and _NUMBER.fullmatch(v.strip()) else v
            for k, v in values.items()
        }


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    condition: Condition
    reads: tuple[str, ...]
    """The facts the condition refers to, in order of appearance."""
    clauses: tuple[tuple[str, Condition], ...]
    """The top-level disjuncts of the condition, to tell which one held."""


@dataclass(frozen=True)
class Pack:
    document: PackDocument
    text: str
    rules: tuple[CompiledRule, ...]

    @property
    def key(self) -> str:
        return f"{self.document.id}@{self.document.version}"

    def obligation(self, obligation_id: str) -> ObligationSpec:
        return self.document.obligations[obligation_id]


def split_top_level(condition: str, operator: str = "||") -> list[str]:
    """The operands of ``operator`` outside parentheses, brackets and string literals."""
    parts, depth, start, index, quote = [], 0, 0, 0, ""
    while index < len(condition):
        char = condition[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0 and condition.startswith(operator, index):
            parts.append(condition[start:index].strip())
            start = index + len(operator)
            index += len(operator) - 1
        index += 1
    parts.append(condition[start:].strip())
    return [p for p in parts if p]


def referenced_names(condition: str) -> list[str]:
    """Identifiers a condition uses outside string literals, in order of first appearance."""
    bare = _STRINGS.sub("''", condition)
    return list(dict.fromkeys(_NAMES.findall(bare)))


class PackError(InvalidInput):
    """A pack is refused; ``evidence`` holds every problem with its line."""


def load_pack(text: str, origin: str = "<pack>") -> Pack:
    """Parse, validate and compile a pack, or raise :class:`PackError` listing every problem."""
    document, lines = load_model(text, origin, PackDocument, PackError, "pack")
    problems = _check_references(document, origin, lines)
    compiled: list[CompiledRule] = []
    if not problems:
        compiled, problems = _compile(document, origin, lines)
    if problems:
        raise refusal(PackError, "pack", problems)
    return Pack(document, text, tuple(compiled))


def _check_references(document: PackDocument, origin: str, lines: dict[Any, int]) -> list[dict[str, Any]]:
    problems = []
    for index, name in enumerate(document.facts):
        if name not in FACTS:
            problems.append(problem(origin, lines, ("facts", index), f"unknown fact {name!r}"))
    for key, spec in document.obligations.items():
        if spec.cite.source not in document.sources:
            problems.append(
                problem(
                    origin,
                    lines,
                    ("obligations", key, "cite", "source"),
                    f"unknown source {spec.cite.source!r}",
                )
            )
    for key, term in document.incidents.items():
        if term.cite.source not in document.sources:
            problems.append(
                problem(
                    origin,
                    lines,
                    ("incidents", key, "cite", "source"),
                    f"unknown source {term.cite.source!r}",
                )
            )
    for key, spec in document.obligations.items():
        if spec.deadline.event_is is not None and spec.deadline.event_is not in document.incidents:
            problems.append(
                problem(
                    origin,
                    lines,
                    ("obligations", key, "deadline", "event_is"),
                    f"unknown incident term {spec.deadline.event_is!r}: not in the pack's incidents section",
                )
            )
    if document.findings is not None and document.findings.cite.source not in document.sources:
        problems.append(
            problem(
                origin,
                lines,
                ("findings", "cite", "source"),
                f"unknown source {document.findings.cite.source!r}",
            )
        )
    for index, rule in enumerate(document.rules):
        if rule.cite.source not in document.sources:
            problems.append(
                problem(
                    origin, lines, ("rules", index, "cite", "source"), f"unknown source {rule.cite.source!r}"
                )
            )
        for position, obligation in enumerate(rule.obligations):
            if obligation not in document.obligations:
                problems.append(
                    problem(
                        origin,
                        lines,
                        ("rules", index, "obligations", position),
                        f"unknown obligation {obligation!r}",
                    )
                )
        for parameter in _PARAMS.findall(rule.condition):
            if parameter not in document.parameters:
                problems.append(
                    problem(
                        origin, lines, ("rules", index, "condition"), f"unknown parameter params.{parameter}"
                    )
                )
        for name in referenced_names(_PARAMS.sub("0", rule.condition)):
            if name in FACTS and name not in document.facts:
                problems.append(
                    problem(
                        origin,
                        lines,
                        ("rules", index, "condition"),
                        f"fact {name!r} is not declared in the pack's facts",
                    )
                )
            elif name in FACTS and FACTS[name].subject is not rule.subject:
                problems.append(
                    problem(
                        origin,
                        lines,
                        ("rules", index, "condition"),
                        f"fact {name!r} is a fact of a {FACTS[name].subject}, not of a {rule.subject}",
                    )
                )
    if len({r.id for r in document.rules}) != len(document.rules):
        problems.append(problem(origin, lines, ("rules",), "rule ids must be unique"))
    return problems


def _compile(
    document: PackDocument, origin: str, lines: dict[Any, int]
) -> tuple[list[CompiledRule], list[dict[str, Any]]]:
    compiled, problems = [], []
    for index, rule in enumerate(document.rules):
        variables = {
            name: FACTS[name].cel_type for name in document.facts if FACTS[name].subject is rule.subject
        }
        engine = CelEngine(variables | _param_types(document))
        source = _PARAMS.sub(lambda m: f"param_{m.group(1)}", rule.condition)
        try:
            condition = engine.compile(source)
            parts = (
                split_top_level(source) if len(split_top_level(source)) > 1 else split_top_level(source, "&&")
            )
            clauses = tuple((clause, engine.compile(clause)) for clause in parts)
            # With no facts, a comprehension over literal lists runs in full: one that exceeds the
            # engine's iteration budget is refused here, with its line, not met for the first time
            # by every subject the pack is evaluated on.
            condition.evaluate(parameter_values(document))
        except CelError as exc:
            problems.append(
                problem(origin, lines, ("rules", index, "condition"), str(exc).replace("\n", " "))
            )
            continue
        reads = tuple(n for n in referenced_names(rule.condition) if n in variables)
        compiled.append(CompiledRule(rule, condition, reads, clauses if len(clauses) > 1 else ()))
    return compiled, problems


def _param_types(document: PackDocument) -> dict[str, str]:
    """Numbers are doubles, so a threshold compares with any numeric fact."""
    kinds = {bool: "bool", int: "double", float: "double", str: "string"}
    return {f"param_{name}": kinds[type(value)] for name, value in document.parameters.items()}


def parameter_values(document: PackDocument) -> dict[str, Any]:
    return {
        f"param_{name}": float(value) if isinstance(value, int) and not isinstance(value, bool) else value
        for name, value in document.parameters.items()
    }


BUILTIN = Path(__file__).resolve().parent / "packs"


def builtin_packs() -> list[Pack]:
    return [load_pack(path.read_text(encoding="utf-8"), path.name) for path in sorted(BUILTIN.glob("*.yaml"))]
