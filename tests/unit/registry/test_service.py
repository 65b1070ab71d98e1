"""The registry service: who may file what for whom, what a refusal leaves behind (nothing), how
passport versions supersede each other, and what each kind of reader is shown.

The visibility rules under test are the ones docs/architecture.md states: ``public`` fields go
to everyone, ``supervisors`` fields to supervisors only, ``owner`` fields to supervisors and the
owning organisation's own actors; a reader is told the names of what it does not see
(``withheld``), never the values, and no filter, search, sort or count may reveal them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel

from custos.access.model import PUBLIC, Principal, Role
from custos.core import Conflict, Forbidden, InvalidInput, NotFound
from custos.filings import Visibility, parse
from custos.passports.model import Money, Passport
from custos.registry.model import (
    DeploymentRegistration,
    ModelRegistered,
    ModelRegistration,
    OrganisationRegistered,
)
from custos.registry.service import RegistryService
from custos.registry.views import DeploymentView, ModelView
from custos.store import Store
from custos.store.registry_views import DeploymentQuery, ModelQuery, OrganisationQuery, PageRequest
from tests.unit.registry.world import Parties, acting, log_size

MANUAL = {"provenance": {"source": "manual"}}


@pytest.fixture
def registry(store: Store) -> RegistryService:
    return RegistryService(store)


def deployment(world: Parties, **changes: Any) -> dict[str, Any]:
    return {
        "name": "Credit scoring",
        "deployer_id": world.deployer,
        "model_id": world.model,
        "jurisdictions": ["DE"],
        "sector": "finance",
        "user_population": 120_000,
        "economic_exposure": {"amount": "2500000.00", "currency": "EUR"},
        **changes,
    }


# --- who may file for whom -----------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.DEPLOYER, Role.AUDITOR, Role.CUSTODIAN])
def test_only_supervisors_register_organisations(
    store: Store, registry: RegistryService, world: Parties, role: Role
) -> None:
    """Entering a firm into the register is the authority's act: any other role, even acting
    for a registered organisation, is refused and the log does not grow."""
    before = log_size(store)
    with pytest.raises(Forbidden, match="only supervisors register organisations"):
        registry.register_organisation(
            OrganisationRegistered.model_validate({"name": "Newco", "jurisdiction": "FR"}),
            by=acting(role, world.provider),
        )
    with pytest.raises(Forbidden):
        registry.register_organisation(
            OrganisationRegistered.model_validate({"name": "Newco", "jurisdiction": "FR"}), by=PUBLIC
        )
    assert log_size(store) == before
    assert registry.organisations(world.supervisor, OrganisationQuery(search="Newco")).total == 0


def test_an_organisation_name_is_registered_once(
    store: Store, registry: RegistryService, world: Parties
) -> None:
    """A second organisation with the same name (surrounding spaces do not make it another
    name) is a conflict that names the name; the first one is untouched."""
    before = log_size(store)
    with pytest.raises(Conflict, match="'Lab SA' is already registered"):
        registry.register_organisation(
            OrganisationRegistered.model_validate({"name": "  Lab SA "}), by=world.supervisor
        )
    assert log_size(store) == before
    assert registry.organisations(world.supervisor, OrganisationQuery(search="Lab SA")).total == 1


def test_a_provider_registers_models_for_itself_only(
    store: Store, registry: RegistryService, world: Parties
) -> None:
    """A provider's model defaults to its own organisation; naming another provider, or filing
    as a deployer, is refused; a supervisor may file for any provider."""
    own = registry.register_model(ModelRegistration.model_validate({"name": "Own"}), by=world.provider_actor)
    assert own.provider_id == world.provider
    before = log_size(store)
    for by in (
        acting(Role.PROVIDER, world.rival),
        world.deployer_actor,
        acting(Role.AUDITOR, world.provider),
    ):
        with pytest.raises(Forbidden, match=f"cannot file for organisation {world.provider}"):
            registry.register_model(
                ModelRegistration.model_validate({"name": "Theirs", "provider_id": world.provider}), by=by
            )
    assert log_size(store) == before
    on_behalf = registry.register_model(
        ModelRegistration.model_validate({"name": "Filed", "provider_id": world.rival}), by=world.supervisor
    )
    assert on_behalf.provider_id == world.rival


@pytest.mark.parametrize(
    ("content", "missing"),
    [
        ({"provider_id": "NO-SUCH-ORG"}, "no organisation 'NO-SUCH-ORG'"),
        ({"developer_ids": ["NO-SUCH-DEV"]}, "no organisation 'NO-SUCH-DEV'"),
        ({"base_model_id": "NO-SUCH-MODEL"}, "no base model 'NO-SUCH-MODEL'"),
    ],
)
def test_a_model_names_only_registered_parties(
    store: Store, registry: RegistryService, world: Parties, content: dict[str, Any], missing: str
) -> None:
    """Every organisation and base model a model names must already be in the register."""
    before = log_size(store)
    with pytest.raises(NotFound, match=missing):
        registry.register_model(
            ModelRegistration.model_validate({"name": "M", "provider_id": world.provider, **content}),
            by=world.supervisor,
        )
    assert log_size(store) == before


def test_a_filer_without_a_jurisdiction_is_refused(
    store: Store, registry: RegistryService, world: Parties
) -> None:
    """Every filing is made in its filer's jurisdiction, so an actor without one cannot file."""
    nowhere = Principal("p", "p", Role.PROVIDER, world.provider, None)
    before = log_size(store)
    with pytest.raises(InvalidInput, match="no jurisdiction to file in"):
        registry.register_model(ModelRegistration.model_validate({"name": "Stateless"}), by=nowhere)
    assert log_size(store) == before


