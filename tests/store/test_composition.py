"""A store runs exactly the contributions it is composed of, and refuses what it cannot finish."""

from __future__ import annotations

import json

import pytest

from custos.access.contribution import CONTRIBUTION as ACCESS
from custos.access.model import OPERATOR_ID, Principal, Role
from custos.installation import INSTALLATION, composition, create_installation
from custos.passports.model import Passport
from custos.policy.pack import builtin_packs
from custos.policy.service import PolicyService
from custos.registry.contribution import CONTRIBUTION as REGISTRY
from custos.registry.model import ModelRegistration, OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import Composition, CompositionError, Store, ledger_sql
from custos.store import policy_views as pv

SUPERVISOR = Principal(OPERATOR_ID, "operator", Role.SUPERVISOR, None, "EU")
PROVIDER = {"name": "Provider Ltd", "jurisdiction": "EU", "country": "FR", "kinds": ["model_provider"]}


def _size(store: Store) -> int:
    with store.read() as conn:
        return ledger_sql.tree_size(conn)


@pytest.fixture
def installation(settings, clock):  # type: ignore[no-untyped-def]
    store = create_installation(
        settings, origin="test.custos/log", authority="Authority", jurisdiction_code="EU", clock=clock
    )
    pack = next(p for p in builtin_packs() if p.document.id == "eu-ai-act")
    PolicyService(store).load(pack.text, origin="eu-ai-act.yaml", by=SUPERVISOR)
    yield store
    store.close()


def test_an_installation_records_the_policy_engine_as_derived_work(installation: Store) -> None:
    """The policy engine after every other kind; the retest of a red-team finding after an
    audit attestation; notices for peers after the filings peers may be sent; a custody failure's
    incident after a storage audit or a missed confirmation."""
    with installation.read() as conn:
        recorded = json.loads(ledger_sql.meta(conn, "derived_work") or "{}")
    assert recorded == {
        "assurance.retests": ["audit.attested"],
        "escrow.custody_incidents": ["escrow.audited", "escrow.confirmation_missed"],
        "federation.notices": [
            "finding.escalated",
            "incident.closed",
            "incident.confirmed",
            "incident.published",
            "incident.reported",
            "incident.updated",
            "licence.reinstated",
            "licence.revoked",
            "licence.suspended",
        ],
        "policy.re_evaluate": "*",
    }


def test_a_store_composed_without_policy_refuses_a_registry_filing_and_stores_nothing(
    installation: Store,
) -> None:
    partial = Store.open(installation.settings, Composition(INSTALLATION, ACCESS, REGISTRY))
    try:
        before = _size(partial)
        refused = r"policy\.re_evaluate after every organisation\.registered"
        with pytest.raises(CompositionError, match=refused):
            RegistryService(partial).register_organisation(
                OrganisationRegistered.model_validate(PROVIDER), by=SUPERVISOR
            )
        assert _size(partial) == before
    finally:
        partial.close()
    # The fully composed store files it, and the engine runs after it.
    organisation = RegistryService(installation).register_organisation(
        OrganisationRegistered.model_validate(PROVIDER), by=SUPERVISOR
    )
    assert organisation.name == "Provider Ltd"


def test_a_store_refuses_a_kind_no_contribution_declares(installation: Store) -> None:
    bare = Store.open(installation.settings, Composition(INSTALLATION, ACCESS))
    try:
        with pytest.raises(CompositionError, match="no contribution of this store declares"):
            RegistryService(bare).register_organisation(
                OrganisationRegistered.model_validate(PROVIDER), by=SUPERVISOR
            )
    finally:
        bare.close()


def test_the_policy_engine_runs_after_a_passport_filed_through_the_composed_store(
    installation: Store,
) -> None:
    registry = RegistryService(installation)
    provider = registry.register_organisation(OrganisationRegistered.model_validate(PROVIDER), by=SUPERVISOR)
    model = registry.register_model(
        ModelRegistration.model_validate(
            {"name": "Frontier", "provider_id": provider.id, "accessibility": "api"}
        ),
        by=SUPERVISOR,
    )
    registry.file_passport(
        model.id,
        Passport.model_validate(
            {
                "provenance": {"source": "manual"},
                "compute": {"training_flop": 3e25, "confidence": "confident"},
            }
        ),
        by=SUPERVISOR,
    )
    with installation.read() as conn:
        keys = {key for key, _ in pv.obligations_of(conn, [model.id])}
    assert any(key.startswith("eu-ai-act/") for key in keys), keys


def test_every_kind_of_the_installation_is_declared_once_and_projected_by_its_own_package() -> None:
    names = [kind.name for kind in composition().kinds()]
    assert len(names) == len(set(names))
    assert composition().projection("passport.filed") is REGISTRY.projections[REGISTRY.kinds[2]]
