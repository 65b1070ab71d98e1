"""The systemic check's de-duplication over HTTP (custos.monitoring.systemic): one outage is one
systemic alert, raised for the sharpest group that explains it; a minute more of the same outage
files nothing; recovery clears it; a host's incident holds no rollout; a sector alone opens no
incident."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from custos.access.model import Role
from custos.access.service import operator
from custos.core.clock import FixedClock
from custos.licensing.rollout_service import RolloutService
from custos.monitoring.model import MONITOR_ALERT_CLEARED
from custos.monitoring.simulation import Simulated
from custos.registry.model import DeploymentRegistration, ModelRegistration, Money, OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import filing_views as fv
from tests.functional.conftest import Api
from tests.functional.telemetry import FAILING, STEADY, by_deployer, monitored_world, request, rolled_out
from tests.functional.test_monitoring_api import MONITORING, NOW, _baseline, _export, _partial

#: Loose enough that four of a host's four deployments failing together qualifies after a 45
#: minutes' baseline (each deployment's window rate is about 0.1), and four of the model's eight too.
CHANCE = 0.01


def _loosen(api: Api) -> None:
    answer = api.client.put(
        f"{MONITORING}/thresholds",
        json={"chance": CHANCE, "reason": "a short history"},
        headers=api.headers(Role.SUPERVISOR),
    )
    assert answer.status_code == 200, answer.text


def _send(api: Api, deployments: list[Simulated], at: int, values: tuple[float, ...]) -> None:
    """The deployments' points at ``at`` in one request (a supervisor may send every firm's)."""
    answer = _export(api, request([(d, at, values) for d in deployments]), Role.SUPERVISOR)
    assert answer.status_code == 200 and _partial(answer) == (0, "")


def _systemic(api: Api, **params: Any) -> list[dict[str, Any]]:
    answer = api.client.get(
        f"{MONITORING}/alerts", params={"kind": "systemic", **params}, headers=api.headers(Role.SUPERVISOR)
    )
    assert answer.status_code == 200, answer.text
    return list(answer.json())


def _incidents(api: Api) -> int:
    return int(api.client.get("/v1/incidents", headers=api.headers(Role.SUPERVISOR)).json()["total"])


def test_a_host_outage_is_one_alert_held_once_and_cleared_on_recovery(api: Api, clock: FixedClock) -> None:
    supervisor = operator(api.store)
    world = monitored_world(api.store, supervisor, firms=4, per_firm=2)
    licence = rolled_out(api.store, supervisor, world.firms["Bank 1"], world.model)
    _loosen(api)
    _baseline(api, list(world.deployments), minutes=45)
    host_a = world.on("A")
    incidents = _incidents(api)

    _send(api, host_a, NOW, FAILING)  # every deployment on host A fails; host B's run on

    (alert,) = _systemic(api)  # not also the model's, version's or sector's group
    assert (alert["group_by"], alert["group"], alert["deployments"]) == ("host", world.hosts["A"], 4)
    assert alert["chance"] < CHANCE and alert["incident_id"]
    assert _incidents(api) == incidents + 1
    incident = api.client.get(f"/v1/incidents/{alert['incident_id']}", headers=api.headers(Role.SUPERVISOR))
    assert incident.status_code == 200 and incident.json()["model_ids"] == [world.model]
    assert RolloutService(api.store).status(licence).status == "active"  # the model is not at fault

    _send(api, host_a, NOW + 60, FAILING)  # the same outage, a minute on
    assert [a["id"] for a in _systemic(api)] == [alert["id"]]
    assert _incidents(api) == incidents + 1

    recover_after = api.client.get(f"{MONITORING}/thresholds").json()["recover_after"]
    clock.advance(timedelta(minutes=2 + recover_after))  # the points are no later than now
    for minute in range(recover_after):
        _send(api, host_a, NOW + 120 + 60 * minute, STEADY)

    own = api.client.get(
        f"{MONITORING}/alerts", params={"kind": "alert", "open": "true"}, headers=api.headers(Role.SUPERVISOR)
    ).json()
    print("OPEN DEPLOYMENT ALERTS", len(own))
    assert _systemic(api, open="true") == []
    with api.store.read() as conn:
        cleared = fv.contents(conn, [world.hosts["A"]], [MONITOR_ALERT_CLEARED.name])
    assert [c.content["alert_id"] for c in cleared] == [alert["id"]]
    assert [a["id"] for a in _systemic(api)] == [alert["id"]]  # cleared, not forgotten


def test_a_coincidence_in_a_sector_alone_opens_no_incident(api: Api) -> None:
    supervisor = operator(api.store)
    registry = RegistryService(api.store)
    lab = registry.register_organisation(
        OrganisationRegistered.model_validate({"name": "Lab", "jurisdiction": "FR", "country": "FR"}),
        by=supervisor,
    ).id
    deployments = []
    for i in range(3):  # three firms, three models, no host: they share only the sector
        bank = registry.register_organisation(
            OrganisationRegistered.model_validate(
                {"name": f"Bank {i}", "jurisdiction": "FR", "country": "FR"}
            ),
            by=supervisor,
        ).id
        model = registry.register_model(
            ModelRegistration(name=f"Model {i}", provider_id=lab), by=supervisor
        ).id
        registered = registry.register_deployment(
            DeploymentRegistration(
                name=f"Bank {i} scoring",
                deployer_id=bank,
                model_id=model,
                jurisdictions=("FR",),
                sector="finance",  # type: ignore[arg-type]
                economic_exposure=Money(amount=Decimal("10000000"), currency="EUR"),
            ),
            by=supervisor,
        )
        deployments.append(Simulated(registered.id, bank, model, None, 1e7))
    _loosen(api)
    _baseline(api, deployments, minutes=45)
    incidents = _incidents(api)

    _send(api, deployments, NOW, FAILING)

    (alert,) = _systemic(api)
    assert (alert["group_by"], alert["group"], alert["deployments"]) == ("sector", "finance", 3)
    assert alert.get("incident_id") is None
    assert _incidents(api) == incidents


def test_a_host_outage_reported_firm_by_firm_is_still_one_alert(api: Api) -> None:
    world = monitored_world(api.store, operator(api.store), firms=4, per_firm=2)
    _loosen(api)
    _baseline(api, list(world.deployments), minutes=45)
    for body in by_deployer([(d, NOW, FAILING) for d in world.on("A")]).values():
        assert _export(api, body, Role.SUPERVISOR).status_code == 200
    # filed when the third firm's request qualified the host; the fourth's joins that outage
    assert [(a["group_by"], a["deployments"]) for a in _systemic(api)] == [("host", 3)]
