"""``custos.client`` against a real ``custos serve``: a provider files a passport, a deployer asks
for decisions before and after its licence is granted, errors arrive as the client's own, the
public sees no confidential field, and importing the client loads no web framework."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from securesystemslib.signer import CryptoSigner
from typer.testing import CliRunner

import custos.client
from custos.api.bodies import DeploymentRegistration, ModelRegistration
from custos.assurance.model import AuditEngaged, AuditorAccredited
from custos.assurance.signing import sign_statement
from custos.assurance.statement import AuditPredicate, ResourceDescriptor, Statement
from custos.cli.app import app
from custos.client import CustosApiError, CustosClient, CustosConnectionError
from custos.client.errors import InvalidInputError, NotFoundError, UnauthenticatedError
from custos.core.errors import InvalidInput, NotFound
from custos.labor.occupations import Measure
from custos.labor.requests import LabourRunRequest
from custos.licensing.model import LicenceApplication, LicenceStatus, LicenceStep, Scope, Transition
from custos.licensing.views import DecisionView
from custos.passports.model import Compute, Confidence, Dataset, Passport, Provenance
from custos.registry.model import Accessibility, Sector
from custos.risk.requests import ReverseStressRequest
from tests.servers import free_port, serving
from tests.store.test_registry import epoch_sample


@dataclass(frozen=True)
class Installation:
    home: Path
    url: str
    provider: str
    deployer: str
    supervisor: str
    provider_org: str
    deployer_org: str


def _custos(home: Path, *arguments: str) -> dict[str, str]:
    result = CliRunner().invoke(app, ["--home", str(home), *arguments, "--json"])
    assert result.exit_code == 0, result.output
    answer: dict[str, str] = json.loads(result.stdout)
    return answer


def _actor(home: Path, name: str, role: str, organisation: str) -> str:
    actor = _custos(home, "actors", "add", name, "--role", role, "--org", organisation)
    return _custos(home, "actors", "token", actor["id"])["token"]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installation]:
    """An EU installation with 30 of Epoch AI's models, the built-in packs, a provider, a bank
    that deploys, and an actor and token for each of them and for a supervisor."""
    root = tmp_path_factory.mktemp("client")
    home = root / "home"
    result = CliRunner().invoke(
        app,
        ["--home", str(home), "init", "--origin", "client.test/log", "--authority", "AI Office", "-j", "EU"],
    )
    assert result.exit_code == 0, result.output
    (root / "epoch.csv").write_text(epoch_sample(30), encoding="utf-8")
    for command in (
        ["registry", "import", "epoch", str(root / "epoch.csv")],
        ["policy", "load", "--builtin", "all"],
    ):
        result = CliRunner().invoke(app, ["--home", str(home), *command])
        assert result.exit_code == 0, result.output
    provider_org = _custos(
        home, "orgs", "add", "Meta Platforms", "-j", "US", "--country", "US", "-k", "model_provider"
    )
    deployer_org = _custos(home, "orgs", "add", "Bank AG", "-j", "DE", "--country", "DE", "-k", "deployer")
    tokens = {
        "provider": _actor(home, "Model officer", "provider", provider_org["id"]),
        "deployer": _actor(home, "Risk officer", "deployer", deployer_org["id"]),
        "supervisor": _actor(home, "Examiner", "supervisor", "AI Office"),
    }
    with serving(home) as url:
        yield Installation(
            home, url, **tokens, provider_org=provider_org["id"], deployer_org=deployer_org["id"]
        )


def llama_passport() -> Passport:
    """Llama 3.1-405B's passport as Epoch AI's table describes it; compute stays the owner's."""
    return Passport(
        description="A dense Transformer of 405B parameters with a context window of 128K tokens.",
        provenance=Provenance(
            source="epoch",
            reference="https://ai.meta.com/research/publications/the-llama-3-herd-of-models/",
            developers=("Meta AI",),
        ),
        datasets=(Dataset(name="Llama 3 dataset", size_datapoints=15.6e12),),
        compute=Compute(training_flop=3.8e25, confidence=Confidence.CONFIDENT, parameters=405e9),
    )


