"""Continuous monitoring over HTTP: OTLP telemetry refused point by point as the specification
says, alerts as filings, a correlated outage across firms opening an incident and holding the
model's rollouts, who sees what, and rollout gates reading telemetry."""

from __future__ import annotations

import gzip
from datetime import timedelta
from typing import Any

import numpy as np
from google.protobuf import json_format
from google.rpc import status_pb2
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)

from custos.access.model import Role
from custos.access.service import operator
from custos.licensing.rollout import RolloutPlanned
from custos.licensing.rollout_service import RolloutService
from custos.monitoring.service import MonitoringService
from custos.monitoring.simulation import Simulated
from custos.registry.telemetry import Figure
from tests.conftest import TEST_NOW
from tests.functional.conftest import Api
from tests.functional.telemetry import (
    FAILING,
    STEADY,
    by_deployer,
    monitored_world,
    noisy,
    request,
    rolled_out,
)
from tests.functional.test_federation_api import recognise_peer

PROTOBUF = {"Content-Type": "application/x-protobuf"}
NOW = int(TEST_NOW.timestamp())
MONITORING = "/v1/monitoring"


def _sample_deployment(api: Api) -> Simulated:
    provider = api.organisations["provider"]["id"]
    return Simulated(api.samples["deployment"], provider, api.samples["model"], None, 1e6)


def _export(api: Api, body: bytes, role: Role = Role.DEPLOYER, **headers: str) -> Any:
    return api.client.post("/v1/metrics", content=body, headers={**api.headers(role), **PROTOBUF, **headers})


def _partial(answer: Any) -> tuple[int, str]:
    parsed = ExportMetricsServiceResponse.FromString(answer.content)
    return parsed.partial_success.rejected_data_points, parsed.partial_success.error_message


def monitoring_sample(api: Api, method: str, path: str) -> tuple[str, dict[str, Any]]:
    """A well-formed monitoring request the roles holding the route's permission may make (every
    actor but the supervisor acts for Provider SA, which deploys the sample deployment)."""
    deployment = _sample_deployment(api)
    if path == "/v1/metrics":
        return path, {"content": request([(deployment, NOW - 60, STEADY)]), "headers": PROTOBUF}
    if path == f"{MONITORING}/deployments/{{deployment_id}}/series/{{figure}}":
        return f"{MONITORING}/deployments/{deployment.deployment_id}/series/availability", {}
    if (method, path) == ("POST", f"{MONITORING}/enrolments"):
        until = (TEST_NOW + timedelta(days=300)).date().isoformat()
        body = {"deployment_id": deployment.deployment_id, "figures": ["availability"], "valid_until": until}
        return path, {"json": body}
    if (method, path) == ("PUT", f"{MONITORING}/thresholds"):
        return path, {"json": {"cusum_h": 9, "reason": "fewer false alerts"}}
    if path == f"{MONITORING}/summaries/{{day}}":  # a day with telemetry, to be summarised
        body = request([(deployment, NOW - 86_400, STEADY)])
        MonitoringService(api.store).ingest(body, "application/x-protobuf", by=operator(api.store))
        return path.replace("{day}", (TEST_NOW - timedelta(days=1)).date().isoformat()), {}
    return path, {}


