"""Linting a pack: what loads but contradicts itself or the installation it is loaded into.

Loading (:func:`custos.policy.pack.load_pack`) already refuses what cannot run: an unknown
fact, parameter, source or obligation, a fact of the other kind of subject, a CEL error. The
lint reads a pack that loads and flags what would run wrongly or silently do nothing: dates that
fall outside the pack's own ``effective`` period, deadlines that start from a date the rule's
subject does not have, evidence no filing of this installation can supply, obligations no rule
attaches, facts no rule reads. Pure: a pack and the installation's filing kinds in, findings out.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from datetime import date, datetime

from custos.policy.facts import SubjectKind
from custos.policy.pack import Pack, Rule
from custos.policy.views import LintFinding, PackLint

_TIMESTAMP = re.compile(r"""timestamp\(\s*(["'])(.*?)\1\s*\)""")
#: The date each kind of subject has for a deadline to start from (see ``policy.subjects``); a
#: deadline that names the other one starts at the trigger instead, silently.
_SUBJECT_DATES = {
    SubjectKind.MODEL: {"release_date", "planned_known_on"},
    SubjectKind.DEPLOYMENT: {"start_date"},
    SubjectKind.ORGANISATION: set(),
}
EVIDENCE_TO_BE_FILED = "evidence to be filed"


def evidence(discharged_by: Collection[str], known: Collection[str]) -> list[str]:
    """How each kind that discharges an obligation reads in its explanation: a kind this
    installation files discharges it when filed; any other is evidence someone must still bring
    (a supervisor records it with ``custos policy discharge``)."""
    return [
        f"discharged by a filing of kind {kind}" if kind in known else f"{EVIDENCE_TO_BE_FILED}: {kind}"
        for kind in discharged_by
    ]


def lint(pack: Pack, known: Collection[str]) -> PackLint:
    """Every finding for ``pack``, given the filing kinds ``known`` to the installation."""
    findings = [
        *_condition_dates(pack),
        *_deadlines(pack),
        *_kinds(pack, known),
        *_unused(pack),
    ]
    return PackLint(pack=pack.key, findings=findings)


def _finding(
    check: str, severity: str, message: str, *, rule: str | None = None, obligation: str | None = None
) -> LintFinding:
    return LintFinding.model_validate(
        {"check": check, "severity": severity, "rule": rule, "obligation": obligation, "message": message}
    )


def _effective(pack: Pack) -> str:
    effective = pack.document.effective
    until = f" until {effective.until}" if effective.until else ""
    return f"the pack is effective from {effective.start}{until}"


def _condition_dates(pack: Pack) -> Iterator[LintFinding]:
    """A transition written into a condition (``release_date < timestamp("2025-08-02...")``)
    after the pack ends can never take effect while the pack does; one before it starts marks a
    change the pack never saw, which is worth a look (grandfathering can mean it)."""
    effective = pack.document.effective
    for rule in pack.document.rules:
        for _, text in _TIMESTAMP.findall(rule.condition):
            moment = _date(text)
            if moment is None:
                continue
            if effective.until is not None and moment > effective.until:
                yield _finding(
                    "condition-date",
                    "error",
                    f"the condition's date {moment} is after the pack ends ({_effective(pack)}): "
                    "the transition never takes effect while the pack applies",
                    rule=rule.id,
                )
            elif moment < effective.start:
                yield _finding(
                    "condition-date",
                    "warning",
                    f"the condition's date {moment} is before the pack takes effect ({_effective(pack)})",
                    rule=rule.id,
                )


def _date(text: str) -> date | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _deadlines(pack: Pack) -> Iterator[LintFinding]:
    effective = pack.document.effective
    for key, spec in pack.document.obligations.items():
        floor = spec.deadline.not_before
        if floor is not None and floor < effective.start:
            yield _finding(
                "not-before",
                "error",
                f"not_before {floor} is before the pack takes effect ({_effective(pack)}): "
                "the obligation could fall due before the law applies",
                obligation=key,
            )
        if floor is not None and effective.until is not None and floor > effective.until:
            yield _finding(
                "not-before",
                "error",
                f"not_before {floor} is after the pack ends ({_effective(pack)}): "
                "the obligation never falls due while the pack applies",
                obligation=key,
            )
    for rule in pack.document.rules:
        yield from _starts(pack, rule)


def _starts(pack: Pack, rule: Rule) -> Iterator[LintFinding]:
    """A deadline must start from a date the rule's subject has, and a date before the pack
    takes effect needs a ``not_before`` floor, or old subjects fall due before the law applied."""
    for key in rule.obligations:
        deadline = pack.obligation(key).deadline
        if deadline.start == "trigger" or deadline.on_event is not None:
            continue
        if deadline.start not in _SUBJECT_DATES[rule.subject]:
            yield _finding(
                "deadline-start",
                "error",
                f"the deadline starts from {deadline.start}, which a {rule.subject} does not have: "
                "its clock would start at the triggering filing instead",
                rule=rule.id,
                obligation=key,
            )
        elif deadline.not_before is None:
            yield _finding(
                "deadline-start",
                "warning",
                f"the deadline starts from {deadline.start} with no not_before: a {rule.subject} dated "
                f"before {pack.document.effective.start} falls due before the pack takes effect",
                rule=rule.id,
                obligation=key,
            )


def _kinds(pack: Pack, known: Collection[str]) -> Iterator[LintFinding]:
    """Filing kinds the pack names that this installation never files: evidence that must be
    brought by hand, or a standing duty whose clock never starts."""
    for key, spec in pack.document.obligations.items():
        for kind, wording in zip(spec.discharged_by, evidence(spec.discharged_by, known), strict=True):
            if kind not in known:
                yield _finding(
                    "discharged-by",
                    "warning",
                    f"{wording} (this installation files no such kind)",
                    obligation=key,
                )
        event = spec.deadline.on_event
        if event is not None and event not in known:
            yield _finding(
                "on-event",
                "warning",
                f"the standing duty's clock starts on a filing of kind {event}, "
                "which this installation never files",
                obligation=key,
            )
        for kind in spec.renewed_by:
            if kind not in known:
                yield _finding(
                    "renewed-by",
                    "warning",
                    f"the duty is renewed by a filing of kind {kind}, which this installation never files",
                    obligation=key,
                )


def _unused(pack: Pack) -> Iterator[LintFinding]:
    attached = {key for rule in pack.document.rules for key in rule.obligations}
    for key in pack.document.obligations:
        if key not in attached:
            yield _finding("unused-obligation", "warning", "no rule attaches this obligation", obligation=key)
    read = {name for compiled in pack.rules for name in compiled.reads}
    for name in pack.document.facts:
        if name not in read:
            yield _finding("unused-fact", "warning", f"the fact {name} is declared but no rule reads it")
