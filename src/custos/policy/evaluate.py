"""Evaluating compiled packs over a subject's facts: outcome, explanation, distance.

Pure: facts in, outcomes out, so bulk runs, incremental runs and what-if runs share it.
Outcomes of a rule depend only on what it reads of the facts, so a run memoises them (see
:func:`outcome_key`): thousands of alike subjects cost one evaluation.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from custos.core import units
from custos.policy.cel import CelError
from custos.policy.pack import CompiledRule, Pack, parameter_values

_COMPARISON = re.compile(r"\b(\w+)\s*(>=|>|<=|<)\s*(params\.\w+|-?\d[\d_]*\.?\d*(?:[eE][+-]?\d+)?)")


@dataclass(frozen=True, slots=True)
class Outcome:
    pack: Pack
    rule: CompiledRule
    value: bool | None
    activation: Mapping[str, Any]
    """The subject's facts and the pack's parameters, as the condition saw them."""

    @property
    def facts(self) -> dict[str, Any]:
        """The facts the rule reads, with their values (absent ones omitted)."""
        return {name: self.activation[name] for name in self.rule.reads if name in self.activation}

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(name for name in self.rule.reads if name not in self.activation)

    @property
    def clauses(self) -> tuple[tuple[str, bool | None], ...]:
        """Each top-level clause of the condition with its outcome (computed when asked)."""
        return tuple((text, condition.evaluate(self.activation)) for text, condition in self.rule.clauses)

    def explanation(self) -> dict[str, Any]:
        rule = self.rule.rule
        return {
            "pack": self.pack.key,
            "rule": rule.id,
            "title": rule.title,
            "cite": {
                "document": self.pack.document.sources[rule.cite.source].document,
                "article": rule.cite.article,
            },
            "condition": rule.condition,
            "outcome": {True: "applies", False: "does not apply", None: "unknown"}[self.value],
            "facts": self.facts,
            "missing": list(self.missing),
            "clauses": [
                {"clause": text.replace("param_", "params."), "outcome": outcome}
                for text, outcome in self.clauses
            ],
        }


#: Facts with few distinct values, worth remembering outcomes by as they are.
_DISCRETE = {"bool", "string", "list<string>", "timestamp"}
_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
_STRING_LITERALS = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")

#: A function from a subject's activation to what decides a rule's outcome.
OutcomeKey = Callable[[Mapping[str, Any]], tuple[Any, ...]]


def outcome_key(compiled: CompiledRule, params: Mapping[str, Any]) -> OutcomeKey | None:
    """What a rule's outcome depends on, when that is less than the facts' exact values.

    Discrete facts count by value. A number that the condition only ever compares with
    constants (``training_flop > params.threshold``) counts by the comparisons' results, so all
    models on the same side of every threshold share one evaluation. Returns None when a number
    is used otherwise (arithmetic, comparison with another fact): then the exact values count.
    """
    from custos.policy.facts import FACTS

    bare = _STRING_LITERALS.sub("''", compiled.rule.condition)
    parts: list[tuple[str, list[tuple[Callable[[float, float], bool], float]] | None]] = []
    for name in compiled.reads:
        if FACTS[name].cel_type in _DISCRETE:
            parts.append((name, None))
            continue
        tests = [
            (
                _OPERATORS[op],
                float(params[f"param_{bound[7:]}"]) if bound.startswith("params.") else float(bound),
            )
            for fact, op, bound in _COMPARISON.findall(bare)
            if fact == name
        ]
        if not tests or len(re.findall(rf"\b{name}\b", bare)) != len(tests):
            return None
        parts.append((name, tests))

    readers = [_reader(name, tests) for name, tests in parts]
    if len(readers) == 1:  # the common case: one fact decides
        only = readers[0]
        return lambda activation: (only(activation),)
    return lambda activation: tuple([read(activation) for read in readers])


def _reader(
    name: str, tests: list[tuple[Callable[[float, float], bool], float]] | None
) -> Callable[[Mapping[str, Any]], Any]:
    """What one fact contributes to an outcome key: its value, or its side of each threshold.
    Built once per rule, since the key is computed for every subject."""
    if tests is None:
        return lambda activation: _hashable(activation.get(name))
    frozen = tuple(tests)

    def sides(activation: Mapping[str, Any]) -> Any:
        value = activation.get(name)
        return None if value is None else tuple([test(value, bound) for test, bound in frozen])

    return sides


#: A pack's rules by subject kind with their outcome keys, and its parameters.
PackPlan = tuple[dict[str, Any], dict[str, list[tuple[CompiledRule, OutcomeKey | None]]]]
#: Plans by pack version and text: an evaluator is made for every filing's re-evaluation, and
#: working out the rules' outcome keys (regular expressions over each condition) each time cost
#: as much as the evaluation. Packs are few, so the plans of every version loaded are kept.
_PLANS: dict[tuple[str, str], PackPlan] = {}


def _pack_plan(pack: Pack) -> PackPlan:
    found = _PLANS.get((pack.key, pack.text))
    if found is None:
        params = parameter_values(pack.document)
        by_subject: dict[str, list[tuple[CompiledRule, OutcomeKey | None]]] = {}
        for compiled in pack.rules:
            by_subject.setdefault(compiled.rule.subject, []).append((compiled, outcome_key(compiled, params)))
        found = _PLANS[(pack.key, pack.text)] = (params, by_subject)
    return found


@dataclass
class Evaluator:
    """Evaluates packs. Rules that read only discrete facts (flags, sectors, lists) remember
    their outcomes by those values, so thousands of alike subjects cost one evaluation."""

    packs: list[Pack]
    _memo: dict[tuple[int, tuple[Any, ...]], bool | None] = field(default_factory=dict)
    _plan: dict[str, list[tuple[Pack, str, dict[str, Any], list[tuple[CompiledRule, OutcomeKey | None]]]]] = (
        field(default_factory=dict)
    )

    def __post_init__(self) -> None:
        for pack in self.packs:
            params, by_subject = _pack_plan(pack)
            for subject, rules in by_subject.items():
                self._plan.setdefault(subject, []).append((pack, pack.document.compute_figure, params, rules))

    def reads(self) -> set[str]:
        """Every fact some rule reads."""
        return {name for pack in self.packs for compiled in pack.rules for name in compiled.reads}

    def outcomes(self, subject: str, facts_by_figure: Mapping[str, Mapping[str, Any]]) -> list[Outcome]:
        """Every rule of every pack for one subject kind; ``facts_by_figure`` maps a compute
        figure (central, upper_bound) to that subject's facts under it."""
        results = []
        for pack, figure, params, rules in self._plan.get(subject, []):
            activation = {**params, **facts_by_figure[figure]}
            for compiled, key in rules:
                results.append(Outcome(pack, compiled, self._value(compiled, activation, key), activation))
        return results

    def outcome(
        self, pack: Pack, compiled: CompiledRule, facts: Mapping[str, Any], params: Mapping[str, Any]
    ) -> Outcome:
        activation = {**params, **facts}
        return Outcome(pack, compiled, self._value(compiled, activation, None), activation)

    def _value(
        self, compiled: CompiledRule, activation: Mapping[str, Any], key: OutcomeKey | None
    ) -> bool | None:
        if key is None:
            return _decided(compiled, activation)
        memo_key = (id(compiled), key(activation))
        value = self._memo.get(memo_key, _UNSEEN)
        if value is _UNSEEN:
            value = self._memo[memo_key] = _decided(compiled, activation)
        return value  # type: ignore[return-value]