def test_a_deployer_registers_deployments_for_itself_only(
    store: Store, registry: RegistryService, world: Parties
) -> None:
    """Deployments are filed by their deployer (or a supervisor): not by another deployer, and
    not by the provider of the deployed model."""
    own = registry.register_deployment(
        DeploymentRegistration.model_validate(deployment(world)), by=world.deployer_actor
    )
    assert own.deployer_id == world.deployer and own.jurisdictions == ("DE",)
    before = log_size(store)
    for by in (world.rival_actor, world.provider_actor):
        with pytest.raises(Forbidden):
            registry.register_deployment(DeploymentRegistration.model_validate(deployment(world)), by=by)
    assert log_size(store) == before
    assert registry.model(world.supervisor, world.model).deployments == 1


@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        ({"model_id": "NO-SUCH-MODEL"}, "no model 'NO-SUCH-MODEL'"),
        ({"fallback_model_ids": ["NO-FALLBACK"]}, "no model 'NO-FALLBACK'"),
        ({"hosting_provider_id": "NO-HOST"}, "no organisation 'NO-HOST'"),
        ({"fallback_hosting_provider_ids": ["NO-FALLBACK-HOST"]}, "no organisation 'NO-FALLBACK-HOST'"),
    ],
)
def test_a_deployment_names_only_registered_models_and_hosts(
    store: Store, registry: RegistryService, world: Parties, changes: dict[str, Any], missing: str
) -> None:
    before = log_size(store)
    with pytest.raises(NotFound, match=missing):
        registry.register_deployment(
            DeploymentRegistration.model_validate(deployment(world, **changes)), by=world.supervisor
        )
    assert log_size(store) == before


@pytest.mark.parametrize(
    ("model", "content", "field"),
    [
        (DeploymentRegistration, {"jurisdictions": []}, "jurisdictions"),
        (DeploymentRegistration, {"sector": "gambling"}, "sector"),
        (Passport, {"description": "no provenance"}, "provenance"),
    ],
)
def test_invalid_content_is_refused_at_the_edge_with_the_field(
    world: Parties, model: type[BaseModel], content: dict[str, Any], field: str
) -> None:
    """The service takes payload models, so what does not validate never reaches it: the edge
    (the command line's :func:`custos.filings.parse`, the API's body models) refuses it with the
    field named."""
    base = deployment(world) if model is DeploymentRegistration else {}
    with pytest.raises(InvalidInput, match=f"invalid thing: {field}"):
        parse(model, {**base, **content}, "thing")