@pytest.fixture(scope="module")
def model_id(served: Installation) -> str:
    with CustosClient(served.url, served.provider) as provider:
        model = provider.register_model(
            ModelRegistration(name="Llama 3.1-405B", accessibility=Accessibility.OPEN_WEIGHTS_RESTRICTED)
        )
    return model.id


def test_a_provider_files_a_passport_and_reads_it_back(served: Installation, model_id: str) -> None:
    with CustosClient(served.url, served.provider) as provider:
        filed = provider.file_passport(model_id, llama_passport())
        assert filed.version == 1 and filed.current and filed.model_id == model_id
        assert filed.passport.compute is not None and filed.passport.compute.training_flop == 3.8e25
        model = provider.model(model_id)
    assert model.provider_id == served.provider_org  # filled from the provider's organisation
    assert model.passport is not None and model.passport.filing_id == filed.filing_id
    assert model.passport.passport.provenance == llama_passport().provenance
    assert model.withheld == () and model.deployments == 0


def test_the_public_sees_no_confidential_field(served: Installation, model_id: str) -> None:
    with CustosClient(served.url, served.provider) as provider:
        provider.file_passport(model_id, llama_passport())
    with CustosClient(served.url) as public:
        model = public.model(model_id)
        listed = {item.id: item for item in public.models(q="Llama 3.1-405B")}
    assert model.passport is not None
    assert model.passport.passport.compute is None and "compute" in model.passport.withheld
    assert model.passport.passport.datasets == llama_passport().datasets
    # Absent, not null: the list's training compute was never sent.
    assert "training_flop" not in listed[model_id].model_fields_set


def test_the_model_list_follows_its_cursors(served: Installation) -> None:
    with CustosClient(served.url) as public:
        pages = list(public.model_pages(page_size=7))
        everything = list(public.models(page_size=500))
    assert len(pages) > 1 and all(page.total == len(everything) for page in pages)
    assert [m.id for page in pages for m in page.items] == [m.id for m in everything]
    assert len({m.id for m in everything}) == len(everything) >= 30


def test_a_deployer_is_denied_without_a_licence_and_allowed_with_one(
    served: Installation, model_id: str
) -> None:
    with (
        CustosClient(served.url, served.deployer) as deployer,
        CustosClient(served.url, served.supervisor) as supervisor,
    ):
        deployment = deployer.register_deployment(
            DeploymentRegistration(
                name="Credit pre-screening", model_id=model_id, jurisdictions=("DE",), sector=Sector.FINANCE
            )
        )
        assert deployment.deployer_id == served.deployer_org

        def ask() -> DecisionView:
            return deployer.decide(
                served.deployer_org, model_id, "DE", sector="finance", subject_key="customer-4711"
            )

        denied = ask()
        assert denied.allow is False and denied.reasons and denied.licence_id is None

        applied = deployer.apply_for_licence(
            LicenceApplication(
                model_id=model_id,
                scope=Scope(jurisdictions=("DE",), sectors=(Sector.FINANCE,)),
                term_months=12,
            )
        )
        assert applied.status is LicenceStatus.APPLIED and applied.applicant_id == served.deployer_org
        granted = supervisor.decide_licence(applied.id, Transition.GRANT)
        assert granted.status is LicenceStatus.GRANTED and granted.valid_until is not None

        allowed = ask()
        assert allowed.allow is True and allowed.licence_id == applied.id
        assert deployer.licence(applied.id).status is LicenceStatus.GRANTED

        suspended = supervisor.decide_licence(applied.id, "suspend", LicenceStep(reason="audit overdue"))
        assert suspended.status is LicenceStatus.SUSPENDED and suspended.reason == "audit overdue"
        assert ask().allow is False


def test_obligations_are_listed_page_by_page(served: Installation, model_id: str) -> None:
    with CustosClient(served.url, served.provider) as provider:
        provider.file_passport(model_id, llama_passport())
        mine = list(provider.obligations(page_size=1))
        again = list(provider.obligations(subject=model_id))
    assert mine, "a model trained with 3.8e25 FLOP carries obligations under the built-in packs"
    assert {o.owner_id for o in mine} == {served.provider_org}
    assert len({o.id for o in mine}) == len(mine)
    assert {o.id for o in again} <= {o.id for o in mine} and again


