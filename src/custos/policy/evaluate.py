"""Evaluating compiled packs over a subject's facts: outcome, explanation, distance.

Pure: facts in, outcomes out, so bulk runs, incremental runs and what-if runs share it.
Outcomes of a rule depend only on the facts it reads, so a run memoises them by those values:
thousands of deployments with the same sector and flags cost one evaluation.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from custos.policy.pack import CompiledRule, Pack, parameter_values

_COMPARISON = re.compile(r"\b(\w+)\s*(>=|>|<=|<)\s*(params\.\w+|-?\d[\d_]*\.?\d*(?:[eE][+-]?\d+)?)")


@dataclass(frozen=True)
class Outcome:
    pack: Pack
    rule: CompiledRule
    value: bool | None
    facts: dict[str, Any]
    """The facts the rule reads, with their values (absent ones omitted)."""
    missing: tuple[str, ...]
    clauses: tuple[tuple[str, bool | None], ...]

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


@dataclass
class Evaluator:
    """Evaluates packs, remembering outcomes by the values of the facts each rule reads."""

    packs: list[Pack]
    _memo: dict[tuple[int, tuple[Any, ...]], tuple[bool | None, tuple[tuple[str, bool | None], ...]]] = field(
        default_factory=dict
    )

    def outcomes(self, subject: str, facts_by_figure: Mapping[str, Mapping[str, Any]]) -> list[Outcome]:
        """Every rule of every pack for one subject kind; ``facts_by_figure`` maps a compute
        figure (central, upper_bound) to that subject's facts under it."""
        results = []
        for pack in self.packs:
            facts = facts_by_figure[pack.document.compute_figure]
            params = parameter_values(pack.document)
            for compiled in pack.rules:
                if compiled.rule.subject != subject:
                    continue
                results.append(self.outcome(pack, compiled, facts, params))
        return results

    def outcome(
        self, pack: Pack, compiled: CompiledRule, facts: Mapping[str, Any], params: Mapping[str, Any]
    ) -> Outcome:
        read = {name: facts[name] for name in compiled.reads if name in facts}
        key = (id(compiled), tuple(_hashable(read.get(name)) for name in compiled.reads))
        memo = self._memo.get(key)
        if memo is None:
            activation = {**params, **read}
            value = compiled.condition.evaluate(activation)
            clauses = tuple((text, condition.evaluate(activation)) for text, condition in compiled.clauses)
            memo = self._memo[key] = (value, clauses)
        missing = tuple(name for name in compiled.reads if name not in read)
        return Outcome(pack, compiled, memo[0], read, missing, memo[1])


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def distances(outcome: Outcome) -> list[dict[str, Any]]:
    """How far each numeric threshold in the condition is from the subject's value.

    For compute (FLOP) the distance is also given in orders of magnitude: log10(threshold/value).
    """
    params = outcome.pack.document.parameters
    found = []
    for fact, operator, bound in _COMPARISON.findall(outcome.rule.rule.condition):
        if fact not in outcome.rule.reads:
            continue
        threshold = (
            float(params[bound.removeprefix("params.")]) if bound.startswith("params.") else float(bound)
        )
        value = outcome.facts.get(fact)
        entry: dict[str, Any] = {"fact": fact, "operator": operator, "threshold": threshold, "value": value}
        if isinstance(value, int | float) and not isinstance(value, bool):
            entry["difference"] = threshold - value
            if fact.endswith("flop") and value > 0 and threshold > 0:
                entry["orders_of_magnitude"] = round(math.log10(threshold / value), 3)
        found.append(entry)
    return found
