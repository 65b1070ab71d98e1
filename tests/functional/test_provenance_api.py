"""Provenance audits over HTTP: a commitment built from a real manifest, a sample drawn by the
server, a reveal checked proof by proof (a forged one refused with its reason and nothing
stored), revealed records and confidential figures withheld from those who may not read them,
and private releases within the budget."""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from custos.access.model import Role
from custos.access.service import operator
from custos.provenance.commitment import commit_manifest, new_key, reveal
from custos.provenance.model import BudgetSet, ComputeSold, DatasetCommitted, RecordsRevealed, SampleRequest
from custos.provenance.service import ProvenanceService
from tests.functional.conftest import Api
from tests.functional.test_findings_api import log_size
from tests.unit.provenance.manifests import shares, write_manifest
from tests.unit.registry.world import acting

#: How many records the sample manifest holds, and which of them carry an opt-out.
RECORDS = 120
OPT_OUTS = frozenset(range(0, RECORDS, 10))


@cache
def manifest() -> tuple[Path, bytes, dict[str, Any]]:
    """A manifest, its salt key and the commitment body built from them (once per process)."""
    path = Path(tempfile.mkdtemp(prefix="custos-manifest-")) / "manifest.jsonl"
    records = write_manifest(path, RECORDS, opt_outs=OPT_OUTS)
    key = new_key()
    built = commit_manifest(path, key, workers=1)
    body = {"dataset": "Sample corpus", "root": built.root.hex(), "record_count": built.count}
    return path, key, body | {"composition": shares(records)}


def commitment_body(api: Api) -> dict[str, Any]:
    return {"model_id": api.samples["model"], **manifest()[2]}


def committed(api: Api) -> str:
    service = ProvenanceService(api.store)
    return service.commit(DatasetCommitted.model_validate(commitment_body(api)), by=operator(api.store)).id


def sampled(api: Api, size: int = 12) -> tuple[str, list[int]]:
    service = ProvenanceService(api.store)
    sample = service.request_sample(
        SampleRequest(commitment_id=committed(api), sample_size=size), by=operator(api.store)
    )
    return sample.id, list(sample.reveal)


def reveal_body(sample_id: str, indices: list[int]) -> dict[str, Any]:
    path, key, _ = manifest()
    records = [record.model_dump(mode="json") for record in reveal(path, key, indices)]
    return {"sample_id": sample_id, "records": records}


def run_body(api: Api) -> dict[str, Any]:
    return {
        "model_id": api.samples["model"],
        "chips": [{"chip": "NVIDIA A100", "quantity": 1000, "chip_hours": 1000 * 24 * 30}],
        "started_on": "2025-01-01",
        "ended_on": "2025-01-30",
        "precision": "bf16",
        "utilisation": 0.4,
    }


def statement_body(api: Api) -> dict[str, Any]:
    return {
        "customer_id": api.organisations["other"]["id"],
        "period_start": "2025-01-01",
        "period_end": "2025-03-31",
        "chip_hours": 1000.0,
    }


def provenance_sample(api: Api, method: str, path: str) -> tuple[str, dict[str, Any]]:
    """A well-formed provenance request that the roles holding the route's permission may make."""
    service, supervisor = ProvenanceService(api.store), operator(api.store)
    posts: dict[str, Any] = {
        "/v1/provenance/commitments": lambda: commitment_body(api),
        "/v1/provenance/runs": lambda: run_body(api),
        "/v1/provenance/statements": lambda: statement_body(api),
        "/v1/provenance/budget": lambda: {"epsilon": 1.0},
    }
    if method == "POST" and path in posts:
        return path, {"json": posts[path]()}
    if (method, path) == ("POST", "/v1/provenance/samples"):
        return path, {"json": {"commitment_id": committed(api), "sample_size": 5}}
    if (method, path) == ("POST", "/v1/provenance/reconciliations"):
        body = statement_body(api) | {"vendor_id": api.organisations["provider"]["id"]}
        del body["chip_hours"]
        return path, {"json": body}
    if (method, path) == ("POST", "/v1/provenance/releases"):
        service.set_budget(BudgetSet(epsilon=1.0), by=supervisor)
        return path, {"json": {"statistic": "dataset-licences", "epsilon": 0.5}}
    if path.startswith("/v1/provenance/commitments/{"):
        return path.replace("{commitment_id}", committed(api)), {}
    if path.startswith("/v1/provenance/samples/{"):
        sample_id, indices = sampled(api)
        url = path.replace("{sample_id}", sample_id)
        if path.endswith("/reveal"):
            return url, {"json": reveal_body(sample_id, indices)}
        if path.endswith("/records"):
            service.reveal(RecordsRevealed.model_validate(reveal_body(sample_id, indices)), by=supervisor)
        return url, {}
    if path == "/v1/provenance/models/{model_id}":
        return path.replace("{model_id}", api.samples["model"]), {}
    return path, {}


