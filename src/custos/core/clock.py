"""An injectable clock, so that deadlines, rollouts and checkpoints are testable.

Every module that needs the time takes a :class:`Clock`; nothing calls ``datetime.now`` directly.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


def utc(value: datetime) -> datetime:
    """Return ``value`` as an aware UTC datetime; naive values are refused rather than guessed."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: times in Custos are always UTC-aware")
    return value.astimezone(UTC)


def stored_utc(value: datetime) -> datetime:
    """A time read back from the database: stored in UTC, but SQLite returns it without its zone."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class Clock(Protocol):
    """Source of the current UTC time."""

    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to; for tests and what-if runs."""

    def __init__(self, start: datetime) -> None:
        self._now = utc(start)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, value: datetime) -> None:
        self._now = utc(value)
