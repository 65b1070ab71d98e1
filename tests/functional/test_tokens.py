"""The token lifecycle: issued with an expiry, listed without secrets, revoked by a supervisor,
by the holder or from the command line, and refused by another process's server in time."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from custos.access.model import Role
from custos.access.service import REFUSED, TOKEN_CACHE_SECONDS, AccessService
from custos.cli.app import app
from custos.core.clock import FixedClock
from custos.core.errors import Unauthenticated
from tests.functional.conftest import Api
from tests.servers import serving


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def issue(api: Api, role: Role, body: dict[str, str] | None = None) -> httpx.Response:
    return api.client.post(
        f"/v1/actors/{api.actors[role]['id']}/tokens", headers=api.headers(Role.SUPERVISOR), json=body
    )


def listed(api: Api, **params: str) -> list[dict[str, object]]:
    response = api.client.get("/v1/tokens", headers=api.headers(Role.SUPERVISOR), params=params)
    assert response.status_code == 200, response.text
    return list(response.json())


def test_a_token_issued_with_an_expiry_works_until_then_and_is_refused_after(
    api: Api, clock: FixedClock
) -> None:
    issued = issue(api, Role.AUDITOR, {"expires_in": "90d"}).json()
    assert issued["expires_at"].startswith((clock.now() + timedelta(days=90)).date().isoformat())
    expiring = issue(api, Role.AUDITOR, {"expires_at": "2027-01-01T00:00:00Z"}).json()
    assert expiring["expires_at"].startswith("2027-01-01T00:00:00")
    clock.advance(timedelta(days=91))  # neither token was used, so neither is cached
    for token in (issued["token"], expiring["token"]):
        response = api.client.get("/v1/me", headers=bearer(token))
        assert response.status_code == 401 and response.json()["detail"] == REFUSED
    statuses = {t["id"]: t["status"] for t in listed(api, actor=api.actors[Role.AUDITOR]["id"])}
    assert statuses[issued["id"]] == statuses[expiring["id"]] == "expired"


def test_a_cached_token_is_not_trusted_past_its_expiry(api: Api, clock: FixedClock) -> None:
    access = AccessService(api.store)
    issued = access.issue(api.actors[Role.AUDITOR]["id"], expires_at=clock.now() + timedelta(seconds=1))
    assert access.authenticate(issued.token).token_id == issued.id
    time.sleep(1.1)
    clock.advance(timedelta(seconds=2))
    assert access.cached(issued.token) is None
    with pytest.raises(Unauthenticated, match=REFUSED):
        access.authenticate(issued.token)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"expires_in": "5m"}, "hours, days or weeks"),
        ({"expires_in": "0d"}, "hours, days or weeks"),
        ({"expires_at": "2020-01-01T00:00:00Z"}, "has passed"),
        ({"expires_in": "1d", "expires_at": "2030-01-01T00:00:00Z"}, "not both"),
        ({"expires_at": "2030-01-01T00:00:00"}, "timezone"),
    ],
)
def test_a_bad_expiry_is_refused_with_the_reason(api: Api, body: dict[str, str], reason: str) -> None:
    response = issue(api, Role.AUDITOR, body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert reason in response.text


def test_unknown_expired_and_revoked_tokens_get_the_same_answer(api: Api, clock: FixedClock) -> None:
    """Telling them apart would confirm to whoever holds a leaked token that it was genuine."""
    expired = issue(api, Role.AUDITOR, {"expires_in": "1h"}).json()["token"]
    revoked = issue(api, Role.AUDITOR).json()
    api.client.post(f"/v1/tokens/{revoked['id']}/revoke", headers=api.headers(Role.SUPERVISOR))
    clock.advance(timedelta(hours=2))
    answers = {
        json.dumps(api.client.get("/v1/ledger/status", headers=bearer(token)).json(), sort_keys=True)
        for token in ("custos_unknown", expired, revoked["token"])
    }
    assert len(answers) == 1 and REFUSED in answers.pop()


def test_the_list_shows_times_and_status_but_never_a_secret_or_its_hash(api: Api) -> None:
    issued = issue(api, Role.AUDITOR, {"expires_in": "2w"}).json()
    response = api.client.get("/v1/tokens", headers=api.headers(Role.SUPERVISOR))
    with api.store.read() as conn:
        hashes = conn.exec_driver_sql("SELECT token_hash FROM api_tokens").scalars().all()
    for secret in [issued["token"], *api.tokens.values(), *hashes]:
        assert secret not in response.text
    (mine,) = [t for t in response.json() if t["id"] == issued["id"]]
    assert set(mine) == {
        "id",
        "actor_id",
        "actor_name",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "status",
    }
    assert (mine["actor_name"], mine["status"], mine["revoked_at"]) == ("auditor person", "active", None)
    auditor = api.actors[Role.AUDITOR]["id"]
    assert {t["actor_id"] for t in listed(api, actor=auditor)} == {auditor}
    assert len(listed(api)) == len(api.tokens) + 1
    unknown = api.client.get("/v1/tokens", headers=api.headers(Role.SUPERVISOR), params={"actor": "NOPE"})
    assert unknown.status_code == 404


def test_last_use_is_written_by_the_periodic_flush_not_by_each_request(api: Api, clock: FixedClock) -> None:
    access: AccessService = api.client.app.state.access  # type: ignore[attr-defined]
    issued = issue(api, Role.AUDITOR).json()
    for _ in range(20):
        assert api.client.get("/v1/me", headers=bearer(issued["token"])).status_code == 200
    assert next(t for t in listed(api) if t["id"] == issued["id"])["last_used_at"] is None
    access.flush_last_used()
    used = next(t for t in listed(api) if t["id"] == issued["id"])["last_used_at"]
    assert used is not None and used.startswith(clock.now().isoformat()[:19])
    clock.advance(timedelta(minutes=5))
    access.flush_last_used()  # no new lookup since (the token is answered from memory): unchanged
    assert next(t for t in listed(api) if t["id"] == issued["id"])["last_used_at"] == used


def test_a_supervisor_revokes_one_token_and_it_is_refused_at_once(api: Api) -> None:
    first, second = issue(api, Role.DEPLOYER).json(), issue(api, Role.DEPLOYER).json()
    assert api.client.get("/v1/me", headers=bearer(first["token"])).status_code == 200  # now cached
    revoked = api.client.post(f"/v1/tokens/{first['id']}/revoke", headers=api.headers(Role.SUPERVISOR))
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert api.client.get("/v1/me", headers=bearer(first["token"])).status_code == 401
    assert api.client.get("/v1/me", headers=bearer(second["token"])).status_code == 200
    again = api.client.post(f"/v1/tokens/{first['id']}/revoke", headers=api.headers(Role.SUPERVISOR))
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]  # the first revocation stands
    missing = api.client.post("/v1/tokens/NOPE/revoke", headers=api.headers(Role.SUPERVISOR))
    assert missing.status_code == 404 and "custos tokens list" in missing.json()["detail"]


def test_revoking_an_actor_ends_all_its_tokens_and_no_one_elses(api: Api) -> None:
    deployer = api.actors[Role.DEPLOYER]["id"]
    extra = issue(api, Role.DEPLOYER).json()
    response = api.client.post(f"/v1/actors/{deployer}/tokens/revoke", headers=api.headers(Role.SUPERVISOR))
    assert response.status_code == 200
    assert set(response.json()["revoked"]) == {t["id"] for t in listed(api, actor=deployer)}
    assert extra["id"] in response.json()["revoked"]
    for token in (api.tokens[Role.DEPLOYER], extra["token"]):
        assert api.client.get("/v1/me", headers=bearer(token)).status_code == 401
    assert api.client.get("/v1/me", headers=api.headers(Role.PROVIDER)).status_code == 200
    again = api.client.post(f"/v1/actors/{deployer}/tokens/revoke", headers=api.headers(Role.SUPERVISOR))
    assert again.json()["revoked"] == []
    missing = api.client.post("/v1/actors/NOPE/tokens/revoke", headers=api.headers(Role.SUPERVISOR))
    assert missing.status_code == 404


def test_an_actor_revokes_its_own_token_only(api: Api) -> None:
    spare = issue(api, Role.PROVIDER).json()
    me = api.client.get("/v1/me", headers=api.headers(Role.PROVIDER)).json()
    assert me["token_id"] is not None and me["token_id"] != spare["id"]
    response = api.client.post("/v1/me/token/revoke", headers=api.headers(Role.PROVIDER))
    assert response.status_code == 200 and response.json()["id"] == me["token_id"]
    assert api.client.get("/v1/me", headers=api.headers(Role.PROVIDER)).status_code == 401
    assert api.client.get("/v1/me", headers=bearer(spare["token"])).status_code == 200


def test_only_supervisors_list_or_revoke_others_tokens(api: Api) -> None:
    target = issue(api, Role.AUDITOR).json()["id"]
    for role in (Role.PROVIDER, Role.DEPLOYER, Role.AUDITOR, Role.CUSTODIAN):
        assert api.client.get("/v1/tokens", headers=api.headers(role)).status_code == 403
        assert api.client.post(f"/v1/tokens/{target}/revoke", headers=api.headers(role)).status_code == 403
    assert next(t for t in listed(api) if t["id"] == target)["status"] == "active"


def test_tokens_survive_replay_with_their_expiry_and_last_use(api: Api) -> None:
    access: AccessService = api.client.app.state.access  # type: ignore[attr-defined]
    issued = issue(api, Role.AUDITOR, {"expires_in": "12h"}).json()
    api.client.get("/v1/me", headers=bearer(issued["token"]))
    access.flush_last_used()
    before = listed(api)
    api.store.replay()
    assert listed(api) == before


# The command line, and a server in another process.


def cli(home: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, ["--home", str(home), *args])
    assert result.exit_code == code, result.output
    return result.output


def cli_json(home: Path, *args: str) -> object:
    return json.loads(cli(home, *args, "--json"))


@pytest.fixture
def installation(tmp_path: Path) -> tuple[Path, str]:
    """An installation with one deployer; its id."""
    home = tmp_path / "home"
    cli(home, "init", "--origin", "example.org/custos")
    cli(home, "orgs", "add", "Bank AG", "-j", "DE")
    actor = cli_json(home, "actors", "add", "Risk officer", "--role", "deployer", "--org", "Bank AG")
    return home, str(actor["id"])  # type: ignore[index]


def test_the_cli_issues_lists_and_revokes(installation: tuple[Path, str]) -> None:
    home, actor = installation
    lasting = cli_json(home, "actors", "token", actor, "--expires-in", "90d")
    dated = cli_json(home, "actors", "token", actor, "--expires-at", "2099-12-31")
    assert str(dated["expires_at"]).startswith("2099-12-31 00:00:00+00:00")  # type: ignore[index]
    tokens = cli_json(home, "tokens", "list", "--actor", actor)
    assert [t["id"] for t in tokens] == [lasting["id"], dated["id"]]  # type: ignore[index,union-attr]
    assert lasting["token"] not in json.dumps(tokens)  # type: ignore[index]
    revoked = cli_json(home, "tokens", "revoke", str(lasting["id"]))  # type: ignore[index]
    assert revoked["status"] == "revoked"  # type: ignore[index]
    ended = cli_json(home, "actors", "revoke", actor)
    assert ended["revoked"] == [dated["id"]]  # type: ignore[index]
    assert str(dated["id"]) in cli(home, "tokens", "list")  # type: ignore[index]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("actors", "token", "{actor}", "--expires-in", "3m"), "hours, days or weeks"),
        (("actors", "token", "{actor}", "--expires-at", "2030-01-01T10:00"), "has no zone"),
        (("actors", "token", "{actor}", "--expires-at", "soon"), "give a date"),
        (("actors", "token", "{actor}", "--expires-at", "2001-01-01"), "has passed"),
        (("actors", "token", "{actor}", "--expires-in", "1d", "--expires-at", "2099-01-01"), "not both"),
        (("tokens", "revoke", "NOPE"), "no token 'NOPE'"),
        (("tokens", "list", "--actor", "NOPE"), "no actor 'NOPE'"),
        (("actors", "revoke", "NOPE"), "no actor 'NOPE'"),
    ],
)
def test_bad_token_commands_are_one_line_and_exit_2(
    installation: tuple[Path, str], args: tuple[str, ...], message: str
) -> None:
    home, actor = installation
    output = cli(home, *(arg.replace("{actor}", actor) for arg in args), code=2)
    assert message in output and len(output.strip().splitlines()) == 1


@pytest.fixture
def served(installation: tuple[Path, str]) -> Iterator[tuple[str, Path, str]]:
    """``custos serve`` in its own process on the installation."""
    home, actor = installation
    with serving(home) as base:
        yield base, home, actor


def test_a_server_in_another_process_refuses_a_revoked_token_within_the_cache_time(
    served: tuple[str, Path, str],
) -> None:
    base, home, actor = served
    issued = cli_json(home, "actors", "token", actor)
    token, token_id = str(issued["token"]), str(issued["id"])  # type: ignore[index]
    assert httpx.get(f"{base}/v1/me", headers=bearer(token)).status_code == 200  # the server caches it
    revoked_at = time.monotonic()
    cli(home, "tokens", "revoke", token_id)
    while httpx.get(f"{base}/v1/me", headers=bearer(token)).status_code == 200:
        assert time.monotonic() - revoked_at < TOKEN_CACHE_SECONDS + 1.0, "still accepted"
        time.sleep(0.05)
    assert httpx.get(f"{base}/v1/me", headers=bearer(token)).json()["detail"] == REFUSED
