"""Which terms the loaded packs define for incidents an incident meets, and by which points.

The packs are the policy package's; oversight sits beside it, not above it, so it reads the
``incidents`` section from the packs' stored text, which was validated when the pack was loaded.
The rule is the one a deadline's ``event_is`` applies (``policy.pack.DefinitionPoint.met_by``):
a point is met when the incident states every fact of its ``all_of`` and, when ``any_of`` names
some, one of them; a test holds the two to the same answers.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from functools import lru_cache
from typing import Any

import yaml

from custos.oversight.views import Classification


@lru_cache(maxsize=64)
def _terms(text: str) -> tuple[tuple[str, str, Mapping[str, Any]], ...]:
    document = yaml.safe_load(text)
    terms = document.get("incidents") or {}
    return tuple((str(document["id"]), str(document["jurisdiction"]), term) for term in terms.values())


def point_met(point: Mapping[str, Any], facts: Collection[str]) -> bool:
    every, some = point.get("all_of") or [], point.get("any_of") or []
    return all(f in facts for f in every) and (not some or any(f in facts for f in some))


def classify(packs: Sequence[Mapping[str, Any]], facts: Collection[str]) -> tuple[Classification, ...]:
    """The defined terms of the packs (rows with ``pack``, ``version`` and ``text``) the facts meet."""
    found = []
    for row in packs:
        for _, code, term in _terms(row["text"]):
            points = tuple(p["point"] for p in term["points"] if point_met(p, facts))
            if points:
                found.append(
                    Classification(
                        pack=f"{row['pack']}@{row['version']}",
                        jurisdiction=code,
                        term=term["term"],
                        article=term["cite"]["article"],
                        points=points,
                    )
                )
    return tuple(found)