def _decided(compiled: CompiledRule, activation: Mapping[str, Any]) -> bool | None:
    """The condition's value, or unknown when the engine cannot evaluate it for these facts (a
    comprehension over a subject's long lists past the iteration budget): like any other error,
    it leaves the outcome undetermined rather than failing the whole evaluation."""
    try:
        return compiled.condition.evaluate(activation)
    except CelError:
        return None


_UNSEEN = object()


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def distances(outcome: Outcome) -> list[dict[str, Any]]:
    """How far each numeric threshold in the condition is from the subject's value.

    ``difference`` is threshold minus value; ``side`` says whether the value is above, below or
    at the threshold, and ``text`` says it as a person writes it, with units and a readable
    scale ("training_flop 3.1 × 10^25 FLOP is above 1 × 10^25 FLOP by 2.1 × 10^25 FLOP"). For
    compute (FLOP) the distance is also given in orders of magnitude: log10(threshold/value).
    """
    params = outcome.pack.document.parameters
    found = []
    for fact, comparison, bound in _COMPARISON.findall(outcome.rule.rule.condition):
        if fact not in outcome.rule.reads:
            continue
        threshold = (
            float(params[bound.removeprefix("params.")]) if bound.startswith("params.") else float(bound)
        )
        value = outcome.facts.get(fact)
        entry: dict[str, Any] = {"fact": fact, "operator": comparison, "threshold": threshold, "value": value}
        if isinstance(value, int | float) and not isinstance(value, bool):
            entry["difference"] = threshold - value
            if fact.endswith("flop") and value > 0 and threshold > 0:
                entry["orders_of_magnitude"] = round(math.log10(threshold / value), 3)
            entry["side"] = "above" if value > threshold else "below" if value < threshold else "at"
        entry["text"] = _said(fact, value, threshold, entry.get("side"))
        found.append(entry)
    return found


def _said(fact: str, value: Any, threshold: float, side: str | None) -> str:
    """A comparison as a sentence, its distance signed by the words "above by" or "below by"."""
    said = _READABLE.get(fact.rsplit("_", 1)[-1], units.scientific)
    if side is None:
        return f"{fact} is unknown; the threshold is {said(threshold)}"
    if side == "at":
        return f"{fact} {said(value)} is at the threshold {said(threshold)}"
    return f"{fact} {said(value)} is {side} {said(threshold)} by {said(abs(value - threshold))}"


#: How a fact's figure reads, by the unit its name ends with (training_flop, *_usd, *_eur);
#: other figures (parameters, counts) read as plain numbers or powers of ten.
_READABLE: dict[str, Callable[[float], str]] = {
    "flop": units.flop,
    "usd": lambda figure: units.money(figure, "USD"),
    "eur": lambda figure: units.money(figure, "EUR"),
}
