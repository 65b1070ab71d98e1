"""Whether a filing is the evidence a duty or a condition asks for: its content and its validity.

Evidence has a validity period. A filing whose content carries ``valid_until`` (an audit
attestation, an insurance certificate) answers nothing once that day has passed, and one whose
content names values (a scope, an opinion) answers only when they are among those asked for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any


def expired(content: Mapping[str, Any], now: datetime) -> date | None:
    """The day the evidence's validity ended, when it has ended."""
    valid_until = content.get("valid_until")
    if valid_until is None:
        return None
    day = date.fromisoformat(str(valid_until)[:10])
    return day if day < now.date() else None


def unmet(content: Mapping[str, Any], accept: Mapping[str, Sequence[str]]) -> str | None:
    """The first field whose value is not among those accepted, as a reason; None when all are."""
    for name, allowed in accept.items():
        if str(content.get(name)) not in allowed:
            return f"its {name} is {content.get(name)}, not {' or '.join(allowed)}"
    return None


def meets(content: Mapping[str, Any], accept: Mapping[str, Sequence[str]], now: datetime) -> bool:
    """Whether the content is accepted evidence now: still valid, with the values asked for."""
    return expired(content, now) is None and unmet(content, accept) is None
