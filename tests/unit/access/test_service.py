"""The access service's answers: actors and tokens as frozen read models, a token's status as it
stands when asked, its secret only once, and the refusals with their reasons."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from custos.access.model import Principal, Role
from custos.access.service import REFUSED, AccessService
from custos.access.views import Actor, IssuedToken, RevokedTokens, Token
from custos.core.clock import FixedClock
from custos.core.errors import InvalidInput, NotFound, Unauthenticated
from custos.store import Store
from tests.unit.registry.world import Parties, log_size


@pytest.fixture
def access(store: Store) -> AccessService:
    return AccessService(store)


@pytest.fixture
def officer(access: AccessService, world: Parties) -> Actor:
    return access.add_actor("Risk officer", Role.DEPLOYER, world.deployer, by=world.supervisor)


def test_an_actor_is_registered_for_an_organisation_named_by_id_or_name(
    access: AccessService, world: Parties
) -> None:
    """Without a jurisdiction of its own the actor takes its organisation's."""
    by_id = access.add_actor("Ann", Role.DEPLOYER, world.deployer, by=world.supervisor)
    by_name = access.add_actor("Bob", Role.AUDITOR, "Bank AG", "FR", by=world.supervisor)
    assert isinstance(by_id, Actor)
    assert (by_id.organisation_id, by_id.role, by_id.jurisdiction) == (world.deployer, Role.DEPLOYER, "DE")
    assert (by_name.organisation_id, by_name.jurisdiction) == (world.deployer, "FR")
    assert by_id.filing_id and by_id.id != by_name.id
    assert [a.name for a in access.list_actors()] == ["Ann", "Bob"]
    with pytest.raises(ValidationError, match="frozen"):
        by_id.name = "Eve"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("role", "organisation", "refusal", "reason"),
    [
        (Role.PUBLIC, "Bank AG", InvalidInput, "anonymous visitor"),
        (Role.DEPLOYER, "Nobody Ltd", NotFound, "no organisation 'Nobody Ltd'"),
    ],
)
def test_an_actor_that_cannot_be_registered_is_refused_before_anything_is_filed(
    store: Store,
    access: AccessService,
    world: Parties,
    role: Role,
    organisation: str,
    refusal: type[Exception],
    reason: str,
) -> None:
    before = log_size(store)
    with pytest.raises(refusal, match=reason):
        access.add_actor("Eve", role, organisation, by=world.supervisor)
    assert log_size(store) == before


def test_a_token_shows_its_secret_once_and_is_listed_without_it(
    access: AccessService, officer: Actor, clock: FixedClock
) -> None:
    issued = access.issue(officer.id, expires_in="1d")
    assert isinstance(issued, IssuedToken)
    assert (issued.actor_id, issued.created_at, issued.expires_at) == (
        officer.id,
        clock.now(),
        clock.now() + timedelta(days=1),
    )
    (listed,) = access.tokens(officer.id)
    assert isinstance(listed, Token) and listed.id == issued.id
    assert (listed.actor_name, listed.status, listed.revoked_at) == ("Risk officer", "active", None)
    assert issued.token not in listed.model_dump_json()
    assert access.authenticate(issued.token).token_id == issued.id


def test_a_tokens_status_is_where_it_stands_when_asked(
    access: AccessService, officer: Actor, clock: FixedClock
) -> None:
    """Expired once its time has passed; revoked from its revocation on, expired or not."""
    expiring, revoked = access.issue(officer.id, expires_in="1h"), access.issue(officer.id, expires_in="1h")
    assert access.revoke_token(revoked.id).status == "revoked"
    clock.advance(timedelta(hours=2))
    assert {t.id: t.status for t in access.tokens(officer.id)} == {
        expiring.id: "expired",
        revoked.id: "revoked",
    }
    for secret in (expiring.token, revoked.token):
        with pytest.raises(Unauthenticated, match=REFUSED):
            access.authenticate(secret)


def test_revoking_an_actors_tokens_names_those_it_ended(access: AccessService, officer: Actor) -> None:
    first, second = access.issue(officer.id), access.issue(officer.id)
    access.revoke_token(first.id)
    ended = access.revoke_tokens(officer.id)
    assert ended == RevokedTokens(actor_id=officer.id, revoked=(second.id,))
    assert access.revoke_tokens(officer.id).revoked == ()
    with pytest.raises(NotFound, match="no actor 'NOPE'"):
        access.revoke_tokens("NOPE")


def test_an_actor_revokes_the_token_it_signed_in_with(access: AccessService, officer: Actor) -> None:
    issued = access.issue(officer.id)
    own = access.revoke_own(access.authenticate(issued.token))
    assert (own.id, own.status) == (issued.id, "revoked")
    tokenless = Principal(officer.id, officer.name, Role.DEPLOYER, officer.organisation_id, "DE")
    with pytest.raises(InvalidInput, match="only a request made with an API token"):
        access.revoke_own(tokenless)
