"""The detector's states reach the store at a checkpoint, not with every request; a raised alert
reaches it in the request that raised it, and a reader in the process sees every point taken."""

from __future__ import annotations

import numpy as np
import pytest

from custos.access.service import operator
from custos.monitoring import otlp, state_cache
from custos.monitoring.service import MonitoringService
from custos.registry.telemetry import Figure
from custos.store import Store
from custos.store import monitoring_views as mv
from tests.functional.conftest import Api
from tests.functional.telemetry import FAILING, monitored_world, noisy, request


def _stored(store: Store) -> dict[tuple[str, int], dict[str, object]]:
    with store.read() as conn:
        return {(s["deployment_id"], int(s["figure"])): s for s in mv.states_of(conn, None)}


def test_states_are_saved_at_a_checkpoint_and_an_alert_at_once(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(state_cache, "CHECKPOINT_SECONDS", 3600.0)
    store = api.store
    by = operator(store)
    world = monitored_world(store, by, firms=2, per_firm=1)
    service = MonitoringService(store)
    start = int(store.clock.now().timestamp()) - 3600
    rng = np.random.default_rng(3)
    for minute in range(40):
        body = request([(d, start + 60 * minute, noisy(rng)) for d in world.deployments])
        service.ingest(body, otlp.PROTOBUF, by=by)
    assert _stored(store) == {}  # no alert, no checkpoint due: the states are held in memory

    panels = {p.deployment_id: p for p in service.deployments(by=by)}  # a reader saves them first
    assert {p.deployment_id for p in panels.values()} == {d.deployment_id for d in world.deployments}
    stored = _stored(store)
    assert len(stored) == 8 * len(world.deployments)
    assert {s["n"] for s in stored.values()} == {40}

    failing, steady = world.deployments
    body = request([(failing, start + 60 * 40, FAILING), (steady, start + 60 * 40, noisy(rng))])
    _, ingested = service.ingest(body, otlp.PROTOBUF, by=by)
    assert ingested.alerts  # the error rate jumped
    stored = _stored(store)  # saved with the alert, without a reader asking
    error_rate = stored[(failing.deployment_id, int(Figure.ERROR_RATE))]
    assert error_rate["degraded"] == 1 and error_rate["alert_id"] == ingested.alerts[0]
    assert stored[(steady.deployment_id, int(Figure.ERROR_RATE))]["n"] == 41