def test_an_invalid_body_is_the_clients_error_with_the_field_named(
    served: Installation, model_id: str
) -> None:
    with CustosClient(served.url, served.deployer) as deployer, pytest.raises(InvalidInputError) as raised:
        deployer.decide(served.deployer_org, model_id, "DE", users=-1)
    error = raised.value
    assert isinstance(error, InvalidInput) and isinstance(error, CustosApiError)
    assert (error.status, error.title) == (422, "Invalid input")
    assert error.fields == ("body.users",) and "greater than or equal to 0" in error.detail


def test_other_problems_keep_their_status_title_and_detail(served: Installation) -> None:
    with CustosClient(served.url) as public:
        with pytest.raises(NotFoundError) as missing:
            public.model("NOPE")
        assert isinstance(missing.value, NotFound) and missing.value.detail == "no model 'NOPE'"
        with pytest.raises(UnauthenticatedError) as anonymous:
            public.register_model(ModelRegistration(name="Anonymous"))
        assert anonymous.value.status == 401 and "sign in" in anonymous.value.detail
    with CustosClient(served.url, "custos_not-a-token") as stranger, pytest.raises(UnauthenticatedError):
        stranger.model("NOPE")


def test_no_answer_is_a_connection_error_not_an_httpx_one() -> None:
    nowhere = CustosClient(f"http://127.0.0.1:{free_port()}", timeout=2)
    with nowhere, pytest.raises(CustosConnectionError) as raised:
        nowhere.model("NOPE")
    assert raised.value.status == 503


FRAMEWORKS = ("fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic", "custos.store", "custos.api.app")


def _loaded_by_importing_the_client() -> list[str]:
    code = "import json, sys, custos.client; print(json.dumps(sorted(sys.modules)))"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return [m for m in json.loads(completed.stdout) if m.startswith(FRAMEWORKS)]


def test_an_auditor_signs_with_the_clients_models_and_anyone_verifies(
    served: Installation, model_id: str, tmp_path: Path
) -> None:
    """An audit firm's whole path from its own process: accredited by the supervisor, engaged by
    the provider, it signs the Statement it is asked for and files it; the public verifies it."""
    firm = _custos(served.home, "orgs", "add", "Audit BV", "-j", "NL", "--country", "NL", "-k", "auditor")
    auditor_token = _actor(served.home, "Lead auditor", "auditor", firm["id"])
    key = CryptoSigner(ed25519.Ed25519PrivateKey.generate())
    sslib = key.public_key
    with CustosClient(served.url, served.supervisor) as supervisor:
        supervisor.accredit_auditor(
            AuditorAccredited.model_validate(
                {
                    "organisation_id": firm["id"],
                    "keys": [
                        {"keyid": sslib.keyid, "keytype": sslib.keytype, "scheme": sslib.scheme}
                        | {"keyval": dict(sslib.keyval)}
                    ],
                    "scopes": ["eu-ai-act-art55-evaluation"],
                    "valid_from": "2026-01-01",
                    "valid_until": "2030-01-01",
                }
            )
        )
    with CustosClient(served.url, served.provider) as provider:
        provider.file_passport(model_id, llama_passport())
        engaged = provider.engage_auditor(
            AuditEngaged(subject_id=model_id, scope="eu-ai-act-art55-evaluation", auditor_id=firm["id"])
        )
    with CustosClient(served.url, auditor_token) as auditor:
        asked = auditor.engagement(engaged.id)
        assert asked.statement_subject is not None
        now = datetime.now(UTC)
        statement = Statement(
            subject=(ResourceDescriptor.model_validate(asked.statement_subject),),
            predicate=AuditPredicate.model_validate(
                {
                    "engagement": asked.id,
                    "auditor": firm["id"],
                    "scope": asked.scope,
                    "standard": "Regulation (EU) 2024/1689, Art. 55(1)(a)",
                    "method": "Evaluation review",
                    "findingsSummary": "Sound.",
                    "opinion": "pass",
                    "issuedAt": now.isoformat(),
                    "validFrom": now.date().isoformat(),
                    "validUntil": "2027-12-31",
                }
            ),
        )
        envelope = sign_statement(statement, key)
        filed = auditor.file_attestation(envelope)
    with CustosClient(served.url) as public:
        assert public.attestation(filed.id).opinion == "pass"
        assert public.attestation(filed.id).envelope is None
        verified = public.verify_attestation(envelope)
    assert verified.verified and verified.attestation_id == filed.id


