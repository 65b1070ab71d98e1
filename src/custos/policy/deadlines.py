"""When obligations fall due: calendar days, working days of a jurisdiction, or hours.

Working days skip weekends and the public holidays of the obligation's jurisdiction, from the
``holidays`` package: a country, an ISO 3166-2 subdivision (US-CA, US-NY), or, for the EU, the
TARGET2 closing days the EU institutions' financial calendar follows.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from functools import cache

import holidays

from custos.policy.pack import Deadline

RECURRENCE_MONTHS = {"yearly": 12, "quarterly": 3, "monthly": 1}


@cache
def _closed_days(jurisdiction: str, year: int) -> frozenset[date]:
    if jurisdiction == "EU":
        calendar = holidays.financial_holidays("XECB", years=year)
    else:
        country, _, subdivision = jurisdiction.partition("-")
        try:
            calendar = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
        except NotImplementedError:
            return frozenset()
    return frozenset(calendar)


def is_working_day(day: date, jurisdiction: str) -> bool:
    return day.weekday() < 5 and day not in _closed_days(jurisdiction, day.year)


def add_working_days(start: datetime, days: int, jurisdiction: str) -> datetime:
    """The same time of day, ``days`` working days later (day 0 is the start itself)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current.date(), jurisdiction):
            remaining -= 1
    return current


def add_months(moment: datetime, months: int) -> datetime:
    """The same day ``months`` later, or the month's last day when it has fewer days."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def due_at(deadline: Deadline, start: datetime, jurisdiction: str) -> datetime | None:
    """When an obligation triggered at ``start`` falls due; None for a standing duty that
    waits for its event."""
    if deadline.on_event is not None:
        return None
    if deadline.unit == "hours":
        due = start + timedelta(hours=deadline.within)
    elif deadline.unit == "working_days":
        due = add_working_days(start, deadline.within, jurisdiction)
    else:
        due = start + timedelta(days=deadline.within)
    if deadline.not_before is not None:
        floor = datetime.combine(deadline.not_before, datetime.min.time(), UTC)
        due = max(due, floor)
    return due


def next_due(deadline: Deadline, previous_due: datetime) -> datetime | None:
    """For a recurring obligation, when it falls due again after being discharged."""
    if deadline.recurring is None:
        return None
    return add_months(previous_due, RECURRENCE_MONTHS[deadline.recurring])
