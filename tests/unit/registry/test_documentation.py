"""The technical documentation filing (EU AI Act Annex XI) discharges Art. 53(1)(a) for a
general-purpose model placed on the market from 2 August 2025; a passport does not."""

from __future__ import annotations

from custos.access.service import operator
from custos.passports.model import Passport
from custos.policy.pack import BUILTIN
from custos.policy.service import PolicyService
from custos.registry.documentation import TechnicalDocumentation
from custos.registry.model import ModelRegistration
from custos.registry.service import RegistryService
from custos.store import Store
from custos.store import policy_views as pv
from tests.functional.test_documentation import ELEMENTS
from tests.unit.registry.world import Parties

KEY = "eu-ai-act/general-purpose-model-not-open-source/technical-documentation"


def status(store: Store, model_id: str) -> str:
    with store.read() as conn:
        return str(pv.obligations_of(conn, [model_id])[(KEY, model_id)]["status"])


def test_the_annex_xi_filing_discharges_what_a_passport_does_not(store: Store, world: Parties) -> None:
    registry, by = RegistryService(store), operator(store)
    registration = ModelRegistration(
        name="Giant",
        provider_id=world.provider,
        task="Language modeling/generation",
        accessibility="api",
        release_date="2026-02-01",
    )
    model = registry.register_model(registration, by=by)
    PolicyService(store).load((BUILTIN / "eu-ai-act.yaml").read_text(encoding="utf-8"), origin="eu", by=by)
    registry.file_passport(
        model.id,
        Passport.model_validate({"provenance": {"source": "manual"}, "compute": {"training_flop": 3e24}}),
        by=by,
    )
    assert status(store, model.id) in ("open", "overdue")
    filed = registry.file_documentation(
        model.id, TechnicalDocumentation.model_validate(ELEMENTS), by=world.provider_actor
    )
    assert filed.document_sha256 == ELEMENTS["document_sha256"]
    assert status(store, model.id) == "discharged"
