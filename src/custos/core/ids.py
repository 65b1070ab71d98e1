"""Sortable identifiers.

Filing ids are ULIDs: 48 bits of milliseconds then 80 random bits, in Crockford base32, so ids
sort by creation time and can be made on any node without coordination.
"""

from __future__ import annotations

from datetime import datetime

from ulid import ULID

from custos.core.clock import Clock, SystemClock

_SYSTEM_CLOCK = SystemClock()


def new_id(clock: Clock = _SYSTEM_CLOCK) -> str:
    """A new ULID string whose time part comes from ``clock``."""
    return str(ULID.from_datetime(clock.now()))


def made_at(identifier: str) -> datetime:
    """When a ULID was made (to the millisecond, in UTC): the registration of what it names."""
    return ULID.from_str(identifier).datetime
