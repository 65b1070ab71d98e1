"""Jurisdictions: countries (ISO 3166-1 alpha-2), their subdivisions (ISO 3166-2) and the EU.

Codes are validated against ``pycountry``'s copy of the ISO tables, so a typo such as ``US-CAL``
is refused instead of creating a jurisdiction that no rule will ever match.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pycountry

from custos.core.errors import InvalidInput

#: Supranational jurisdictions that legislate directly (regulations apply without transposition).
SUPRANATIONAL = {"EU": "European Union"}
#: The member states of the European Union (ISO 3166-1 alpha-2), where EU law applies.
EU_MEMBERS = frozenset(
    {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE"}
    | {"IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}
)


def covers(scope: str, place: str) -> bool:
    """Whether a jurisdiction covers a place: itself, a country its subdivisions, the EU its members."""
    return (
        place == scope
        or place.split("-", 1)[0] == scope
        or (scope == "EU" and place.split("-", 1)[0] in EU_MEMBERS)
    )


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    code: str
    name: str
    parent: str | None = None


@cache
def jurisdiction(code: str) -> Jurisdiction:
    """Look up a jurisdiction by code, case-insensitively; raise :class:`InvalidInput` if unknown."""
    normalised = code.strip().upper()
    if normalised in SUPRANATIONAL:
        return Jurisdiction(normalised, SUPRANATIONAL[normalised])
    if "-" in normalised:
        subdivision = pycountry.subdivisions.get(code=normalised)  # type: ignore[no-untyped-call]
        if subdivision is not None:
            return Jurisdiction(normalised, subdivision.name, normalised.split("-", 1)[0])
    elif len(normalised) == 2:
        country = pycountry.countries.get(alpha_2=normalised)
        if country is not None:
            return Jurisdiction(normalised, country.name)
    raise InvalidInput(
        f"unknown jurisdiction {code!r}: use an ISO 3166-1 alpha-2 country (DE), "
        "an ISO 3166-2 subdivision (US-CA) or EU"
    )


def jurisdiction_code(value: str) -> str:
    """A jurisdiction's code, for a payload model's validator: an unknown one is a ValueError, so
    pydantic reports it as a fault of the field, beside any other field's."""
    try:
        return jurisdiction(value).code
    except InvalidInput as exc:
        raise ValueError(exc.message) from None