def test_a_supervisor_asks_for_a_reverse_stress_test_and_a_provider_may_not(served: Installation) -> None:
    # North Cloud's outage alone costs 72.3168 on the sample (the only unit given a loss rate)
    scenario = "name: North outage\nseed: 1\noutages: [{provider: cloud-north, loss_rate: 0.15}]\n"
    request = ReverseStressRequest(scenario=scenario, network="sample", threshold=70.0)
    with CustosClient(served.url, served.supervisor) as supervisor:
        found = supervisor.reverse_stress(request)
    assert found.method == "exhaustive" and found.size == 1
    assert [unit.id for unit in found.sets[0].units] == ["cloud-north"]
    assert found.sets[0].loss == pytest.approx(72.3168, rel=1e-12)
    with CustosClient(served.url, served.provider) as provider, pytest.raises(CustosApiError) as refused:
        provider.reverse_stress(request)
    assert refused.value.status == 403


def test_a_supervisor_files_a_labour_run_the_public_reads_it_and_a_provider_may_not(
    served: Installation,
) -> None:
    request = LabourRunRequest(scenario="gradual", programmes="us-baseline", draws=200, seed=3)
    with CustosClient(served.url, served.supervisor) as supervisor:
        run = supervisor.start_labour_run(request)
    with CustosClient(served.url) as public:
        assert public.labour_run(run.run_id) == run
        assert run.run_id in [item.run_id for item in public.labour_runs()]
        assert "<svg" in public.labour_report(run.run_id)
        exposure = public.labour_exposure(Measure.MODEL_ALPHA)
        assert exposure.measure is Measure.MODEL_ALPHA and exposure.level == "group"
        assert public.labour_headline().agrees
        with pytest.raises(NotFoundError):
            public.labour_report("nope")
    with CustosClient(served.url, served.provider) as provider, pytest.raises(CustosApiError) as refused:
        provider.start_labour_run(request)
    assert refused.value.status == 403


def test_importing_the_client_loads_no_web_framework() -> None:
    loaded = _loaded_by_importing_the_client()
    assert not [m for m in loaded if m.startswith(("fastapi", "starlette", "uvicorn", "custos.api.app"))]


def test_importing_the_client_loads_neither_the_store_nor_sqlalchemy() -> None:
    assert _loaded_by_importing_the_client() == []


#: What the client's modules may import: the standard library's typing helpers, httpx, pydantic,
#: protobuf (on first use, for the ``google.rpc.Status`` an OTLP refusal carries), and the
#: modules that define the payloads, the read models and the errors.
ALLOWED_PACKAGES = {
    "__future__", "collections", "datetime", "types", "typing", "urllib", "httpx", "pydantic", "google",
}  # fmt: skip
ALLOWED_MODULES = {
    "custos",  # the package root, for its version
    "custos.api.bodies",
    "custos.api.envelopes",
    "custos.assurance.model",
    "custos.assurance.views",
    "custos.core.errors",
    "custos.escrow.model",
    "custos.escrow.views",
    "custos.federation.model",
    "custos.federation.standards_views",
    "custos.federation.views",
    "custos.filings",
    "custos.labor.occupations",
    "custos.labor.requests",
    "custos.labor.views",
    "custos.licensing.model",
    "custos.licensing.views",
    "custos.buffers.requests",
    "custos.buffers.views",
    "custos.markets.requests",
    "custos.markets.views",
    "custos.monitoring.model",
    "custos.monitoring.views",
    "custos.oversight.history_model",
    "custos.oversight.model",
    "custos.oversight.views",
    "custos.passports.model",
    "custos.pool.requests",
    "custos.pool.views",
    "custos.registry.documentation",
    "custos.policy.views",
    "custos.provenance.model",
    "custos.provenance.views",
    "custos.registry.model",
    "custos.registry.views",
    "custos.risk.requests",
    "custos.risk.views",
}


def test_the_client_names_only_httpx_pydantic_and_the_models() -> None:
    package = Path(custos.client.__file__).parent
    for source in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                allowed = (
                    name.split(".")[0] in ALLOWED_PACKAGES
                    or name in ALLOWED_MODULES
                    or name.startswith("custos.client.")
                )
                assert allowed, (source.name, name)
