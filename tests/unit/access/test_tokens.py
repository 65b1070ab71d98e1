from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custos.access.model import Role
from custos.access.permissions import ROLE_PERMISSIONS, Permission
from custos.access.tokens import duration, moment
from custos.core.errors import InvalidInput


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12h", timedelta(hours=12)), ("90d", timedelta(days=90)), (" 2W ", timedelta(weeks=2))],
)
def test_durations_are_hours_days_or_weeks(text: str, expected: timedelta) -> None:
    assert duration(text) == expected


@pytest.mark.parametrize("text", ["5m", "1y", "0d", "-3d", "1.5d", "d", ""])
def test_other_durations_are_refused_rather_than_guessed(text: str) -> None:
    with pytest.raises(InvalidInput, match="hours, days or weeks"):
        duration(text)


def test_a_date_means_the_start_of_that_day_in_utc_and_a_time_keeps_its_zone() -> None:
    assert moment("2027-03-31") == datetime(2027, 3, 31, tzinfo=UTC)
    assert moment("2027-03-31T12:00:00+02:00") == datetime(2027, 3, 31, 10, tzinfo=UTC)
    assert moment("2027-03-31T12:00:00Z").tzinfo is UTC


@pytest.mark.parametrize(("text", "reason"), [("2027-03-31T12:00", "no zone"), ("next week", "give a date")])
def test_a_moment_without_a_zone_or_unreadable_is_refused(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        moment(text)


def test_only_supervisors_read_or_revoke_tokens_and_every_actor_may_revoke_its_own() -> None:
    for role, held in ROLE_PERMISSIONS.items():
        assert (Permission.TOKENS_READ in held) is (role is Role.SUPERVISOR)
        assert (Permission.TOKENS_REVOKE in held) is (role is Role.SUPERVISOR)
        assert (Permission.SELF_REVOKE in held) is (role is not Role.PUBLIC)
