"""Telemetry for tests: OTLP requests built with opentelemetry-proto, and a small monitored world
(firms on shared hosts, deploying one model) registered on a store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from custos.access.model import Principal
from custos.licensing.model import LicenceApplication, LicenceStep, Transition
from custos.licensing.rollout import RolloutPlanned
from custos.licensing.rollout_service import RolloutService
from custos.licensing.service import LicensingService
from custos.monitoring.simulation import Simulated, resource_metrics
from custos.registry.model import (
    DeploymentRegistration,
    ModelRegistration,
    Money,
    OrganisationRegistered,
)
from custos.registry.service import RegistryService
from custos.registry.telemetry import Figure
from custos.store import Store

#: A steady deployment's figures, in the order of ``Figure``.
STEADY = (0.999, 0.002, 0.3, 0.8, 1.2, 0.02, 0.01, 1000.0)
#: A failing one's: most requests fail, answers are slow.
FAILING = (0.35, 0.6, 2.5, 6.0, 9.0, 0.02, 0.01, 300.0)


def request(points: Sequence[tuple[Simulated, int, Sequence[float]]]) -> bytes:
    """One OTLP request: each deployment's figures at a time (unix seconds)."""
    return ExportMetricsServiceRequest(
        resource_metrics=[
            resource_metrics(d, at, np.asarray(values, dtype=float)) for d, at, values in points
        ]
    ).SerializeToString()


def noisy(rng: np.random.Generator, values: Sequence[float] = STEADY) -> list[float]:
    """``values`` with a little noise: a baseline needs some variance to be a baseline."""
    found = [v * rng.lognormal(0, 0.05) for v in values]
    found[Figure.AVAILABILITY] = 1 - (1 - values[Figure.AVAILABILITY]) * rng.lognormal(0, 0.1)
    return found


@dataclass(frozen=True)
class World:
    """Firms deploying one model on two hosts."""

    model: str
    hosts: dict[str, str]
    firms: dict[str, str]
    deployments: tuple[Simulated, ...]

    def on(self, host: str) -> list[Simulated]:
        return [d for d in self.deployments if d.host_id == self.hosts[host]]


def monitored_world(
    store: Store, by: Principal, *, firms: int = 4, per_firm: int = 2, provider: str | None = None
) -> World:
    """``firms`` banks, each deploying the model ``per_firm`` times, alternately on host A and B,
    EUR 10 million of exposure each; the model's provider is ``provider`` or a lab registered here."""
    registry = RegistryService(store)

    def organisation(name: str) -> str:
        payload = OrganisationRegistered.model_validate({"name": name, "jurisdiction": "FR", "country": "FR"})
        return registry.register_organisation(payload, by=by).id

    hosts = {"A": organisation("Host A"), "B": organisation("Host B")}
    provider_id = provider or organisation("Model Lab")
    model = registry.register_model(ModelRegistration(name="Shared model", provider_id=provider_id), by=by).id
    banks = {f"Bank {i + 1}": organisation(f"Bank {i + 1}") for i in range(firms)}
    deployments = []
    for name, bank in banks.items():
        for copy in range(per_firm):
            host = hosts["A" if copy % 2 == 0 else "B"]
            registered = registry.register_deployment(
                DeploymentRegistration(
                    name=f"{name} scoring {copy}",
                    deployer_id=bank,
                    model_id=model,
                    jurisdictions=("FR",),
                    sector="finance",  # type: ignore[arg-type]
                    economic_exposure=Money(amount=Decimal("10000000"), currency="EUR"),
                    hosting_provider_id=host,
                ),
                by=by,
            )
            deployments.append(Simulated(registered.id, bank, model, host, 1e7))
    return World(model, hosts, banks, tuple(deployments))


def by_deployer(points: Sequence[tuple[Simulated, int, Sequence[float]]]) -> Mapping[str, bytes]:
    """The points as one request per deployer, as each firm sends its own."""
    grouped: dict[str, list[tuple[Simulated, int, Sequence[float]]]] = {}
    for point in points:
        grouped.setdefault(point[0].deployer_id, []).append(point)
    return {deployer: request(found) for deployer, found in grouped.items()}


#: A rollout of two stages with no gate but the defaults.
TWO_STAGES: tuple[dict[str, Any], ...] = (
    {"name": "pilot", "percentage": 10},
    {"name": "all", "percentage": 100},
)


def rolled_out(
    store: Store, by: Principal, applicant: str, model: str, stages: Sequence[Mapping[str, Any]] = TWO_STAGES
) -> str:
    """A licence granted to ``applicant`` for ``model`` in finance, its rollout planned; its id."""
    licensing = LicensingService(store)
    application = {
        "applicant_id": applicant,
        "model_id": model,
        "scope": {"jurisdictions": ["EU"], "sectors": ["finance"]},
        "term_months": 12,
    }
    licence = licensing.apply(LicenceApplication.model_validate(application), by=by)
    licensing.decide(licence.id, Transition.GRANT, LicenceStep(), by=by)
    RolloutService(store).plan(licence.id, RolloutPlanned.model_validate({"stages": list(stages)}), by=by)
    return licence.id
