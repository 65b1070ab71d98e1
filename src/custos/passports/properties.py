"""Name/value properties for the passport fields a standard has no home for.

CycloneDX (``properties``) and SPDX 3 (the ``CdxPropertiesExtension``) both carry free
name/value pairs. Custos writes a field there only when the standard has no field of its own
for it, under names in the ``custos:`` namespace with JSON values, so the export stays exact
and readable by other tools, and an import reads every field from exactly one place.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from custos.core import bounded_json

NAMESPACE = "custos:"


def encode(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(name, JSON value) pairs for the fields that are set, in a stable order."""
    return [
        (NAMESPACE + name, json.dumps(value, sort_keys=True, ensure_ascii=False))
        for name, value in sorted(values.items())
        if value not in (None, [], {}, ())
    ]


def decode(pairs: Iterable[tuple[str | None, str | None]]) -> dict[str, Any]:
    """The ``custos:`` fields among name/value pairs; other pairs are left to their owners.

    Raises ``ValueError`` naming the property when a value is not JSON.
    """
    found: dict[str, Any] = {}
    for name, value in pairs:
        if not name or not name.startswith(NAMESPACE) or value is None:
            continue
        try:
            found[name.removeprefix(NAMESPACE)] = bounded_json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"property {name!r} does not hold JSON: {exc.msg}") from exc
    return found


def looks_like_url(text: str | None) -> bool:
    return bool(text) and "://" in str(text) and " " not in str(text)
