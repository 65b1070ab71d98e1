"""A thin adapter over a CEL engine, so another engine can replace ``cel-expr-python``.

Conditions read facts as CEL variables. A fact that is missing for a subject is left out of the
activation: reading it is an error, and CEL's logical operators absorb errors whenever the other
operand decides the result (``true || error`` is true, ``false && error`` is false). An outcome
that is still an error is therefore *unknown* — Kleene's three-valued logic, with no silent false.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from cel_expr_python import cel  # type: ignore[import-untyped]

#: CEL types of facts and parameters, by the names packs use.
TYPES = {
    "bool": cel.Type.BOOL,
    "int": cel.Type.INT,
    "double": cel.Type.DOUBLE,
    "string": cel.Type.STRING,
    "list<string>": cel.Type.List(cel.Type.STRING),
    "timestamp": cel.Type.TIMESTAMP,
}


class CelError(ValueError):
    """A condition does not parse or does not type-check; the message says where."""


class Condition(Protocol):
    def evaluate(self, facts: Mapping[str, Any]) -> bool | None:
        """True, False, or None when missing facts leave the outcome undecided."""
        ...


@dataclass(frozen=True)
class _CompiledCondition:
    expression: Any

    def evaluate(self, facts: Mapping[str, Any]) -> bool | None:
        try:
            value = self.expression.eval(data=facts)
        except RuntimeError as exc:  # the engine gave up (its iteration budget), not a CEL error value
            raise CelError(f"the condition cannot be evaluated: {_reason(exc)}") from exc
        result = value.value()
        return result if isinstance(result, bool) else None


def _reason(exc: RuntimeError) -> str:
    return str(exc).split(": ", 1)[-1].replace(" [INTERNAL]", "").strip()


class CelEngine:
    """Compiles conditions against declared variable types; evaluation costs a few microseconds."""

    def __init__(self, variables: Mapping[str, str]) -> None:
        unknown = sorted(set(variables.values()) - set(TYPES))
        if unknown:
            raise CelError(f"unknown CEL type(s) {unknown}; use one of {sorted(TYPES)}")
        self._env = cel.NewEnv(variables={name: TYPES[kind] for name, kind in variables.items()})

    def compile(self, source: str) -> Condition:
        try:
            expression = self._env.compile(source)
        except RuntimeError as exc:
            raise CelError(str(exc).removeprefix("INVALID_ARGUMENT: ").strip()) from exc
        if expression.return_type() != cel.Type.BOOL:
            raise CelError(f"a condition must be a boolean, this one is {expression.return_type().name()}")
        return _CompiledCondition(expression)
