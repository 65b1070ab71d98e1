"""YAML with line numbers, so an error in a pack names the line it is on, and with bounds, so a
document cannot exhaust the reader.

Aliases let a few hundred bytes stand for billions of nodes ("billion laughs"), and deep nesting
exhausts the recursion of any tree walk. Every document is therefore measured first, from the
parser's events (iterative, no recursion) for its depth and from the composed graph (each shared
node sized once) for its expanded size, and refused before anything walks it.
"""

from __future__ import annotations

from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from custos.core.errors import InvalidInput

Path = tuple[str | int, ...]
MAX_DEPTH = 64  # mappings and lists within each other: packs, scenarios and cards need under ten
MAX_NODES = 200_000  # nodes once aliases are expanded: the largest shipped document has ~2,000
M = TypeVar("M", bound=BaseModel)
E = TypeVar("E", bound=InvalidInput)


def _scalar(node: yaml.Node) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


class YamlTooLarge(yaml.YAMLError):
    """A document nested deeper, or expanding to more nodes, than any real one needs."""


def _depth_checked(text: str) -> None:
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                where = f"line {event.start_mark.line + 1}: " if event.start_mark else ""
                raise YamlTooLarge(f"{where}nested more than {MAX_DEPTH} levels deep")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _expanded_size(root: yaml.Node) -> int:
    """How many nodes the document holds once every alias is expanded, without expanding it."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        if children_done or not children:
            sizes[id(node)] = min(MAX_NODES + 1, 1 + sum(sizes[id(child)] for child in children))
        else:
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
    return sizes[id(root)]


class YamlDuplicateKey(yaml.YAMLError):
    """A mapping names the same key twice: YAML forbids it, and a reader that kept the last
    value would file what its author may not have meant."""


def _unique_keys(root: yaml.Node) -> None:
    """Refuse the first mapping that repeats a key (each shared node visited once)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys: set[tuple[str, str]] = set()
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    if (key.tag, key.value) in keys:
                        raise YamlDuplicateKey(
                            f"line {key.start_mark.line + 1}: the key {key.value!r} is repeated"
                        )
                    keys.add((key.tag, key.value))
                stack += [key, value]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value


def compose_bounded(text: str) -> yaml.Node | None:
    """The document's node graph, refused (``YamlTooLarge``) when too deep or too large expanded,
    and (``YamlDuplicateKey``) when a mapping repeats a key."""
    _depth_checked(text)
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is not None and _expanded_size(root) > MAX_NODES:
        raise YamlTooLarge(f"expands to more than {MAX_NODES:,} values (through its aliases)")
    if root is not None:
        _unique_keys(root)
    return root


def safe_load_bounded(text: str) -> Any:
    """``yaml.safe_load`` within the same bounds, for documents that need no line numbers."""
    root = compose_bounded(text)
    return None if root is None else _scalar(root)


def load_with_lines(text: str) -> tuple[Any, dict[Path, int]]:
    """The document as Python values, and the 1-based line of every mapping key and list item.

    Raises ``yaml.YAMLError`` (with its own line) when the text is not YAML, or is nested or
    expands beyond the bounds above.
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

    root = compose_bounded(text)
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
