"""Deadlines counted as the law counts periods: worked examples with real dates.

Every expected moment is worked out by hand from a calendar: the weekday of each date, the
TARGET2 closing days (1 January, Good Friday, Easter Monday, 1 May, 25 and 26 December), the
California and New York holidays, and the authority's time zone (Brussels UTC+1 in winter, +2
in summer; Los Angeles UTC-8/-7; New York UTC-5/-4). A period in days ends at 24:00 local time
of its last day, that is 00:00 local of the next day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custos.core.errors import InvalidInput
from custos.policy.deadlines import (
    COUNTINGS,
    add_months,
    counting_of,
    due_at,
    explain_due,
    graced,
    is_working_day,
)
from custos.policy.pack import CountingRule, Deadline, Period, load_pack
from tests.unit.policy.unit_pack import unit_pack

FRIDAY = datetime(2026, 12, 18, 15, 0, tzinfo=UTC)  # a Friday before Christmas


def eu(within: int, unit: str = "calendar_days", start: datetime = FRIDAY) -> datetime | None:
    return due_at(Deadline.model_validate({"within": within, "unit": unit}), start, "EU")


# --- Regulation 1182/71 ------------------------------------------------------------------------


def test_two_weeks_end_on_the_same_weekday_then_move_past_new_year_and_the_weekend() -> None:
    # Art. 3(2)(c): from Friday 18 December, two weeks end on Friday 1 January 2027, New Year's
    # Day (TARGET2 closed); Art. 3(4): then Saturday 2, Sunday 3, so Monday 4 January, 24:00 CET.
    assert eu(2, "weeks") == datetime(2027, 1, 4, 23, 0, tzinfo=UTC)


def test_fifteen_days_ending_on_christmas_move_to_monday() -> None:
    # Art. 3(1): Thursday 10 December does not count; day 15 is Friday 25 December (Christmas),
    # then 26 December (TARGET2 closed, a Saturday) and Sunday 27: Monday 28 December, 24:00 CET.
    assert eu(15, start=datetime(2026, 12, 10, 9, 0, tzinfo=UTC)) == datetime(2026, 12, 28, 23, 0, tzinfo=UTC)


def test_ten_days_end_at_the_end_of_the_tenth_day_after_the_event() -> None:
    # Monday 2 November + 10 is Thursday 12 November, a working day: it ends at 24:00 CET.
    monday = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    assert eu(10, start=monday) == datetime(2026, 11, 12, 23, 0, tzinfo=UTC)
    # The hour of the event does not matter, only its day: 00:01 and 23:59 Brussels agree.
    assert eu(10, start=datetime(2026, 11, 1, 23, 1, tzinfo=UTC)) == eu(10, start=monday)
    assert eu(10, start=datetime(2026, 11, 2, 22, 59, tzinfo=UTC)) == eu(10, start=monday)


def test_the_event_day_is_the_authoritys_day_not_utcs() -> None:
    # 23:30 UTC on Friday 18 December is 00:30 on Saturday 19 December in Brussels: ten days
    # end on Tuesday 29 December, not Monday 28.
    assert eu(10, start=datetime(2026, 12, 18, 23, 30, tzinfo=UTC)) == datetime(
        2026, 12, 29, 23, 0, tzinfo=UTC
    )
    assert eu(10, start=datetime(2026, 12, 18, 22, 59, tzinfo=UTC)) == datetime(
        2026, 12, 28, 23, 0, tzinfo=UTC
    )


def test_two_days_over_a_weekend_include_two_working_days() -> None:
    friday = datetime(2026, 11, 6, 12, 0, tzinfo=UTC)
    # Day 2 is Sunday 8 November; Art. 3(4) moves it to Monday 9, which leaves one working day
    # in the period; Art. 3(5) asks for two: Tuesday 10 November, 24:00 CET.
    assert eu(2, start=friday) == datetime(2026, 11, 10, 23, 0, tzinfo=UTC)
    # From Thursday, day 2 is Saturday, moved to Monday: Friday and Monday are two working days.
    assert eu(2, start=friday - timedelta(days=1)) == datetime(2026, 11, 9, 23, 0, tzinfo=UTC)
    # A period of one day is not "two days or more": Saturday moves to Monday, no further.
    assert eu(1, start=friday) == datetime(2026, 11, 9, 23, 0, tzinfo=UTC)


def test_a_month_ends_on_the_same_date_or_the_months_last_day() -> None:
    # Art. 3(2)(c): from 31 January 2027 one month ends on 28 February (no 31st), a Sunday,
    # moved to Monday 1 March (Art. 3(4)).
    assert eu(1, "months", datetime(2027, 1, 31, 8, 0, tzinfo=UTC)) == datetime(2027, 3, 1, 23, 0, tzinfo=UTC)


def test_working_days_skip_weekends_and_the_jurisdictions_holidays() -> None:
    assert not is_working_day(date(2026, 12, 25), "EU")
    # Monday 21 to Thursday 24, then Monday 28 (25 and 26 December closed): 24:00 CET.
    assert eu(5, "working_days") == datetime(2026, 12, 28, 23, 0, tzinfo=UTC)
    # Easter 2027: TARGET2 closes on Good Friday (26 March) and Easter Monday (29 March),
    # California on neither; from Thursday 25 March two working days end on different days,
    # at 24:00 CEST (UTC+2) and PDT (UTC-7).
    thursday = datetime(2027, 3, 25, 15, 0, tzinfo=UTC)
    two = Deadline(within=2, unit="working_days")
    assert due_at(two, thursday, "EU") == datetime(2027, 3, 31, 22, 0, tzinfo=UTC)
    assert due_at(two, thursday, "US-CA") == datetime(2027, 3, 30, 7, 0, tzinfo=UTC)


def test_hours_are_elapsed_time_never_extended() -> None:
    # 72 hours from Friday 15:00 UTC end on Monday 15:00 UTC, the weekend counted; 72 hours from
    # Tuesday 22 December end on Christmas Day itself.
    hours = Deadline(within=72, unit="hours")
    assert due_at(hours, FRIDAY, "US-NY") == datetime(2026, 12, 21, 15, 0, tzinfo=UTC)
    assert due_at(hours, datetime(2026, 12, 22, 15, 0, tzinfo=UTC), "EU") == datetime(
        2026, 12, 25, 15, 0, tzinfo=UTC
    )
    assert due_at(Deadline(within=24, unit="hours"), FRIDAY, "US-CA") == FRIDAY + timedelta(hours=24)


def test_not_before_holds_a_deadline_to_the_first_moment_of_the_date_of_application() -> None:
    # 2 August 2025 begins at 00:00 CEST, 22:00 UTC on 1 August.
    early = datetime(2024, 5, 1, tzinfo=UTC)
    assert due_at(Deadline(within=0, not_before=date(2025, 8, 2)), early, "EU") == datetime(
        2025, 8, 1, 22, 0, tzinfo=UTC
    )


def test_standing_duties_have_no_due_date_until_their_event() -> None:
    assert due_at(Deadline(on_event="incident.reported", within=15), FRIDAY, "EU") is None


# --- California and New York -------------------------------------------------------------------


def test_california_moves_a_last_day_on_saturday_to_monday() -> None:
    # CCP § 12: Friday 6 November excluded, day 15 is Saturday 21 November; § 12a: Saturday and
    # Sunday are holidays, so Monday 23 November, 24:00 PST (UTC-8).
    friday = datetime(2026, 11, 6, 18, 0, tzinfo=UTC)
    assert due_at(Deadline(within=15), friday, "US-CA") == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    # California has no two-working-days rule: two days from Friday end on Monday.
    assert due_at(Deadline(within=2), friday, "US-CA") == datetime(2026, 11, 10, 8, 0, tzinfo=UTC)


def test_new_york_moves_a_period_ending_on_a_public_holiday() -> None:
    # GCL § 20: Saturday 12 September excluded; day 30 is Monday 12 October, Columbus Day
    # (GCL § 24); § 25-a: Tuesday 13 October, 24:00 EDT (UTC-4).
    saturday = datetime(2026, 9, 12, 16, 0, tzinfo=UTC)
    assert due_at(Deadline(within=30), saturday, "US-NY") == datetime(2026, 10, 14, 4, 0, tzinfo=UTC)


def test_new_york_two_day_periods_exclude_an_intervening_weekend() -> None:
    # GCL § 20: a period of two days from Friday 6 November excludes Saturday and Sunday: Monday
    # is day one, Tuesday 10 November day two, 24:00 EST (UTC-5).
    friday = datetime(2026, 11, 6, 17, 0, tzinfo=UTC)
    assert due_at(Deadline(within=2), friday, "US-NY") == datetime(2026, 11, 11, 5, 0, tzinfo=UTC)
    # Three days are not "a period of two days": Monday 9, by § 25-a only.
    assert due_at(Deadline(within=3), friday, "US-NY") == datetime(2026, 11, 10, 5, 0, tzinfo=UTC)


# --- grace -------------------------------------------------------------------------------------


ATTACHED = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)  # a Thursday
GRACE = Period(within=30)


def test_a_due_date_already_past_at_attachment_gets_the_packs_grace() -> None:
    legal = due_at(Deadline(within=0, not_before=date(2025, 8, 2)), datetime(2024, 5, 1, tzinfo=UTC), "EU")
    # 30 days from Thursday 3 December is Saturday 2 January 2027: Monday 4 January, 24:00 CET.
    assert graced(legal, ATTACHED, GRACE, "EU") == datetime(2027, 1, 4, 23, 0, tzinfo=UTC)


def test_a_due_date_at_the_moment_of_attachment_is_already_due() -> None:
    assert graced(ATTACHED, ATTACHED, GRACE, "EU") == datetime(2027, 1, 4, 23, 0, tzinfo=UTC)
    later = ATTACHED + timedelta(microseconds=1)
    assert graced(later, ATTACHED, GRACE, "EU") == later
    assert graced(None, ATTACHED, GRACE, "EU") is None


# --- explanation -------------------------------------------------------------------------------


def test_the_explanation_names_the_rule_its_articles_and_the_days_passed_over() -> None:
    deadline = Deadline(within=2, unit="weeks")
    due = due_at(deadline, FRIDAY, "EU")
    explained = explain_due(deadline, "EU", start=FRIDAY, start_from="trigger", due=due, grace=GRACE)
    assert explained["due_at"] == explained["legal_due_at"] == "2027-01-04T23:00:00+00:00"
    assert explained["counting_rule"] == {
        "id": "eu-1182-71",
        "law": "Regulation (EEC, Euratom) No 1182/71",
        "zone": "Europe/Brussels",
    }
    assert explained["grace"] is None
    assert explained["last_day"] == {
        "counted": "2027-01-01",
        "passed_over": [
            {"date": "2027-01-01", "name": "New Year's Day"},
            {"date": "2027-01-02", "name": "Saturday"},
            {"date": "2027-01-03", "name": "Sunday"},
        ],
        "two_working_days": False,
        "ends": "2027-01-04",
    }
    summary = explained["summary"]
    assert summary.startswith("Due 2027-01-04 23:00 UTC: 2 weeks after the filing that triggered it")
    for words in (
        "the day of the event, 2026-12-18, does not count (Art. 3(1))",
        "it ends on the same weekday, 2027-01-01",
        "2027-01-01 (New Year's Day), 2027-01-02 (Saturday), 2027-01-03 (Sunday) (Art. 3(4))",
        "24:00 Europe/Brussels on 2027-01-04",
    ):
        assert words in summary


def test_the_explanation_says_when_art_3_5_extended_a_period() -> None:
    friday = datetime(2026, 11, 6, 12, 0, tzinfo=UTC)
    two = Deadline(within=2)
    explained = explain_due(two, "EU", start=friday, start_from="trigger", due=due_at(two, friday, "EU"))
    assert explained["last_day"]["two_working_days"] is True
    assert "so it runs to 2026-11-10 (Art. 3(5))" in explained["summary"]


def test_the_explanation_keeps_the_legal_due_date_when_grace_applied() -> None:
    deadline = Deadline(within=0, not_before=date(2025, 8, 2))
    start = datetime(2024, 5, 1, tzinfo=UTC)
    due = graced(due_at(deadline, start, "EU"), ATTACHED, GRACE, "EU")
    explained = explain_due(
        deadline, "EU", start=start, start_from="release_date", due=due, grace=GRACE, attached=ATTACHED
    )
    assert explained["legal_due_at"] == "2025-08-01T22:00:00+00:00"
    assert explained["grace"] == {"within": 30, "unit": "calendar_days", "attached_at": ATTACHED.isoformat()}
    assert explained["summary"].startswith(
        "Due 2027-01-04 23:00 UTC: the legal due date, 2025-08-01 22:00 UTC, had already come when the "
        "obligation attached (2026-12-03 10:00 UTC), so it falls due 30 calendar days after attaching"
    )
    assert "held back to 2025-08-02" in explained["summary"]


def test_working_day_explanations_keep_the_skipped_days() -> None:
    deadline = Deadline(within=5, unit="working_days")
    explained = explain_due(
        deadline, "EU", start=FRIDAY, start_from="trigger", due=due_at(deadline, FRIDAY, "EU")
    )
    assert explained["weekend_days_skipped"] == 4
    assert explained["closing_days_skipped"] == [{"date": "2026-12-25", "name": "Christmas Day"}]


# --- packs -------------------------------------------------------------------------------------


def test_every_counting_rule_a_pack_may_name_is_implemented() -> None:
    assert set(COUNTINGS) == set(get_args(CountingRule))


@pytest.mark.parametrize(
    ("jurisdiction", "rule"),
    [("EU", "eu-1182-71"), ("FR", "eu-1182-71"), ("US-CA", "us-ca-ccp-12"), ("US-NY", "us-ny-gcl-20")],
)
def test_a_packs_counting_defaults_to_its_jurisdictions(jurisdiction: str, rule: str) -> None:
    pack = load_pack(unit_pack("p", "P").replace("jurisdiction: EU", f"jurisdiction: {jurisdiction}"))
    assert pack.document.counting_rule == rule
    assert pack.document.grace == Period(within=30, unit="calendar_days")


def test_a_pack_without_a_known_counting_rule_must_name_one() -> None:
    text = unit_pack("p", "P").replace("jurisdiction: EU", "jurisdiction: GB")
    with pytest.raises(InvalidInput, match="no counting rule is known for GB"):
        load_pack(text)
    named = load_pack(text.replace("jurisdiction: GB", "jurisdiction: GB\ncounting: us-ny-gcl-20"))
    assert named.document.counting_rule == "us-ny-gcl-20"


def test_a_grace_of_nothing_is_refused() -> None:
    text = unit_pack("p", "P").replace("jurisdiction: EU", "jurisdiction: EU\ngrace: {within: 0}")
    with pytest.raises(InvalidInput, match="overdue the moment it attaches"):
        load_pack(text)


def test_recurrence_keeps_the_day_or_the_months_last() -> None:
    assert add_months(datetime(2026, 1, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2026, 11, 15, tzinfo=UTC), 12) == datetime(2027, 11, 15, tzinfo=UTC)


# --- properties --------------------------------------------------------------------------------

MOMENTS = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)
DAY_UNITS = st.sampled_from(["calendar_days", "working_days", "weeks", "months"])
PLACES = st.sampled_from(["EU", "US-CA", "US-NY"])


@settings(max_examples=300, deadline=None)
@given(start=MOMENTS, within=st.integers(1, 60), unit=DAY_UNITS, place=PLACES)
def test_a_period_in_days_ends_at_local_midnight_after_a_working_day(
    start: datetime, within: int, unit: str, place: str
) -> None:
    due = due_at(Deadline.model_validate({"within": within, "unit": unit}), start, place)
    assert due is not None
    local = due.astimezone(counting_of(place).zone)
    assert (local.hour, local.minute, local.second) == (0, 0, 0)
    assert is_working_day(local.date() - timedelta(days=1), place)


@settings(max_examples=300, deadline=None)
@given(start=MOMENTS, within=st.integers(1, 60), unit=DAY_UNITS, place=PLACES)
def test_a_period_never_ends_before_its_length_has_elapsed(
    start: datetime, within: int, unit: str, place: str
) -> None:
    """By the authority's clock on the wall: a day is a calendar day, so across a change to
    summer time 33 days are 33 x 24 hours less one (Hypothesis found that one)."""
    due = due_at(Deadline.model_validate({"within": within, "unit": unit}), start, place)
    assert due is not None
    local = start.astimezone(counting_of(place).zone)
    length = {
        "calendar_days": local + timedelta(days=within),
        "working_days": local + timedelta(days=within),
        "weeks": local + timedelta(weeks=within),
        "months": add_months(local, within),
    }[unit]
    assert due >= length.astimezone(UTC)
