"""YAML with line numbers, so an error in a pack names the line it is on."""

from __future__ import annotations

from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from custos.core.errors import InvalidInput

Path = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)
E = TypeVar("E", bound=InvalidInput)


def _scalar(node: yaml.Node) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


def load_with_lines(text: str) -> tuple[Any, dict[Path, int]]:
    """The document as Python values, and the 1-based line of every mapping key and list item.

    Raises ``yaml.YAMLError`` (with its own line) when the text is not YAML.
    """
    lines: dict[Path, int] = {}

    def convert(node: yaml.Node, path: Path) -> Any:
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            result = {}
            for key_node, value_node in node.value:
                key = _scalar(key_node)
                key = key if isinstance(key, str | int) else str(key)
                lines[(*path, key)] = key_node.start_mark.line + 1
                result[key] = convert(value_node, (*path, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [convert(item, (*path, index)) for index, item in enumerate(node.value)]
        return _scalar(node)

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    return (None if root is None else convert(root, ())), lines


def line_of(lines: dict[Path, int], path: Path) -> int | None:
    """The line of ``path``, or of its nearest ancestor that has one."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())


def problem(origin: str, lines: dict[Path, int], path: Path, reason: str) -> dict[str, Any]:
    """One problem in a YAML document: its file, line, dotted path and reason."""
    where = ".".join(str(p) for p in path) or "(document)"
    return {"file": origin, "line": line_of(lines, path), "path": where, "reason": reason}


def refusal(error: type[E], what: str, problems: list[dict[str, Any]]) -> E:
    """An error that lists every problem with its line, ``file:line: path: reason``."""
    described = "; ".join(f"{p['file']}:{p['line']}: {p['path']}: {p['reason']}" for p in problems)
    return error(f"the {what} is refused: {described}", evidence={"problems": problems})


def load_model(
    text: str, origin: str, model: type[M], error: type[E], what: str
) -> tuple[M, dict[Path, int]]:
    """Parse YAML text into ``model``, or raise ``error`` listing every problem with its line."""
    try:
        data, lines = load_with_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = {"file": origin, "line": line, "path": "(document)", "reason": f"not YAML: {exc}"}
        raise refusal(error, what, [reason]) from exc
    if not isinstance(data, dict):
        raise refusal(error, what, [problem(origin, lines, (), f"a {what} is a YAML mapping")])
    try:
        return model.model_validate(data), lines
    except ValidationError as exc:
        problems = [problem(origin, lines, tuple(e["loc"]), e["msg"]) for e in exc.errors()]
        raise refusal(error, what, problems) from exc
