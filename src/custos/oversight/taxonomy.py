"""The harm types and severity levels an incident report names, shipped as data with their source
(the OECD's 2024 definitions and the AI Incidents Monitor's classification), so the vocabulary is
read from one file that says where it comes from."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "oecd-harm-types.json"


@cache
def taxonomy() -> dict[str, Any]:
    """The shipped taxonomy: ``source``, ``harm_types`` and ``severity``, each term with its meaning."""
    loaded: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return loaded


def harm_types() -> tuple[str, ...]:
    return tuple(taxonomy()["harm_types"])
