"""Stress tests over HTTP: start, follow, read; bad scenarios refused with the entry; the filing
discloses its inputs' digests to everyone and its figures to supervisors only."""

from __future__ import annotations

import io
import time

import pyarrow.parquet as pq
import pytest
from distributed import LocalCluster
from fastapi.testclient import TestClient

from custos.access.model import Role
from custos.api import create_app
from custos.filings import FilingView
from tests.functional.conftest import Api

SCENARIO = """
name: North outage
seed: 5
draws: 2000
chunk_size: 500
outages: [{provider: cloud-north, loss_rate: 0.15}]
correlated_failures: {models: {probability: 0.05, loss_rate: 0.3}}
"""


def _finished(api: Api, run_id: str) -> dict[str, object]:
    headers = api.headers(Role.SUPERVISOR)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = api.client.get(f"/v1/risk/runs/{run_id}", headers=headers).json()
        if status["state"] in ("done", "failed"):
            return status  # type: ignore[no-any-return]
        time.sleep(0.1)
    raise AssertionError("the run did not finish")


def test_a_supervisor_starts_follows_and_reads_a_run(api: Api) -> None:
    headers = api.headers(Role.SUPERVISOR)
    started = api.client.post(
        "/v1/risk/runs", json={"scenario": SCENARIO, "network": "sample"}, headers=headers
    )
    assert started.status_code == 202, started.text
    assert started.json()["chunks"] == 4 and started.json()["state"] in ("queued", "running", "done")
    status = _finished(api, started.json()["id"])
    assert status["state"] == "done" and status["chunks_done"] == 4
    run_id = status["id"]
    results = api.client.get(f"/v1/risk/runs/{run_id}/results", headers=headers).json()
    assert results["system"]["draws"] == 2000
    assert {row["id"] for row in results["institutions"]} == {
        "bank-a",
        "bank-b",
        "bank-c",
        "insurer-d",
        "fund-e",
    }
    draws = api.client.get(f"/v1/risk/runs/{run_id}/files/draws.parquet", headers=headers)
    table = pq.read_table(io.BytesIO(draws.content))
    assert table.num_rows == 2000  # the sample is every draw up to 100,000
    losses = table.column("system_loss").to_pylist()
    assert sum(losses) / 2000 == pytest.approx(results["system"]["expected_loss"])
    tail = api.client.get(f"/v1/risk/runs/{run_id}/files/tail.parquet", headers=headers)
    largest = pq.read_table(io.BytesIO(tail.content)).column("system_loss").to_pylist()
    assert largest == sorted(losses, reverse=True)[:100]  # the 5% tail of the lowest level, 0.95
    assert largest[19] == results["system"]["value_at_risk"]["0.99"]
    report = api.client.get(f"/v1/risk/runs/{run_id}/files/report.html", headers=headers)
    assert report.headers["content-type"].startswith("text/html") and report.text.count("<svg") == 4
    spec = api.client.get(f"/v1/risk/runs/{run_id}/charts/network", headers=headers)
    assert spec.headers["content-type"] == "application/json"
    assert spec.json()["$schema"] == "https://vega.github.io/schema/vega-lite/v6.json"
    image = api.client.get(f"/v1/risk/runs/{run_id}/charts/exceedance?format=svg", headers=headers)
    assert image.headers["content-type"] == "image/svg+xml" and image.text.startswith("<svg")
    assert "Probability of this loss or more" in image.text
    assert [run["id"] for run in api.client.get("/v1/risk/runs", headers=headers).json()] == [run_id]


