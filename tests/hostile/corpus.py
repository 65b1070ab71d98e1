"""Hostile inputs, kept to be replayed against every reader, the CLI and the API.

Each is small on the wire and built to exhaust something: memory through YAML aliases, the
recursion of a tree walk through nesting, a parser's limits through one huge figure or cell.
"""

from __future__ import annotations

LAUGHS = 9  # nine levels of nine aliases: 9^9 ≈ 387 million strings from 839 bytes


def billion_laughs(levels: int = LAUGHS) -> str:
    """The classic alias bomb, as a YAML mapping."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        previous = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{','.join([previous] * 9)}]")
    return "\n".join(lines) + "\n"


def nested_yaml(depth: int = 20_000) -> str:
    """A value nested ``depth`` flow lists deep."""
    return "a: " + "[" * depth + "]" * depth + "\n"


def nested_json(depth: int = 200_000) -> str:
    """A JSON value nested ``depth`` arrays deep."""
    return "[" * depth + "]" * depth


def huge_integer(digits: int = 5_001) -> str:
    """An integer longer than Python converts from text by default (4,300 digits)."""
    return "9" * digits
