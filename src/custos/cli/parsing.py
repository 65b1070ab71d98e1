"""What commands read from their options' text before a request model sees it: days, and the
terms a person gave.

Typer hands options over as text; a request model would refuse a bad day too, but naming the
option (``--due takes a date as YYYY-MM-DD``) tells a person which one to fix.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from custos.core.errors import InvalidInput


def day(value: str | None, option: str) -> date | None:
    """The day ``option`` names, or None when it was left out."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"{option} takes a date as YYYY-MM-DD, not {value!r}") from exc


def terms(**values: Any) -> dict[str, Any]:
    """The terms given, without the options left out: a request model then applies its defaults
    and records only what its author set."""
    return {name: value for name, value in values.items() if value is not None}
