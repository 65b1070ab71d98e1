"""``custos serve`` as a real server on loopback: the log over HTTP and checkpoints published in batches."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from custos.cli.app import app
from custos.core.settings import load_settings
from custos.installation import composition
from custos.ledger import Verifier, open_checkpoint
from custos.store import Store
from tests.servers import serving


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The demo, seeded once for the module (the seeding is most of the time these tests take)."""
    home = tmp_path_factory.mktemp("serve") / "home"
    assert CliRunner().invoke(app, ["--home", str(home), "demo", "--no-serve"]).exit_code == 0
    with serving(home, "--checkpoint-interval", "0.2") as base:
        yield base, home


def test_served_log_publishes_new_checkpoints_by_itself(server: tuple[str, Path]) -> None:
    base, home = server
    status = httpx.get(f"{base}/v1/ledger/status").json()
    log_key = Verifier.from_vkey(status["log_key"])
    before, _ = open_checkpoint(httpx.get(f"{base}/checkpoint").text, log_key)
    store = Store.open(
        load_settings(home), composition()
    )  # another writer that appends and publishes nothing
    try:
        with store.transaction() as uow:
            uow.append_entries([b"one", b"two", b"three"])
    finally:
        store.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        after, _ = open_checkpoint(httpx.get(f"{base}/checkpoint").text, log_key)
        if after.size == before.size + 3:
            break
        time.sleep(0.1)
    assert after.size == before.size + 3
    assert httpx.get(f"{base}/openapi.json").json()["info"]["title"] == "Custos"


def test_the_demo_serves_its_dashboard_with_its_world_and_its_stress_test(server: tuple[str, Path]) -> None:
    base, home = server
    page = httpx.get(f"{base}/", timeout=5)
    assert page.status_code == 200 and "/static/js/main.js" in page.text
    overview = httpx.get(f"{base}/v1/overview", timeout=5).json()
    assert overview["registry"]["deployments"] == 300 and overview["registry"]["models"] > 1800
    token = json.loads((home / "demo-tokens.json").read_text())["supervisor"]
    runs = httpx.get(f"{base}/v1/risk/runs", headers={"Authorization": f"Bearer {token}"}, timeout=5).json()
    assert [run["state"] for run in runs] == ["done"]
    assert runs[0]["headline"]["expected_loss"] > 0


def test_the_demo_has_a_running_incident_and_a_published_one(server: tuple[str, Path]) -> None:
    base, home = server
    token = json.loads((home / "demo-tokens.json").read_text())["supervisor"]
    seen = httpx.get(f"{base}/v1/incidents", headers={"Authorization": f"Bearer {token}"}, timeout=5).json()
    assert sorted(item["severity"] for item in seen["incidents"]) == ["hazard", "serious"]
    (published,) = httpx.get(f"{base}/v1/incidents", timeout=5).json()["incidents"]
    assert published["severity"] == "hazard" and "synthetic" in published["public_summary"]
    serious = next(item for item in seen["incidents"] if item["severity"] == "serious")
    shown = httpx.get(
        f"{base}/v1/incidents/{serious['id']}", headers={"Authorization": f"Bearer {token}"}, timeout=5
    ).json()
    assert shown["clocks"], "the outage starts the reporting clocks of the packs that bind the model"


def test_the_demo_holds_an_audited_deposit_and_a_release_drill_short_of_quorum(
    server: tuple[str, Path],
) -> None:
    base, home = server
    (deposit,) = httpx.get(f"{base}/v1/escrow/deposits", timeout=5).json()
    assert deposit["last_audit"]["passed"] and deposit["current"]
    assert (deposit["threshold"], len(deposit["holders"])) == (2, 3)
    assert deposit["exportability"]["within_tolerance"] is None  # the passport declares no count
    assert "passport" in {component["role"] for component in deposit["components"]}
    (drill,) = httpx.get(f"{base}/v1/escrow/releases", timeout=5).json()
    assert (len(drill["approvals"]), drill["quorum"]) == (1, False)
    token = json.loads((home / "demo-tokens.json").read_text())["custodian"]
    share = httpx.get(
        f"{base}/v1/escrow/deposits/{deposit['id']}/share",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    ).json()
    identity = (home / "keys" / "custodian-1.age").read_text().strip()
    from custos.escrow.shares import open_share

    assert open_share(
        share["envelope"],
        identity,
        deposit=share["reference"],
        custodian_id=share["appointment_id"],
        commitment=share["commitment"],
    )
