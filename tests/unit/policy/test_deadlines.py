from __future__ import annotations

from datetime import UTC, date, datetime

from custos.policy.deadlines import add_months, due_at, is_working_day
from custos.policy.pack import Deadline

START = datetime(2026, 12, 18, 15, 0, tzinfo=UTC)  # a Friday before Christmas


def test_calendar_days() -> None:
    assert due_at(Deadline(within=14), START, "EU") == datetime(2027, 1, 1, 15, 0, tzinfo=UTC)


def test_working_days_skip_weekends_and_the_jurisdictions_holidays() -> None:
    assert not is_working_day(date(2026, 12, 25), "EU")
    assert due_at(Deadline(within=5, unit="working_days"), START, "EU") == datetime(
        2026, 12, 28, 15, 0, tzinfo=UTC
    )
    # Easter 2027: TARGET2 closes on Good Friday (26 March) and Easter Monday (29 March),
    # California on neither; from Thursday 25 March, two working days end on different days.
    thursday = datetime(2027, 3, 25, 15, 0, tzinfo=UTC)
    two = Deadline(within=2, unit="working_days")
    assert due_at(two, thursday, "EU") == datetime(2027, 3, 31, 15, 0, tzinfo=UTC)
    assert due_at(two, thursday, "US-CA") == datetime(2027, 3, 29, 15, 0, tzinfo=UTC)


def test_hours_for_imminent_risk_deadlines() -> None:
    assert due_at(Deadline(within=24, unit="hours"), START, "US-CA") == datetime(
        2026, 12, 19, 15, 0, tzinfo=UTC
    )


def test_not_before_moves_an_early_deadline_to_the_date_of_application() -> None:
    early = datetime(2024, 5, 1, tzinfo=UTC)
    assert due_at(Deadline(within=0, not_before=date(2025, 8, 2)), early, "EU") == datetime(
        2025, 8, 2, tzinfo=UTC
    )


def test_standing_duties_have_no_due_date_until_their_event() -> None:
    assert due_at(Deadline(on_event="incident.reported", within=15), START, "EU") is None


def test_recurrence_keeps_the_day_or_the_months_last() -> None:
    assert add_months(datetime(2026, 1, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2026, 11, 15, tzinfo=UTC), 12) == datetime(2027, 11, 15, tzinfo=UTC)
