"""When obligations fall due, counted as the law the act is done under counts periods.

Three rules, named by a pack's ``counting`` (by default its jurisdiction's):

- ``eu-1182-71``, Regulation (EEC, Euratom) No 1182/71: the day of the event does not count
  (Art. 3(1)); a period in days ends with the expiry of the last hour of its last day
  (Art. 3(2)(b)), one in weeks or months on the same weekday or date, or the month's last day
  when that date does not exist (Art. 3(2)(c)); weekends and holidays count (Art. 3(3)), but a
  period whose last day is a Saturday, Sunday or public holiday ends on the next working day
  (Art. 3(4)); a period of two days or more includes at least two working days (Art. 3(5)).
- ``us-ca-ccp-12``, California Code of Civil Procedure: exclude the first day, include the last
  (§ 12); a last day that is a holiday, Saturdays included, moves to the next day that is not
  (§ 12a).
- ``us-ny-gcl-20``, New York General Construction Law: the day of the event is excluded
  (§ 20) and a day runs midnight to midnight (§ 19); a period of two days excludes an
  intervening Saturday, Sunday or public holiday (§ 20); one ending on a Saturday, Sunday or
  public holiday extends to the next business day (§ 25-a).

Days are those of the authority's time zone; due moments are stored in UTC. Hours are elapsed
time, never extended. Holidays come from the ``holidays`` package: a country, an ISO 3166-2
subdivision (US-CA, US-NY), or, for the EU, the TARGET2 closing days (``XECB``), the nearest
published calendar to the institutions' own, which ``holidays`` does not have.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import holidays

from custos.core.units import timestamp
from custos.policy.pack import CountingRule, Deadline, Period, default_counting

RECURRENCE_MONTHS = {"every_two_years": 24, "yearly": 12, "quarterly": 3, "monthly": 1}
_Day = TypeVar("_Day", bound=date)


@dataclass(frozen=True)
class Counting:
    """A statute's rule for counting periods, with the article behind each step."""

    id: CountingRule
    law: str
    zone: ZoneInfo
    excludes: str
    """Where the law says the day of the event does not count."""
    ends: str
    """Where it says a period ends at the end of its last day (or the same weekday or date)."""
    rolls: str
    """Where it moves a last day off a weekend or holiday."""
    two_working_days: str | None
    """Where it requires a period of two days to hold two working days, if it does."""
    only_two_days: bool
    """The requirement holds for periods of exactly two days (New York), not two or more (EU)."""


COUNTINGS: dict[CountingRule, Counting] = {
    "eu-1182-71": Counting(
        "eu-1182-71",
        "Regulation (EEC, Euratom) No 1182/71",
        ZoneInfo("Europe/Brussels"),
        excludes="Art. 3(1)",
        ends="Art. 3(2)(b) and (c)",
        rolls="Art. 3(4)",
        two_working_days="Art. 3(5)",
        only_two_days=False,
    ),
    "us-ca-ccp-12": Counting(
        "us-ca-ccp-12",
        "California Code of Civil Procedure",
        ZoneInfo("America/Los_Angeles"),
        excludes="§ 12",
        ends="§ 12",
        rolls="§ 12a",
        two_working_days=None,
        only_two_days=False,
    ),
    "us-ny-gcl-20": Counting(
        "us-ny-gcl-20",
        "New York General Construction Law",
        ZoneInfo("America/New_York"),
        excludes="§ 20",
        ends="§§ 19, 20",
        rolls="§ 25-a",
        two_working_days="§ 20",
        only_two_days=True,
    ),
}


def counting_of(jurisdiction: str, rule: CountingRule | None = None) -> Counting:
    """The rule named, or the jurisdiction's (the EU's for an unknown one, as for old records)."""
    return COUNTINGS[rule or default_counting(jurisdiction) or "eu-1182-71"]


@cache
def _closed_days(jurisdiction: str, year: int) -> dict[date, str]:
    """The public holidays (for the EU, the TARGET2 closing days) of a year, with their names."""
    if jurisdiction == "EU":
        closed = holidays.financial_holidays("XECB", years=year)
    else:
        country, _, subdivision = jurisdiction.partition("-")
        try:
            closed = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
        except NotImplementedError:
            return {}
    return dict(closed)


def is_working_day(day: date, jurisdiction: str) -> bool:
    return day.weekday() < 5 and day not in _closed_days(jurisdiction, day.year)


