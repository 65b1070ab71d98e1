"""``file_as``: the one way a filing is made on behalf of a principal.

Pinned from the module's docstring (src/custos/access/filer.py) and docs/architecture.md ("a
filing's organisation is its owner"): the actor is the principal's, or the local operator's
when the principal has none; the owner and subject are what the caller names; the jurisdiction
is the act's own when it has one, else the filer's, else the fallback the caller knows, and a
filing with none at all is refused before anything is sealed; visibility overrides and
``supersedes`` pass through to the filing; and the content is validated against the kind's
payload model, the error naming the offending field. Expected values are written out by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custos.access.filer import file_as
from custos.access.model import ACTOR_REGISTERED, OPERATOR_ID, Principal, Role
from custos.core.clock import FixedClock
from custos.core.errors import InvalidInput
from custos.filings import Visibility

WHEN = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
CONTENT: dict[str, Any] = {
    "name": "Ada",
    "role": "provider",
    "organisation_id": "ORG-1",
    "jurisdiction": "FR",
}


def principal(actor_id: str | None = "alice", jurisdiction: str | None = "DE") -> Principal:
    return Principal(actor_id, "Alice", Role.SUPERVISOR, "ORG-0", jurisdiction)


def filed_in(act: str | None, filer: str | None, fallback: str | None) -> str:
    """The jurisdiction a filing is made in, given the act's own, the filer's and the fallback."""
    return file_as(
        principal(jurisdiction=filer),
        ACTOR_REGISTERED,
        CONTENT,
        owner="ORG-1",
        subject="A",
        clock=FixedClock(WHEN),
        jurisdiction=act,
        fallback_jurisdiction=fallback,
    ).jurisdiction


def test_the_filing_carries_the_principals_actor_the_owner_subject_and_the_clocks_time() -> None:
    filing = file_as(
        principal(), ACTOR_REGISTERED, CONTENT, owner="ORG-1", subject="ACTOR-9", clock=FixedClock(WHEN)
    )
    assert (filing.kind, filing.actor, filing.organisation, filing.subject, filing.filed_at) == (
        "actor.registered",
        "alice",
        "ORG-1",
        "ACTOR-9",
        WHEN,
    )
    assert filing.content == CONTENT
    assert filing.supersedes is None


def test_a_principal_without_an_actor_files_as_the_local_operator() -> None:
    """The command line on the installation's own files has no actor id: it files as ``operator``."""
    filing = file_as(
        principal(actor_id=None),
        ACTOR_REGISTERED,
        CONTENT,
        owner="ORG-1",
        subject="A",
        clock=FixedClock(WHEN),
    )
    assert filing.actor == OPERATOR_ID == "operator"


# --- the jurisdiction -----------------------------------------------------------------------

CODES = st.sampled_from(["FR", "DE", "EU", "US-CA", "GB"])


@given(act=st.none() | CODES, filer=st.none() | CODES, fallback=st.none() | CODES)
def test_the_jurisdiction_is_the_acts_else_the_filers_else_the_fallback(
    act: str | None, filer: str | None, fallback: str | None
) -> None:
    """Every combination of the three sources: the first one given wins; with none, refused."""
    expected = next((code for code in (act, filer, fallback) if code is not None), None)

    if expected is None:
        with pytest.raises(InvalidInput, match="the filer has no jurisdiction to file in"):
            filed_in(act, filer, fallback)
    else:
        assert filed_in(act, filer, fallback) == expected


@pytest.mark.parametrize(
    ("act", "filer", "fallback", "expected"),
    [
        ("US-CA", "DE", "EU", "US-CA"),
        (None, "DE", "EU", "DE"),
        (None, None, "EU", "EU"),
    ],
)
def test_each_source_of_the_jurisdiction_in_turn(
    act: str | None, filer: str | None, fallback: str | None, expected: str
) -> None:
    assert filed_in(act, filer, fallback) == expected


def test_a_system_part_naming_no_jurisdiction_is_refused() -> None:
    """The policy engine and the decision point act for no jurisdiction of their own."""
    engine = Principal("policy-engine", "policy engine", Role.SUPERVISOR, None, None)
    with pytest.raises(InvalidInput, match="the filer has no jurisdiction to file in"):
        file_as(engine, ACTOR_REGISTERED, CONTENT, owner="ORG-1", subject="A", clock=FixedClock(WHEN))


# --- visibility and supersedes ------------------------------------------------------------


def test_visibility_overrides_replace_the_declared_ones_and_the_rest_stay_declared() -> None:
    """ActorRegistered declares ``name`` supervisors-only and the other fields public."""
    declared = file_as(principal(), ACTOR_REGISTERED, CONTENT, owner="O", subject="A", clock=FixedClock(WHEN))
    assert declared.visibility == {
        "name": Visibility.SUPERVISORS,
        "role": Visibility.PUBLIC,
        "organisation_id": Visibility.PUBLIC,
        "jurisdiction": Visibility.PUBLIC,
    }
    overridden = file_as(
        principal(),
        ACTOR_REGISTERED,
        CONTENT,
        owner="O",
        subject="A",
        clock=FixedClock(WHEN),
        visibility={"name": Visibility.PUBLIC, "role": Visibility.OWNER},
    )
    assert overridden.visibility == {
        "name": Visibility.PUBLIC,
        "role": Visibility.OWNER,
        "organisation_id": Visibility.PUBLIC,
        "jurisdiction": Visibility.PUBLIC,
    }


def test_a_visibility_for_a_field_the_filing_lacks_is_refused() -> None:
    with pytest.raises(InvalidInput, match="visibility given for 'nickname'"):
        file_as(
            principal(),
            ACTOR_REGISTERED,
            CONTENT,
            owner="O",
            subject="A",
            clock=FixedClock(WHEN),
            visibility={"nickname": Visibility.PUBLIC},
        )


def test_supersedes_passes_through_to_the_filing_and_its_envelope() -> None:
    filing = file_as(
        principal(),
        ACTOR_REGISTERED,
        CONTENT,
        owner="O",
        subject="A",
        clock=FixedClock(WHEN),
        supersedes="01PREVIOUSFILING",
    )
    assert filing.supersedes == "01PREVIOUSFILING"
    assert filing.envelope()["supersedes"] == "01PREVIOUSFILING"


# --- the content --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"role": "public"}, "role"),  # the anonymous visitor is no role an actor holds
        ({"name": ""}, "name"),  # at least one character
        pytest.param(
            {"jurisdiction": "XX"},
            "jurisdiction",
        ),
        ({"colour": "blue"}, "colour"),  # extra fields are forbidden
    ],
)
def test_content_is_validated_against_the_kinds_payload_naming_the_field(
    change: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput, match=rf"^invalid actor.registered filing: {field}: "):
        file_as(
            principal(),
            ACTOR_REGISTERED,
            {**CONTENT, **change},
            owner="O",
            subject="A",
            clock=FixedClock(WHEN),
        )


def test_a_missing_required_field_is_named() -> None:
    content = {k: v for k, v in CONTENT.items() if k != "organisation_id"}
    with pytest.raises(InvalidInput, match=r"organisation_id: Field required"):
        file_as(principal(), ACTOR_REGISTERED, content, owner="O", subject="A", clock=FixedClock(WHEN))


def test_the_content_is_stored_in_its_validated_form() -> None:
    """Surrounding blanks are stripped by the payload model (``str_strip_whitespace``)."""
    filing = file_as(
        principal(),
        ACTOR_REGISTERED,
        {**CONTENT, "name": "  Ada  "},
        owner="O",
        subject="A",
        clock=FixedClock(WHEN),
    )
    assert filing.content["name"] == "Ada"