def test_the_filing_shows_digests_to_everyone_and_figures_to_supervisors(api: Api) -> None:
    headers = api.headers(Role.SUPERVISOR)
    started = api.client.post(
        "/v1/risk/runs", json={"scenario": SCENARIO, "network": "sample"}, headers=headers
    )
    filing_id = _finished(api, started.json()["id"])["filing_id"]
    for role, sees_figures in ((Role.PUBLIC, False), (Role.PROVIDER, False), (Role.SUPERVISOR, True)):
        body = api.client.get(f"/v1/filings/{filing_id}", headers=api.headers(role)).json()
        view = FilingView.model_validate(body["view"])
        assert "scenario_digest" in view.disclosed and "network_digest" in view.disclosed
        assert ("headline" in view.disclosed) is sees_figures
        assert ("expected_shortfall" in str(body)) is sees_figures


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        (
            {"scenario": "name: x\nseed: 1\noutages: [{provider: cloud-west}]\n", "network": "sample"},
            422,
            "cloud-west",
        ),
        ({"scenario": "name: x\nseed: -1\n", "network": "sample"}, 422, "seed"),
        ({"scenario": "name: [unclosed", "network": "sample"}, 422, "not YAML"),
        ({"scenario": "name: x\nseed: 1\n", "network": "nowhere"}, 404, "nowhere"),
        ({"scenario": "name: x\nseed: 1\n", "network": "../etc"}, 404, "../etc"),
        ({"scenario": "name: x\nseed: 1\ndraws: 10000001\n", "network": "sample"}, 422, "10,000,000"),
        # drawing to a target may not draw beyond what a run over HTTP may
        (
            {"scenario": "name: x\nseed: 1\n", "network": "sample", "target_se": 0.01, "max_draws": 10**8},
            422,
            "10,000,000",
        ),
        ({"scenario": "name: x\nseed: 1\n", "network": "sample", "target_se": 1.5}, 422, "target_se"),
        ({"scenario": "name: x\nseed: 1\n", "network": "sample", "max_draws": 5000}, 422, "target_se"),
    ],
)
def test_bad_runs_are_refused_with_the_reason_and_nothing_is_started(
    api: Api, body: dict[str, str], status: int, needle: str
) -> None:
    headers = api.headers(Role.SUPERVISOR)
    response = api.client.post("/v1/risk/runs", json=body, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert needle in response.text
    assert api.client.get("/v1/risk/runs", headers=headers).json() == []


def test_an_unknown_run_is_404(api: Api) -> None:
    headers = api.headers(Role.SUPERVISOR)
    assert api.client.get("/v1/risk/runs/01ARZ3NDEKTSV4RRFFQ69G5FAV", headers=headers).status_code == 404
    assert api.client.get("/v1/risk/runs/..%2F..%2Fetc", headers=headers).status_code == 404


def test_a_contagion_that_does_not_converge_fails_the_run_with_its_residual(api: Api) -> None:
    headers = api.headers(Role.SUPERVISOR)
    scenario = (
        "name: too few iterations\nseed: 1\ndraws: 200\n"
        "outages: [{provider: cloud-north, loss_rate: 1.0}]\n"
        "compromises: [{model: credit-llm, loss_rate: 1.0}, {model: fraud-net, loss_rate: 1.0}]\n"
        "asset_shocks: [{sector: all, mean: -0.15}]\n"
        "contagion: {model: eisenberg-noe, max_iterations: 1}\n"
    )
    started = api.client.post(
        "/v1/risk/runs", json={"scenario": scenario, "network": "sample"}, headers=headers
    )
    status = _finished(api, started.json()["id"])
    assert status["state"] == "failed"
    assert "did not" in str(status["error"]) and status["evidence"]["residual"] > 0
    assert "filing_id" not in status
    assert api.client.get(f"/v1/risk/runs/{status['id']}/results", headers=headers).status_code == 404


def test_a_server_may_run_stress_tests_on_a_dask_cluster_with_the_same_numbers(api: Api) -> None:
    headers = api.headers(Role.SUPERVISOR)
    body = {"scenario": SCENARIO, "network": "sample"}
    here = _finished(api, api.client.post("/v1/risk/runs", json=body, headers=headers).json()["id"])
    with (
        LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=":0") as cluster,
        TestClient(
            create_app(api.store, checkpoint_interval=None, risk_scheduler=cluster.scheduler_address)
        ) as client,
    ):
        started = client.post("/v1/risk/runs", json=body, headers=headers).json()
        there = _finished(api, started["id"])
    assert here["state"] == there["state"] == "done"
    assert here["headline"] == there["headline"]


def test_a_run_that_exceeds_its_memory_limit_fails_alone_and_the_server_keeps_answering(api: Api) -> None:
    headers = api.headers(Role.SUPERVISOR)
    # One chunk of a million draws needs about 700 MB of working arrays: far beyond half a GiB.
    scenario = SCENARIO.replace("draws: 2000\nchunk_size: 500", "draws: 1000000\nchunk_size: 1000000")
    with TestClient(create_app(api.store, checkpoint_interval=None, risk_memory_limit=2**29)) as client:
        started = client.post(
            "/v1/risk/runs", json={"scenario": scenario, "network": "sample"}, headers=headers
        )
        assert started.status_code == 202, started.text
        status = _finished(api, started.json()["id"])
        assert status["state"] == "failed", status
        assert status["error"] == "the run exceeded its memory limit of 0.5 GiB"
        assert "filing_id" not in status
        assert client.get("/v1/risk/networks", headers=headers).status_code == 200
        assert [run["state"] for run in client.get("/v1/risk/runs", headers=headers).json()] == ["failed"]