def closed_name(day: date, jurisdiction: str) -> str:
    """Why a day is not a working day: its holiday's name, or the weekday."""
    return _closed_days(jurisdiction, day.year).get(day) or day.strftime("%A")


def add_working_days(start: _Day, days: int, jurisdiction: str) -> _Day:
    """The ``days``-th working day after ``start`` (day 0 is the start itself)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current, jurisdiction):
            remaining -= 1
    return current


def add_months(moment: _Day, months: int) -> _Day:
    """The same day ``months`` later, or the month's last day when it has fewer days."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Count:
    """A period counted in days: the event's day, the last day as counted, the days passed over
    to reach a working day, whether the two-working-days rule moved it further, and the end."""

    event_day: date
    counted: date
    passed_over: tuple[date, ...]
    extended: bool
    last_day: date
    end: datetime


def _counted_day(period: Period, event_day: date, jurisdiction: str) -> date:
    """The last day before any move: the day of the event is excluded, so N days end on the
    event's day + N, weeks on the same weekday, months on the same date (or the month's last)."""
    if period.unit == "weeks":
        return event_day + timedelta(weeks=period.within)
    if period.unit == "months":
        return add_months(event_day, period.within)
    if period.unit == "working_days":
        return add_working_days(event_day, period.within, jurisdiction)
    return event_day + timedelta(days=period.within)


def _two_working_days_apply(rule: Counting, event_day: date, counted: date) -> bool:
    days = (counted - event_day).days
    return rule.two_working_days is not None and (days == 2 if rule.only_two_days else days >= 2)


def count_days(period: Period, start: datetime, jurisdiction: str, rule: Counting) -> Count:
    """Count a period of days, weeks or months from ``start`` as ``rule`` does."""
    event_day = start.astimezone(rule.zone).date()
    counted = _counted_day(period, event_day, jurisdiction)
    last, passed = counted, []
    while not is_working_day(last, jurisdiction):
        passed.append(last)
        last += timedelta(days=1)
    extended = False
    if _two_working_days_apply(rule, event_day, counted):
        while _working_days_between(event_day, last, jurisdiction) < 2:
            last, extended = add_working_days(last, 1, jurisdiction), True
    end = datetime.combine(last + timedelta(days=1), time(), rule.zone).astimezone(UTC)
    return Count(event_day, counted, tuple(passed), extended, last, end)


def _working_days_between(after: date, through: date, jurisdiction: str) -> int:
    days = (after + timedelta(days=n) for n in range(1, (through - after).days + 1))
    return sum(is_working_day(day, jurisdiction) for day in days)


def floor_of(deadline: Deadline, rule: Counting) -> datetime | None:
    """The first moment of ``not_before`` in the authority's time zone (a date of application
    applies from the beginning of that day)."""
    if deadline.not_before is None:
        return None
    return datetime.combine(deadline.not_before, time(), rule.zone).astimezone(UTC)


def period_end(period: Period, start: datetime, jurisdiction: str, rule: Counting) -> datetime:
    """When a period from ``start`` ends: hours exactly, no period at once, days at the end of
    the (moved) last day."""
    if period.unit == "hours":
        return start + timedelta(hours=period.within)
    if period.within == 0:
        return start
    return count_days(period, start, jurisdiction, rule).end


def due_at(
    deadline: Deadline, start: datetime, jurisdiction: str, counting: CountingRule | None = None
) -> datetime | None:
    """When an obligation whose clock starts at ``start`` falls due by law; None for a standing
    duty that waits for its event."""
    if deadline.on_event is not None:
        return None
    rule = counting_of(jurisdiction, counting)
    due = period_end(deadline, start, jurisdiction, rule)
    floor = floor_of(deadline, rule)
    return max(due, floor) if floor is not None else due


def graced(
    legal: datetime | None,
    attached: datetime,
    grace: Period,
    jurisdiction: str,
    counting: CountingRule | None = None,
) -> datetime | None:
    """The due date on record: the legal one, or, when that has already come as the obligation
    attaches, the end of the pack's grace from then, so no obligation is overdue at once."""
    if legal is None or legal > attached:
        return legal
    return period_end(grace, attached, jurisdiction, counting_of(jurisdiction, counting))


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
    "planned_known_on": "the date the model's planned compute became known",
    "previous_due": "the previous period's due date",
}
#: An occurrence's clock runs from a moment its event names: ``event:<field>``.
EVENT_START = "event:"