def test_a_registration_is_filed_for_the_caller_when_it_names_no_owner(
    store: Store, registry: RegistryService, world: Parties
) -> None:
    """A model without a provider is the caller's, a deployment without a deployer likewise:
    the filing carries the filled owner as its content, like one that named it."""
    model = registry.register_model(ModelRegistration(name="Unnamed owner"), by=world.provider_actor)
    placed = registry.register_deployment(
        DeploymentRegistration.model_validate({**deployment(world), "deployer_id": None}),
        by=world.deployer_actor,
    )
    assert isinstance(model, ModelView) and isinstance(placed, DeploymentView)
    assert model.provider_id == world.provider and placed.deployer_id == world.deployer
    with store.read() as conn:
        found = [store.filing(conn, view.filing_id) for view in (model, placed)]
    assert found[0] is not None and found[1] is not None
    (model_filing, _), (deployment_filing, _) = found[0], found[1]
    assert model_filing.content["provider_id"] == world.provider
    assert model_filing.content == ModelRegistered(
        name="Unnamed owner", provider_id=world.provider
    ).model_dump(mode="json")
    assert deployment_filing.content["deployer_id"] == world.deployer


def test_what_a_write_returns_leaves_a_field_withheld_from_the_filer_unset(
    registry: RegistryService, world: Parties
) -> None:
    """A deployer may file its sector for supervisors only: what it gets back names the field as
    withheld and does not set it, so the API writes it absent rather than null."""
    filed = registry.register_deployment(
        DeploymentRegistration.model_validate(deployment(world)),
        by=world.deployer_actor,
        visibility={"sector": Visibility.SUPERVISORS},
    )
    assert "sector" in filed.withheld and "sector" not in filed.model_fields_set
    assert filed.user_population == 120_000


# --- passports and their versions ---------------------------------------------------------


def test_passport_versions_supersede_each_other(
    store: Store, registry: RegistryService, world: Parties
) -> None:
    """Each passport filed is the model's next version and the current one; its filing names
    the filing it supersedes, so the history is a chain in the log."""
    first = registry.file_passport(
        world.model, Passport.model_validate({**MANUAL, "description": "v1"}), by=world.provider_actor
    )
    second = registry.file_passport(
        world.model, Passport.model_validate({**MANUAL, "description": "v2"}), by=world.supervisor
    )
    third = registry.file_passport(
        world.model, Passport.model_validate({**MANUAL, "description": "v3"}), by=world.provider_actor
    )
    assert [p.version for p in (first, second, third)] == [1, 2, 3]
    history = registry.passport_history(world.supervisor, world.model)
    assert [(p.version, p.current, p.passport.description) for p in history] == [
        (3, True, "v3"),
        (2, False, "v2"),
        (1, False, "v1"),
    ]
    with store.read() as conn:
        chain = [store.filing(conn, p.filing_id) for p in (first, second, third)]
    supersedes = [found[0].supersedes if found else "missing" for found in chain]
    assert supersedes == [None, first.filing_id, second.filing_id]
    current = registry.model(PUBLIC, world.model).passport
    assert current is not None and current.version == 3 and current.passport.description == "v3"


def test_only_the_provider_or_a_supervisor_files_a_passport(
    store: Store, registry: RegistryService, world: Parties
) -> None:
    before = log_size(store)
    for by in (world.deployer_actor, acting(Role.PROVIDER, world.rival), PUBLIC):
        with pytest.raises(Forbidden):
            registry.file_passport(world.model, Passport.model_validate(MANUAL), by=by)
    with pytest.raises(NotFound, match="no model 'NO-SUCH-MODEL'"):
        registry.file_passport("NO-SUCH-MODEL", Passport.model_validate(MANUAL), by=world.supervisor)
    assert log_size(store) == before
    assert registry.passport_history(world.supervisor, world.model) == []


# --- what each reader sees ----------------------------------------------------------------


def test_owner_fields_are_seen_by_the_owner_and_supervisors_only(
    registry: RegistryService, world: Parties
) -> None:
    """A deployment's user population and economic exposure are the deployer's own business:
    the deployer and supervisors read them; the public, a rival, and even the provider of the
    deployed model are told only that they exist."""
    filed = registry.register_deployment(
        DeploymentRegistration.model_validate(deployment(world)), by=world.supervisor
    )
    confidential = ["economic_exposure", "user_population"]
    for who in (world.supervisor, world.deployer_actor):
        shown = registry.deployment(who, filed.id)
        assert shown.user_population == 120_000 and shown.withheld == ()
        assert shown.economic_exposure == Money(amount=Decimal("2500000.00"), currency="EUR")
    for who in (PUBLIC, world.rival_actor, world.provider_actor):
        shown = registry.deployment(who, filed.id)
        assert sorted(shown.withheld) == confidential
        assert not set(confidential) & shown.model_fields_set
        assert shown.name == "Credit scoring" and shown.sector == "finance"


