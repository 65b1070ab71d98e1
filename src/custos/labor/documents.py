"""Labour YAML documents (scenarios and programme designs) read with refusals a person can act on.

A refusal is one line: the file as it was given, the line, the field and the reason, for every
problem found (``broken.yaml:3: not YAML: mapping values are not allowed here``). The line numbers
come from :mod:`custos.core.yaml_lines`; what this adds is the phrasing: the parser's own line,
not its multi-line excerpt, validators' reasons without pydantic's prefix, and a list validator's
refusal placed at the entry it is about rather than at the list's key.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from custos.core.errors import InvalidInput
from custos.core.yaml_lines import Path, load_with_lines, problem

M = TypeVar("M", bound=BaseModel)
#: What pydantic puts before a validator's own reason.
_VALUE_ERROR = "Value error, "


class Refused(InvalidInput):
    """A labour refusal whose message already names every problem: a person is shown the message
    alone, and the evidence (the problems, each with its file and line) is for programs."""

    def diagnostics(self) -> str:
        return self.message


class AtEntry(ValueError):
    """A list validator's refusal of one entry, so the refusal names that entry's line."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(reason)
        self.index = index


E = TypeVar("E", bound=Refused)


def _placed(error: ErrorDetails) -> tuple[Path, str]:
    """Where a validation error is and why, the entry of an ``AtEntry`` included."""
    path: Path = tuple(error["loc"])
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, AtEntry):
        return (*path, cause.index), str(cause)
    return path, error["msg"].removeprefix(_VALUE_ERROR)


def _line(found: dict[str, Any]) -> str:
    where = f"{found['file']}:{found['line']}" if found["line"] is not None else found["file"]
    field = "" if found["path"] == "(document)" else f" {found['path']}:"
    return f"{where}:{field} {found['reason']}"


def refused(error: type[E], what: str, problems: list[dict[str, Any]]) -> E:
    """One line naming every problem, ``file:line: field: reason``, separated by semicolons."""
    described = "; ".join(map(_line, problems))
    return error(f"the {what} is refused: {described}", evidence={"problems": problems})


def load_document(text: str, origin: str, model: type[M], error: type[E], what: str) -> M:
    """Parse YAML text into ``model``, or raise ``error`` naming every problem on one line."""
    try:
        data, lines = load_with_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc)
        found = {
            "file": origin,
            "line": mark.line + 1 if mark is not None else None,
            "path": "(document)",
            "reason": f"not YAML: {reason}",
        }
        raise refused(error, what, [found]) from exc
    if not isinstance(data, dict):
        raise refused(error, what, [problem(origin, lines, (), f"a {what} is a YAML mapping")])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [problem(origin, lines, *_placed(e)) for e in exc.errors()]
        raise refused(error, what, problems) from exc


def own_name(name: str, origin: str, shipped: Iterable[str], what: str, error: type[E]) -> None:
    """Refuse a caller's document that takes a shipped one's name: a run filed under it would
    read as the shipped one's."""
    if name in set(shipped):
        raise error(
            f"{origin}: name {name!r} is a shipped {what}'s; name yours otherwise",
            evidence={"file": origin, "name": name},
        )