def start_words(start_from: str) -> str:
    """Where a deadline's clock started, in words."""
    if start_from.startswith(EVENT_START):
        return f"the {start_from.removeprefix(EVENT_START).replace('_', ' ')} the event gives"
    return STARTS[start_from]


def undone(deadline: Deadline, due: datetime) -> datetime | None:
    """The start an hours count was made from (hours are exact, so they undo); None for days,
    whose end is a whole day and does not tell the moment counted from."""
    if deadline.unit != "hours" or (deadline.not_before is not None and deadline.within == 0):
        return None
    return due - timedelta(hours=deadline.within)


def counted_from(deadline: Deadline, due: datetime, stamped: datetime) -> datetime:
    """The moment a due date was counted from, given the time ``stamped`` on the filing that
    recorded it, a moment after the count: exact for hours when the two agree, else the stamp
    (a count in days reads only its day)."""
    counted = undone(deadline, due)
    return counted if counted and timedelta(0) <= stamped - counted < timedelta(minutes=10) else stamped


def _counting(unit: str, jurisdiction: str, rule: Counting) -> str:
    """How a period is counted, in words."""
    if unit == "hours":
        return "every hour, from the start, never extended"
    closed = "the TARGET2 closing days" if jurisdiction == "EU" else "the public holidays"
    if unit == "working_days":
        return f"Monday to Friday, without {closed} of {jurisdiction}, under the {rule.law}"
    return (
        f"every day, weekends and holidays included, under the {rule.law}, "
        f"moving off weekends and {closed} of {jurisdiction}"
    )


def _skipped(count: Count, jurisdiction: str) -> tuple[int, list[dict[str, str]]]:
    """The weekend days and the named closing days within a count, up to its last day."""
    weekend, closed = 0, []
    day = count.event_day + timedelta(days=1)
    while day <= count.last_day:
        if day.weekday() >= 5:
            weekend += 1
        elif not is_working_day(day, jurisdiction):
            closed.append({"date": day.isoformat(), "name": closed_name(day, jurisdiction)})
        day += timedelta(days=1)
    return weekend, closed


def _steps(period: Period, count: Count, jurisdiction: str, rule: Counting) -> str:
    """The count in words, each step with its article."""
    last = {
        "weeks": "it ends on the same weekday,",
        "months": "it ends on the same date (or the month's last day),",
        "working_days": "its last working day is",
    }.get(period.unit, "its last day is")
    text = (
        f"the day of the event, {count.event_day.isoformat()}, does not count ({rule.excludes}); "
        f"{last} {count.counted.isoformat()} ({rule.ends})"
    )
    if count.passed_over:
        days = ", ".join(f"{day.isoformat()} ({closed_name(day, jurisdiction)})" for day in count.passed_over)
        text += f", not a working day, so it moves past {days} ({rule.rolls})"
    if count.extended:
        text += (
            f"; it must include two working days, so it runs to {count.last_day.isoformat()} "
            f"({rule.two_working_days})"
        )
    return text + f"; it ends at 24:00 {rule.zone.key} on {count.last_day.isoformat()}"


def _sentence(
    deadline: Deadline, jurisdiction: str, rule: Counting, start: datetime | None, start_from: str
) -> str:
    """How the legal due date was reached, without the count's steps."""
    if start_from == "previous_due":
        recurrence = deadline.recurring or "yearly"
        words = recurrence.replace("_", " ")
        months = RECURRENCE_MONTHS[recurrence]
        return f"{months} months after the previous period's due date, as it recurs {words}"
    origin = start_words(start_from) + (f" ({timestamp(start)})" if start else "")
    if deadline.within == 0:
        return f"at once, from {origin}"
    period = f"{deadline.within} {deadline.unit.replace('_', ' ')}"
    return f"{period} after {origin}, counting {_counting(deadline.unit, jurisdiction, rule)}"


def _count_of(deadline: Deadline, jurisdiction: str, rule: Counting, start: datetime | None) -> Count | None:
    """The count behind a legal due date in days, weeks or months, when its start is known."""
    if start is None or deadline.unit == "hours" or deadline.within == 0:
        return None
    return count_days(deadline, start, jurisdiction, rule)