def test_a_forged_reveal_is_refused_with_the_failing_record_and_nothing_is_stored(api: Api) -> None:
    sample_id, indices = sampled(api)
    body = reveal_body(sample_id, indices)
    body["records"][3]["record"]["licence"] = (
        "MIT" if body["records"][3]["record"]["licence"] != "MIT" else "CC0-1.0"
    )
    before = log_size(api)
    answer = api.client.post(
        f"/v1/provenance/samples/{sample_id}/reveal", json=body, headers=api.headers(Role.PROVIDER)
    )
    assert answer.status_code == 422, answer.text
    assert str(indices[3]) in answer.json()["detail"]
    assert log_size(api) == before
    answer = api.client.post(
        f"/v1/provenance/samples/{sample_id}/reveal",
        json=reveal_body(sample_id, indices),
        headers=api.headers(Role.PROVIDER),
    )
    assert answer.status_code == 201, answer.text
    found = {f["rule"]: f for f in answer.json()["findings"]}
    caught = sum(1 for index in indices if index in OPT_OUTS)
    assert found["opt-out-honoured"]["violations"] == caught


def test_a_body_for_another_sample_is_refused(api: Api) -> None:
    sample_id, indices = sampled(api)
    body = reveal_body(sample_id, indices) | {"sample_id": "another"}
    answer = api.client.post(
        f"/v1/provenance/samples/{sample_id}/reveal", json=body, headers=api.headers(Role.PROVIDER)
    )
    assert answer.status_code == 422 and "another" in answer.json()["detail"]


def test_the_public_reads_outcomes_but_not_records_compositions_or_figures(api: Api) -> None:
    service, supervisor = ProvenanceService(api.store), operator(api.store)
    sample_id, indices = sampled(api)
    service.reveal(RecordsRevealed.model_validate(reveal_body(sample_id, indices)), by=supervisor)
    vendor = acting(Role.PROVIDER, api.organisations["provider"]["id"])
    service.sell(ComputeSold.model_validate(statement_body(api)), by=vendor)
    public = api.headers(Role.PUBLIC)
    assert api.client.get(f"/v1/provenance/samples/{sample_id}/records", headers=public).status_code == 403
    shown = api.client.get(f"/v1/provenance/samples/{sample_id}", headers=public).json()
    assert shown["status"] in {"passed", "failed"} and "composition" not in shown["audit"]
    (commitment,) = api.client.get("/v1/provenance/commitments", headers=public).json()
    assert "composition" not in commitment and commitment["record_count"] == RECORDS
    mine = api.client.get("/v1/provenance/commitments", headers=api.headers(Role.PROVIDER)).json()
    assert mine[0]["composition"]["licence"]
    statements = api.client.get("/v1/provenance/statements", headers=api.headers(Role.PROVIDER)).json()
    assert statements and all("chip_hours" not in s for s in statements)
    everything = api.client.get("/v1/provenance/statements", headers=api.headers(Role.SUPERVISOR)).json()
    assert [s["chip_hours"] for s in everything] == [1000.0]