def test_points_are_refused_one_by_one_and_the_rest_stored(api: Api) -> None:
    mine = _sample_deployment(api)
    world = monitored_world(api.store, operator(api.store), firms=2, per_firm=1)
    theirs, unknown = world.deployments[0], Simulated("01NOPE", "x", "y", None, None)
    absurd = list(STEADY)
    absurd[Figure.ERROR_RATE] = 1.7
    body = request(
        [
            (mine, NOW - 120, STEADY),
            (mine, NOW - 60, absurd),  # one point out of range
            (mine, NOW + 3600, STEADY),  # eight points an hour ahead
            (mine, NOW - 9 * 86_400, STEADY),  # eight points older than raw retention
            (theirs, NOW - 60, STEADY),  # another firm's deployment: eight points
            (unknown, NOW - 60, STEADY),  # not in the registry: eight points
        ]
    )
    answer = _export(api, body)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/x-protobuf"
    rejected, message = _partial(answer)
    assert rejected == 1 + 8 + 8 + 8 + 8
    for reason in ("outside 0–1", "later than", "earlier than", "not in the registry", "not one of your"):
        assert reason in message, message
    panels = api.client.get(f"{MONITORING}/deployments", headers=api.headers(Role.DEPLOYER)).json()
    assert [p["deployment_id"] for p in panels] == [mine.deployment_id]  # never another firm's
    figures = {f["figure"]: f for f in panels[0]["figures"]}
    assert figures["availability"]["value"] == STEADY[Figure.AVAILABILITY]
    assert figures["error_rate"]["value"] == STEADY[Figure.ERROR_RATE]  # the absurd one was refused
    everything = _export(api, request([(mine, NOW - 30, STEADY)]))
    assert _partial(everything) == (0, "") and everything.content == b""  # no partial_success


def test_json_and_gzip_are_read_and_answered_in_kind(api: Api) -> None:
    mine = _sample_deployment(api)
    message = ExportMetricsServiceRequest.FromString(request([(mine, NOW - 60, STEADY)]))
    body = gzip.compress(json_format.MessageToJson(message).encode())
    answer = api.client.post(
        "/v1/metrics",
        content=body,
        headers={
            **api.headers(Role.DEPLOYER),
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
        },
    )
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    assert answer.json() == {}
    series = api.client.get(
        f"{MONITORING}/deployments/{mine.deployment_id}/series/latency_p95",
        headers=api.headers(Role.DEPLOYER),
        params={"start": (TEST_NOW - timedelta(hours=1)).isoformat(), "end": TEST_NOW.isoformat()},
    ).json()
    assert series["unit"] == "s" and series["resolution"] == "raw"
    assert [p["value"] for p in series["points"]] == [STEADY[Figure.LATENCY_P95]]


def test_an_unreadable_body_is_a_status_and_stores_nothing(api: Api) -> None:
    mine = _sample_deployment(api)
    assert _export(api, request([(mine, NOW - 60, STEADY)])).status_code == 200
    garbage = _export(api, b"\xff\x00 not a protobuf")
    assert garbage.status_code == 400
    status = status_pb2.Status.FromString(garbage.content)
    assert status.code == 3 and status.message  # INVALID_ARGUMENT, with the reason
    wrong = _export(api, b"{}", **{"Content-Type": "text/plain"})
    assert wrong.status_code == 415
    bomb = _export(api, b"not gzip", **{"Content-Encoding": "gzip"})
    assert bomb.status_code == 400
    panels = api.client.get(f"{MONITORING}/deployments", headers=api.headers(Role.DEPLOYER)).json()
    assert panels[0]["figures"][0]["value"] == STEADY[Figure.AVAILABILITY]  # what was stored stays


def _baseline(api: Api, deployments: list[Simulated], minutes: int, seed: int = 7) -> None:
    """``minutes`` of steady telemetry up to a minute before now, each firm sending its own."""
    rng = np.random.default_rng(seed)
    for minute in range(minutes, 0, -1):
        points = [(d, NOW - minute * 60, noisy(rng)) for d in deployments]
        for body in by_deployer(points).values():
            assert _export(api, body, Role.SUPERVISOR).status_code == 200