def test_an_organisations_revenue_is_its_own_and_the_supervisors(
    registry: RegistryService, world: Parties
) -> None:
    revenue = {"amount": "1000000.00", "currency": "EUR"}
    firm = registry.register_organisation(
        OrganisationRegistered.model_validate(
            {"name": "Revenue Ltd", "jurisdiction": "IE", "country": "IE", "annual_revenue": revenue}
        ),
        by=world.supervisor,
    )
    insider = acting(Role.PROVIDER, firm.id, "IE")
    assert registry.organisation(insider, firm.id).annual_revenue == Money.model_validate(revenue)
    assert registry.organisation(world.supervisor, firm.id).annual_revenue == Money.model_validate(revenue)
    for who in (PUBLIC, world.rival_actor):
        shown = registry.organisation(who, firm.id)
        assert "annual_revenue" not in shown.model_fields_set and shown.withheld == ("annual_revenue",)
        assert shown.name == "Revenue Ltd" and shown.country == "IE"


def test_a_passports_compute_energy_and_notes_are_withheld_from_others(
    registry: RegistryService, world: Parties
) -> None:
    """By default a passport's compute, energy and data-quality notes are the provider's and
    the supervisor's: the public and other firms are told those sections exist."""
    passport = {
        **MANUAL,
        "description": "A frontier model",
        "compute": {"training_flop": 3e25, "hardware_type": "H100"},
        "energy": {"training_energy_kwh": 1.5e7},
    }
    registry.file_passport(world.model, Passport.model_validate(passport), by=world.provider_actor)
    for who in (world.supervisor, world.provider_actor):
        shown = registry.model(who, world.model).passport
        assert shown is not None and shown.passport.compute is not None
        assert shown.passport.compute.training_flop == 3e25 and shown.withheld == ()
    for who in (PUBLIC, world.deployer_actor):
        shown = registry.model(who, world.model).passport
        assert shown is not None and sorted(shown.withheld) == ["compute", "data_quality", "energy"]
        assert "compute" not in shown.passport.model_fields_set
        assert shown.passport.description == "A frontier model"


def test_a_supervisors_only_field_is_hidden_from_its_own_owner(
    store: Store, registry: RegistryService, world: Parties
) -> None:
    """An override can make a field stricter than ``owner``: a ``supervisors`` field is not
    shown even to the organisation it belongs to."""
    filed = registry.register_deployment(
        DeploymentRegistration.model_validate(deployment(world)),
        by=world.supervisor,
        visibility={"sector": Visibility.SUPERVISORS},
    )
    assert registry.deployment(world.supervisor, filed.id).sector == "finance"
    for who in (world.deployer_actor, world.rival_actor, PUBLIC):
        shown = registry.deployment(who, filed.id)
        assert "sector" not in shown.model_fields_set and "sector" in shown.withheld


def test_an_override_can_publish_an_owner_field(registry: RegistryService, world: Parties) -> None:
    """A provider may choose to publish its compute figures: the public then reads them, and
    lists show and filter on them."""
    registry.file_passport(
        world.model,
        Passport.model_validate({**MANUAL, "compute": {"training_flop": 2e25}}),
        by=world.provider_actor,
        visibility={"compute": Visibility.PUBLIC},
    )
    shown = registry.model(PUBLIC, world.model).passport
    assert shown is not None and shown.passport.compute is not None
    assert shown.passport.compute.training_flop == 2e25
    assert sorted(shown.withheld) == ["data_quality", "energy"]
    listed = registry.models(PUBLIC, ModelQuery(min_flop=1e25)).items
    assert [(m.id, m.training_flop) for m in listed] == [(world.model, 2e25)]


