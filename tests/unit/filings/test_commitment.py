from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custos.access.model import ACTOR_REGISTERED, Principal, Role
from custos.core import FixedClock, IntegrityFailure, InvalidInput
from custos.filings import Filing, Visibility, verify_view


def actor_filing(clock: FixedClock) -> Filing:
    return Filing.create(
        kind=ACTOR_REGISTERED,
        content={"name": "Ada Analyst", "role": "provider", "organisation_id": "ORG1", "jurisdiction": "FR"},
        actor="operator",
        organisation="ORG1",
        jurisdiction_code="FR",
        subject="ACTOR1",
        clock=clock,
    )


def viewer(role: Role, organisation: str | None = None) -> Principal:
    return Principal("someone", "someone", role, organisation, "FR")


@pytest.mark.parametrize(
    ("who", "sees_name"),
    [
        (viewer(Role.PUBLIC), False),
        (viewer(Role.PROVIDER, "ORG1"), False),  # the name is for supervisors only
        (viewer(Role.PROVIDER, "ORG2"), False),
        (viewer(Role.SUPERVISOR, "AUTH"), True),
    ],
)
def test_each_viewer_gets_a_view_that_checks_against_the_ledger_entry(
    clock: FixedClock, who: Principal, sees_name: bool
) -> None:
    filing = actor_filing(clock)
    view = filing.view(lambda visibility: who.can_see(visibility, filing.organisation))
    verify_view(view, filing.ledger_entry())
    assert ("name" in view.disclosed) is sees_name
    assert ("Ada Analyst" in view.model_dump_json()) is sees_name
    assert len(view.disclosed) + len(view.withheld) == 4


def test_the_ledger_entry_holds_no_content(clock: FixedClock) -> None:
    filing = actor_filing(clock)
    entry = json.loads(filing.ledger_entry())
    assert set(entry) == {
        "v",
        "id",
        "kind",
        "jurisdiction",
        "subject",
        "actor",
        "organisation",
        "filed_at",
        "supersedes",
        "digest",
    }
    assert "Ada" not in filing.ledger_entry().decode()


def test_an_altered_disclosure_does_not_verify(clock: FixedClock) -> None:
    filing = actor_filing(clock)
    view = filing.view(lambda _: True)
    altered = view.model_copy(
        update={
            "disclosed": {
                **view.disclosed,
                "role": view.disclosed["role"].model_copy(update={"value": "supervisor"}),
            }
        }
    )
    with pytest.raises(IntegrityFailure):
        verify_view(altered, filing.ledger_entry())


def test_salts_make_equal_contents_unlinkable(clock: FixedClock) -> None:
    first, second = actor_filing(clock), actor_filing(clock)
    assert first.field_digests()["role"] != second.field_digests()["role"]


def test_visibility_of_an_absent_field_is_refused(clock: FixedClock) -> None:
    with pytest.raises(InvalidInput, match="lacks"):
        Filing.create(
            kind=ACTOR_REGISTERED,
            content={"name": "A", "role": "provider", "organisation_id": "O", "jurisdiction": "FR"},
            actor="operator",
            organisation="O",
            jurisdiction_code="FR",
            subject="S",
            clock=clock,
            visibility={"salary": Visibility.OWNER},
        )


@given(st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=3))
def test_invalid_content_is_refused_with_the_field_named(extra: dict[str, object]) -> None:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(InvalidInput, match=r"invalid actor\.registered filing"):
        Filing.create(
            kind=ACTOR_REGISTERED,
            content={"role": "provider", **extra},
            actor="operator",
            organisation="O",
            jurisdiction_code="FR",
            subject="S",
            clock=clock,
        )