def test_an_outage_across_firms_opens_one_incident_and_holds_the_model_rollouts(api: Api) -> None:
    supervisor = operator(api.store)
    recognise_peer(api.store)  # a peer that receives incident reports
    world = monitored_world(api.store, supervisor, firms=4, per_firm=2)
    licence = rolled_out(api.store, supervisor, world.firms["Bank 1"], world.model)
    _baseline(api, list(world.deployments), minutes=45)
    failing = [(d, NOW, FAILING) for d in world.deployments]  # the model fails on both hosts
    for body in by_deployer(failing).values():
        assert _export(api, body, Role.SUPERVISOR).status_code == 200
    alerts = api.client.get(f"{MONITORING}/alerts", headers=api.headers(Role.SUPERVISOR)).json()
    systemic = [a for a in alerts if a["kind"] == "systemic"]
    assert [(a["group_by"], a["group"], a["deployments"]) for a in systemic] == [("model", world.model, 8)]
    assert systemic[0]["exposure_eur"] == 8e7 and systemic[0]["chance"] < 1e-6
    incident = api.client.get(
        f"/v1/incidents/{systemic[0]['incident_id']}", headers=api.headers(Role.SUPERVISOR)
    )
    assert incident.status_code == 200 and incident.json()["model_ids"] == [world.model]
    outbox = api.client.get("/v1/federation/outbox", headers=api.headers(Role.SUPERVISOR)).json()
    assert [n["filing_id"] for n in outbox] == [systemic[0]["incident_id"]]  # the peer is told
    held = RolloutService(api.store).status(licence)
    assert held.status == "held" and "Shared model degrading across 8 deployments" in (held.reason or "")
    # the next minute, still failing, files nothing more: the outage has its alert
    again = by_deployer([(d, NOW + 60, FAILING) for d in world.deployments])
    for body in again.values():
        assert _export(api, body, Role.SUPERVISOR).status_code == 200
    later = api.client.get(f"{MONITORING}/alerts", headers=api.headers(Role.SUPERVISOR)).json()
    assert len([a for a in later if a["kind"] == "systemic"]) == 1


def test_a_firm_sees_its_own_alerts_and_the_public_only_summaries(api: Api) -> None:
    mine = _sample_deployment(api)
    _baseline(api, [mine], minutes=35)
    assert _export(api, request([(mine, NOW, FAILING)])).status_code == 200
    (own,) = api.client.get(f"{MONITORING}/alerts", headers=api.headers(Role.DEPLOYER)).json()
    assert (own["deployment_id"], own["figure"]) == (mine.deployment_id, "availability")
    filed = api.client.get(f"/v1/filings/{own['id']}", headers=api.headers(Role.DEPLOYER)).json()
    also = {a["figure"] for a in filed["view"]["disclosed"]["also"]["value"]}  # one outage, one alert
    assert also == {"error_rate", "latency_p50", "latency_p95", "latency_p99"}
    for route in ("alerts", "deployments", "system", f"deployments/{mine.deployment_id}/series/availability"):
        assert api.client.get(f"{MONITORING}/{route}").status_code == 401
    assert api.client.get(f"{MONITORING}/summaries").json() == []
    assert api.client.get(f"{MONITORING}/thresholds").json()["cusum_h"] == 8.0
    other = api.client.get(
        f"{MONITORING}/deployments/{mine.deployment_id}/series/availability",
        headers=api.headers(Role.SUPERVISOR),
    )
    assert other.status_code == 200
    unknown_figure = api.client.get(
        f"{MONITORING}/deployments/{mine.deployment_id}/series/mood", headers=api.headers(Role.DEPLOYER)
    )
    assert unknown_figure.status_code == 422 and "mood" in unknown_figure.json()["detail"]


def test_a_rollout_gate_reads_the_holder_telemetry(api: Api) -> None:
    supervisor = operator(api.store)
    plan = RolloutPlanned.model_validate(
        {
            "stages": [
                {"name": "pilot", "percentage": 10, "gates": {"metrics": {"error_rate": {"max": 0.05}}}},
                {"name": "all", "percentage": 100},
            ]
        }
    )
    rollouts = RolloutService(api.store)
    rollouts.plan(api.samples["licence"], plan, by=supervisor)
    unmet = rollouts.status(api.samples["licence"]).gates_unmet
    assert unmet == ["no telemetry and no report in this stage gives error_rate"]
    mine = _sample_deployment(api)
    worse = list(STEADY)
    worse[Figure.ERROR_RATE] = 0.1
    assert _export(api, request([(mine, NOW, worse)])).status_code == 200
    (unmet,) = rollouts.status(api.samples["licence"]).gates_unmet
    assert unmet == f"error_rate of deployment {mine.deployment_id} (1 point) = 0.1 is above its maximum 0.05"
