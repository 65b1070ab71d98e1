"""API tokens: 256 random bits, shown once, stored only as a SHA-256 hash, with an optional expiry.

A hash (not a slow password hash) is right here because the token is random and long: there is
nothing to brute-force, and every request must check one quickly.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime, timedelta

from custos.core.canonical import sha256_hex
from custos.core.errors import InvalidInput

PREFIX = "custos_"

_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
_DURATION = re.compile(r"(\d+)([hdw])")


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return sha256_hex(token.encode())


def duration(text: str) -> timedelta:
    """How long ``text`` (``12h``, ``90d``, ``2w``) says.

    Hours, days and weeks only: ``m`` would be read as minutes by some and months by others.
    """
    match = _DURATION.fullmatch(text.strip().lower())
    if match is None or int(match.group(1)) == 0:
        raise InvalidInput(
            f"expiry {text!r}: give a positive whole number of hours, days or weeks (12h, 90d, 2w)"
        )
    return int(match.group(1)) * _UNITS[match.group(2)]


def moment(text: str) -> datetime:
    """The moment ``text`` names: an ISO 8601 date (the start of that day, UTC) or a time with its zone.

    A time without a zone is refused rather than guessed.
    """
    text = text.strip()
    try:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
    except ValueError:
        pass
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"expiry {text!r}: give a date (2027-03-31) or a time with its zone") from None
    if found.tzinfo is None:
        raise InvalidInput(f"expiry {text!r} has no zone: add one (2027-03-31T12:00:00Z)")
    return found.astimezone(UTC)
