"""When obligations fall due: calendar days, working days of a jurisdiction, or hours.

Working days skip weekends and the public holidays of the obligation's jurisdiction, from the
``holidays`` package: a country, an ISO 3166-2 subdivision (US-CA, US-NY), or, for the EU, the
TARGET2 closing days the EU institutions' financial calendar follows.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

import holidays

from custos.core.units import timestamp
from custos.policy.pack import Deadline

RECURRENCE_MONTHS = {"yearly": 12, "quarterly": 3, "monthly": 1}


@cache
def _closed_days(jurisdiction: str, year: int) -> dict[date, str]:
    """The public holidays (for the EU, the TARGET2 closing days) of a year, with their names."""
    if jurisdiction == "EU":
        calendar = holidays.financial_holidays("XECB", years=year)
    else:
        country, _, subdivision = jurisdiction.partition("-")
        try:
            calendar = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
        except NotImplementedError:
            return {}
    return dict(calendar)


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


#: What a deadline's start is, in words.
STARTS = {
    "trigger": "the filing that triggered it",
    "evaluation": "the evaluation that attached it",
    "release_date": "the model's release date",
    "start_date": "the deployment's start date",
    "previous_due": "the previous period's due date",
}


def _floored(deadline: Deadline, due: datetime) -> bool:
    floor = deadline.not_before
    return floor is not None and due == datetime.combine(floor, datetime.min.time(), UTC)


def undone(deadline: Deadline, due: datetime) -> datetime | None:
    """The start a due date was counted from, where the count can be undone: hours and
    calendar days, when no floor held it back; None otherwise."""
    if _floored(deadline, due) or deadline.unit == "working_days":
        return None
    return due - (
        timedelta(hours=deadline.within) if deadline.unit == "hours" else timedelta(days=deadline.within)
    )


def counted_from(deadline: Deadline, due: datetime, stamped: datetime) -> datetime:
    """The moment a due date was counted from, given the time ``stamped`` on the filing that
    recorded it, a moment after the count: exact where the count can be undone, the stamped
    day at the due time of day for working days."""
    if deadline.unit == "working_days" and not _floored(deadline, due):
        return datetime.combine(stamped.date(), due.timetz())
    counted = undone(deadline, due)
    return counted if counted and timedelta(0) <= stamped - counted < timedelta(minutes=10) else stamped


def _counting(unit: str, jurisdiction: str) -> str:
    """How a period is counted, in words."""
    if unit == "hours":
        return "every hour, from the start"
    if unit == "calendar_days":
        return "every day, weekends and holidays included"
    closed = "the TARGET2 closing days" if jurisdiction == "EU" else "the public holidays"
    return f"Monday to Friday, without {closed} of {jurisdiction}"


def _skipped(start: datetime, due: datetime, jurisdiction: str) -> tuple[int, list[dict[str, str]]]:
    """The weekend days and the named closing days after ``start`` up to ``due``."""
    weekend, closed = 0, []
    day = start.date() + timedelta(days=1)
    while day <= due.date():
        if day.weekday() >= 5:
            weekend += 1
        elif day in _closed_days(jurisdiction, day.year):
            closed.append({"date": day.isoformat(), "name": _closed_days(jurisdiction, day.year)[day]})
        day += timedelta(days=1)
    return weekend, closed


def _sentence(deadline: Deadline, jurisdiction: str, start: datetime | None, start_from: str) -> str:
    """How the due date was reached, after "Due <moment>: "."""
    if start_from == "previous_due":
        months = RECURRENCE_MONTHS[deadline.recurring or "yearly"]
        return f"{months} months after the previous period's due date, as it recurs {deadline.recurring}"
    origin = STARTS[start_from] + (f" ({timestamp(start)})" if start else "")
    if deadline.within == 0:
        return f"at once, from {origin}"
    period = f"{deadline.within} {deadline.unit.replace('_', ' ')}"
    return f"{period} after {origin}, counting {_counting(deadline.unit, jurisdiction)}"


def explain_due(
    deadline: Deadline,
    jurisdiction: str,
    *,
    start: datetime | None,
    start_from: str,
    due: datetime | None,
    start_filing: str | None = None,
) -> dict[str, Any]:
    """How an obligation's due date follows from its deadline: the start and where it comes
    from, the period, the rule for counting it, any floor, and the resulting moment in UTC.

    ``start_from`` is a key of ``STARTS``; ``due`` is the due date on record, which the
    explanation states as it is (a pack changed since may count differently).
    """
    explanation: dict[str, Any] = {
        "due_at": due.isoformat() if due else None,
        "zone": "UTC",
        "start": {"from": start_from, "at": start.isoformat() if start else None, "filing": start_filing},
        "within": deadline.within,
        "unit": deadline.unit,
        "counting": _counting(deadline.unit, jurisdiction),
        "jurisdiction": jurisdiction,
        "not_before": deadline.not_before.isoformat() if deadline.not_before else None,
        "recurring": deadline.recurring,
        "standing_event": deadline.on_event,
    }
    if due is None:
        explanation["summary"] = (
            f"No due date yet: a standing duty whose clock of {deadline.within} "
            f"{deadline.unit.replace('_', ' ')} starts when a filing of kind {deadline.on_event} arrives."
            if deadline.on_event
            else "No due date: the obligation is not known to hold, so no clock runs."
        )
        return explanation
    summary = f"Due {timestamp(due)}: {_sentence(deadline, jurisdiction, start, start_from)}"
    if start is not None and deadline.unit == "working_days" and start_from != "previous_due":
        weekend, closed = _skipped(start, due, jurisdiction)
        explanation["weekend_days_skipped"] = weekend
        explanation["closing_days_skipped"] = closed
        days = "".join(f", {day['date']} ({day['name']})" for day in closed)
        summary += f"; skipped: {weekend} weekend days{days}"
    if _floored(deadline, due) and deadline.not_before is not None:
        summary += f"; held back to {deadline.not_before.isoformat()}, before which it cannot fall due"
    summary += "."
    if deadline.recurring and start_from != "previous_due":
        summary += f" It recurs {deadline.recurring}: once discharged, it falls due again."
    explanation["summary"] = summary
    return explanation
