"""YAML with line numbers, so an error in a pack names the line it is on."""

from __future__ import annotations

from typing import Any

import yaml

Path = tuple[str | int, ...]


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
