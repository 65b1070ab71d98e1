"""A deployer's OpenTelemetry SDK exports to a running installation unchanged: the real OTLP/HTTP
exporter (opentelemetry-exporter-otlp-proto-http), pointed at the installation's base URL with
the deployer's token, delivers its gauges and its delta counter, compressed or not."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import httpx
import pytest
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.sdk.metrics import Counter, MeterProvider
from opentelemetry.sdk.metrics.export import AggregationTemporality, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource

from custos.access.model import Role
from custos.access.service import AccessService, operator
from custos.core.settings import load_settings
from custos.installation import create_installation
from custos.registry.model import DeploymentRegistration, ModelRegistration, OrganisationRegistered
from custos.registry.service import RegistryService
from tests.servers import serving


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """A served installation with a bank's deployment; its URL, the bank deployer's token and the
    deployment."""
    home = tmp_path_factory.mktemp("otlp") / "home"
    store = create_installation(
        load_settings(home), origin="otlp.test/log", authority="Authority", jurisdiction_code="EU"
    )
    by = operator(store)
    registry = RegistryService(store)
    bank = registry.register_organisation(
        OrganisationRegistered.model_validate({"name": "Bank", "jurisdiction": "FR", "country": "FR"}), by=by
    ).id
    model = registry.register_model(ModelRegistration(name="Model", provider_id=bank), by=by).id
    deployment = registry.register_deployment(
        DeploymentRegistration.model_validate(
            {
                "name": "Scoring",
                "deployer_id": bank,
                "model_id": model,
                "jurisdictions": ["FR"],
                "sector": "finance",
            }
        ),
        by=by,
    ).id
    access = AccessService(store)
    token = access.issue_token(access.add_actor("Ops", Role.DEPLOYER, bank, by=by).id)
    store.close()
    with serving(home) as url:
        yield url, token, deployment


def _export(url: str, token: str, deployment: str, compression: Compression) -> None:
    """One export as a deployer's service makes it: observable gauges and a request counter."""
    exporter = OTLPMetricExporter(
        endpoint=f"{url}/v1/metrics",
        headers={"Authorization": f"Bearer {token}"},
        compression=compression,
        preferred_temporality={Counter: AggregationTemporality.DELTA},
    )
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=3_600_000)
    resource = Resource.create({"custos.deployment.id": deployment, "service.name": "scoring"})
    provider = MeterProvider(resource=resource, metric_readers=[reader])
    meter = provider.get_meter("scoring")

    def gauge(value: float) -> object:
        def observe(_: CallbackOptions) -> Iterable[Observation]:
            return [Observation(value)]

        return observe

    meter.create_observable_gauge("custos.availability", [gauge(0.998)], unit="1")  # type: ignore[list-item]
    meter.create_observable_gauge("custos.latency.p95", [gauge(0.42)], unit="s")  # type: ignore[list-item]
    meter.create_counter("custos.requests", unit="{request}").add(1234)
    assert provider.force_flush(10_000)
    provider.shutdown()


@pytest.mark.parametrize("compression", [Compression.NoCompression, Compression.Gzip])
def test_the_sdk_exporter_delivers_to_the_installation(
    installation: tuple[str, str, str], compression: Compression
) -> None:
    url, token, deployment = installation
    _export(url, token, deployment, compression)
    panels = httpx.get(
        f"{url}/v1/monitoring/deployments", headers={"Authorization": f"Bearer {token}"}, timeout=10
    ).json()
    figures = {f["figure"]: f["value"] for f in panels[0]["figures"]}
    assert figures == {"availability": 0.998, "latency_p95": 0.42, "volume": 1234.0}