def _counted(explanation: dict[str, Any], deadline: Deadline, count: Count, jurisdiction: str) -> str:
    """Record a count's last day, and for working days the days skipped; the words to add."""
    explanation["last_day"] = {
        "counted": count.counted.isoformat(),
        "passed_over": [
            {"date": d.isoformat(), "name": closed_name(d, jurisdiction)} for d in count.passed_over
        ],
        "two_working_days": count.extended,
        "ends": count.last_day.isoformat(),
    }
    if deadline.unit != "working_days":
        return ""
    weekend, closed = _skipped(count, jurisdiction)
    explanation["weekend_days_skipped"] = weekend
    explanation["closing_days_skipped"] = closed
    return f"; skipped: {weekend} weekend days" + "".join(
        f", {day['date']} ({day['name']})" for day in closed
    )


def _grace_words(
    explanation: dict[str, Any], grace: Period, legal: datetime, attached: datetime | None
) -> str:
    """Record the grace applied; the words that say why the due date is later than the law's."""
    explanation["grace"] = {
        "within": grace.within,
        "unit": grace.unit,
        "attached_at": attached.isoformat() if attached else None,
    }
    when = f" ({timestamp(attached)})" if attached else ""
    return (
        f"the legal due date, {timestamp(legal)}, had already come when the obligation attached{when}, "
        f"so it falls due {grace.within} {grace.unit.replace('_', ' ')} after attaching, the pack's grace. "
        "The legal due date: "
    )


def explain_due(
    deadline: Deadline,
    jurisdiction: str,
    *,
    start: datetime | None,
    start_from: str,
    due: datetime | None,
    start_filing: str | None = None,
    counting: CountingRule | None = None,
    grace: Period | None = None,
    attached: datetime | None = None,
) -> dict[str, Any]:
    """How an obligation's due date follows from its deadline: the start and where it comes
    from, the period, the rule for counting it (with its articles), the days a count passed
    over, any floor, any grace, and the resulting moment in UTC.

    ``start_from`` is a key of ``STARTS``; ``due`` is the due date on record, which the
    explanation states as it is (a pack changed since may count differently). The legal due
    date is counted again from ``start``; when the one on record is later and the legal one had
    come by ``attached``, the pack's ``grace`` made the difference.
    """
    rule = counting_of(jurisdiction, counting)
    counts = start is not None and start_from != "previous_due"
    legal = due_at(deadline, start, jurisdiction, rule.id) if counts and start is not None else None
    explanation: dict[str, Any] = {
        "due_at": due.isoformat() if due else None,
        "zone": "UTC",
        "start": {"from": start_from, "at": start.isoformat() if start else None, "filing": start_filing},
        "within": deadline.within,
        "unit": deadline.unit,
        "counting": _counting(deadline.unit, jurisdiction, rule),
        "counting_rule": {"id": rule.id, "law": rule.law, "zone": rule.zone.key},
        "jurisdiction": jurisdiction,
        "not_before": deadline.not_before.isoformat() if deadline.not_before else None,
        "recurring": deadline.recurring,
        "standing_event": deadline.on_event,
        "legal_due_at": legal.isoformat() if legal else None,
        "grace": None,
    }
    if due is None:
        explanation["summary"] = (
            f"No due date yet: a standing duty whose clock of {deadline.within} "
            f"{deadline.unit.replace('_', ' ')} starts when a filing of kind {deadline.on_event} arrives."
            if deadline.on_event
            else "No due date: the obligation is not known to hold, so no clock runs."
        )
        return explanation
    summary = f"Due {timestamp(due)}: "
    if grace is not None and legal is not None and legal < due and (attached is None or legal <= attached):
        summary += _grace_words(explanation, grace, legal, attached)
    summary += _sentence(deadline, jurisdiction, rule, start, start_from)
    count = _count_of(deadline, jurisdiction, rule, start) if counts else None
    if count is not None:
        summary += ": " + _steps(deadline, count, jurisdiction, rule)
        summary += _counted(explanation, deadline, count, jurisdiction)
    floor = floor_of(deadline, rule)
    if floor is not None and legal == floor and deadline.not_before is not None:
        summary += f"; held back to {deadline.not_before.isoformat()}, before which it cannot fall due"
    summary += "."
    if deadline.recurring and start_from != "previous_due":
        summary += (
            f" It recurs {(deadline.recurring or '').replace('_', ' ')}: once discharged, it falls due again."
        )
    explanation["summary"] = summary
    return explanation