def test_an_override_for_a_field_the_filing_lacks_is_refused(
    store: Store, registry: RegistryService, world: Parties
) -> None:
    before = log_size(store)
    with pytest.raises(InvalidInput, match="'secret_sauce'"):
        registry.register_model(
            ModelRegistration.model_validate({"name": "M2", "provider_id": world.provider}),
            by=world.supervisor,
            visibility={"secret_sauce": Visibility.PUBLIC},
        )
    assert log_size(store) == before


def test_a_withheld_compute_figure_never_answers_a_filter_or_shows_in_a_list(
    registry: RegistryService, world: Parties
) -> None:
    """The compute filter only considers figures the reader may see: the provider finds its
    own 3e25 model above 1e25, the public and a rival find nothing (and no figure)."""
    registry.file_passport(
        world.model,
        Passport.model_validate({**MANUAL, "compute": {"training_flop": 3e25}}),
        by=world.supervisor,
    )
    query = ModelQuery(min_flop=1e25)
    assert [m.id for m in registry.models(world.provider_actor, query).items] == [world.model]
    assert [m.id for m in registry.models(world.supervisor, query).items] == [world.model]
    for who in (PUBLIC, world.rival_actor):
        found = registry.models(who, query)
        assert found.items == [] and found.total == 0
        (everything,) = registry.models(who).items
        assert "training_flop" not in everything.model_fields_set


def test_a_withheld_value_never_answers_a_filter_or_a_search(
    registry: RegistryService, world: Parties
) -> None:
    """Filtering deployments by a sector the reader may not see, searching organisations by a
    name it may not see, or models by a country it may not see, finds nothing and counts
    nothing; a supervisor finds each."""
    registry.register_deployment(
        DeploymentRegistration.model_validate(deployment(world)),
        by=world.supervisor,
        visibility={"sector": Visibility.SUPERVISORS},
    )
    hidden = registry.register_organisation(
        OrganisationRegistered.model_validate(
            {"name": "Quiet Capital", "jurisdiction": "LU", "country": "LU"}
        ),
        by=world.supervisor,
        visibility={"name": Visibility.SUPERVISORS, "country": Visibility.SUPERVISORS},
    )
    registry.register_model(
        ModelRegistration.model_validate({"name": "Quiet model", "provider_id": hidden.id}),
        by=world.supervisor,
    )
    by_sector = DeploymentQuery(sector="finance")
    by_name = OrganisationQuery(search="quiet")
    by_country = ModelQuery(country="LU")
    for who in (PUBLIC, world.rival_actor, world.deployer_actor):
        assert registry.deployments(who, by_sector).total == 0
        assert registry.organisations(who, by_name).total == 0
        assert registry.models(who, by_country).total == 0
    assert registry.deployments(world.supervisor, by_sector).total == 1
    assert registry.organisations(world.supervisor, by_name).total == 1
    assert registry.models(world.supervisor, by_country).total == 1


def test_a_withheld_name_sorts_as_if_absent(registry: RegistryService, world: Parties) -> None:
    """Lists run by name; a name the reader may not see sorts first, as an empty one would, so
    its position tells nothing. "Zeta" would sort last for anyone who could read it."""
    zeta = registry.register_organisation(
        OrganisationRegistered.model_validate({"name": "Zeta Holdings", "jurisdiction": "NL"}),
        by=world.supervisor,
        visibility={"name": Visibility.OWNER},
    )
    page = PageRequest(limit=100)
    public_order = [o.id for o in registry.organisations(PUBLIC, page=page).items]
    supervisor_order = [o.id for o in registry.organisations(world.supervisor, page=page).items]
    assert public_order[0] == zeta.id and supervisor_order[-1] == zeta.id
    first = registry.organisations(PUBLIC, page=page).items[0]
    assert "name" not in first.model_fields_set and first.withheld == ("annual_revenue", "name")
    insider = acting(Role.DEPLOYER, zeta.id, "NL")
    assert registry.organisations(insider, page=page).items[-1].name == "Zeta Holdings"


def test_unknown_records_are_not_found(registry: RegistryService, world: Parties) -> None:
    for read in (
        lambda: registry.organisation(PUBLIC, "NOPE"),
        lambda: registry.model(PUBLIC, "NOPE"),
        lambda: registry.deployment(PUBLIC, "NOPE"),
        lambda: registry.passport_history(PUBLIC, "NOPE"),
    ):
        with pytest.raises(NotFound, match="'NOPE'"):
            read()
