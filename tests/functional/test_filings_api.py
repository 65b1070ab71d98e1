"""Each viewer sees what visibility allows, and can check what it sees against the log."""

from __future__ import annotations

import base64

import pytest

from custos.access.model import Role
from custos.filings import FilingView, verify_view
from custos.ledger import Verifier, leaf_hash, open_checkpoint, verify_inclusion
from tests.functional.conftest import Api


@pytest.mark.parametrize(
    ("role", "sees_name"),
    [(Role.PUBLIC, False), (Role.PROVIDER, False), (Role.DEPLOYER, False), (Role.SUPERVISOR, True)],
)
def test_an_actor_filing_as_each_role_sees_it(api: Api, role: Role, sees_name: bool) -> None:
    actor = api.actors[Role.PROVIDER]
    body = api.client.get(f"/v1/filings/{actor['filing_id']}", headers=api.headers(role)).json()
    view = FilingView.model_validate(body["view"])
    entry = base64.b64decode(body["entry"])
    verify_view(view, entry)
    assert ("name" in view.disclosed) is sees_name
    assert ("provider person" in str(body)) is sees_name
    assert view.disclosed["role"].value == "provider"

    log_key = Verifier.from_vkey(api.client.get("/v1/ledger/status").json()["log_key"])
    checkpoint, _ = open_checkpoint(body["checkpoint"], log_key)
    verify_inclusion(
        index=body["index"],
        size=checkpoint.size,
        leaf=leaf_hash(entry),
        proof=[base64.b64decode(p) for p in body["proof"]],
        root=checkpoint.root,
    )


def test_actors_are_listed_for_supervisors_only(api: Api) -> None:
    assert api.client.get("/v1/actors", headers=api.headers(Role.PROVIDER)).status_code == 403
    listed = api.client.get("/v1/actors", headers=api.headers(Role.SUPERVISOR)).json()
    assert {a["role"] for a in listed} == {r.value for r in Role if r is not Role.PUBLIC}
