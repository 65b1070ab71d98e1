"""JSON from outside, read within bounds, so a document cannot exhaust the reader.

orjson refuses nesting beyond 1,024 levels and numbers that overflow a double (a 5,001-digit
integer would otherwise make Python's own reader fail with an error no one catches), and reads
without recursion in Python; the documents Custos accepts then get a tighter bound on nesting,
since every later walk of them (schema validation, the passport models) recurses.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

MAX_DEPTH = 64  # standards documents nest under twenty levels: CycloneDX's deepest is about twelve


def _depth_exceeded(value: Any) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > MAX_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def loads(text: str | bytes) -> Any:
    """Parse JSON; raise ``json.JSONDecodeError`` (with a position where there is one) when it is
    not JSON, holds a number no double can carry, or nests deeper than ``MAX_DEPTH``."""
    value = orjson.loads(text)
    if _depth_exceeded(value):
        raise json.JSONDecodeError(f"nested more than {MAX_DEPTH} levels deep", "", 0)
    return value
