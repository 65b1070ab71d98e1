"""Filtered registry lists on each backend, against an oracle written from the visibility rule.

A filter must match a row only where the reader may see the value it compares (the public through
the ``public_<column>`` columns, an organisation through those or its own rows, supervisors
through everything), and a page's total must count the same rows. The oracle below works that out
from what was filed, field by field, with the rule of ``Principal.can_see``, independently of the
store's SQL.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from custos.access.model import OPERATOR_ID, Principal, Role
from custos.filings import Visibility
from custos.registry.model import (
    Accessibility,
    DeploymentRegistration,
    ModelRegistration,
    OrganisationRegistered,
    Sector,
)
from custos.registry.service import RegistryService
from custos.registry.views import DeploymentPage, ModelPage, OrganisationPage
from custos.store import Store
from custos.store.registry_views import DeploymentQuery, ModelQuery, OrganisationQuery, PageRequest

SUPERVISOR = Principal(OPERATOR_ID, "operator", Role.SUPERVISOR, None, "EU")
PUBLIC = Principal(None, "public", Role.PUBLIC, None, None)
COUNTRIES = ("FR", "US", "CN")
ACCESSIBILITIES = (Accessibility.API, Accessibility.OPEN_WEIGHTS_UNRESTRICTED, Accessibility.HOSTED)
SECTORS = (Sector.FINANCE, Sector.HEALTH, Sector.EDUCATION)


@dataclass(frozen=True)
class Filed:
    """A registered row: its id, owner, values and each value's visibility."""

    id: str
    owner: str
    values: dict[str, str | None]
    shown: dict[str, Visibility]


def sees(who: Principal, row: Filed, field: str) -> bool:
    """The rule of ``Principal.can_see``, restated: public for all; owner for its organisation."""
    visibility = row.shown.get(field, Visibility.PUBLIC)
    if who.sees_everything or visibility is Visibility.PUBLIC:
        return True
    return visibility is Visibility.OWNER and who.organisation_id == row.owner


@dataclass
class World:
    organisations: list[Filed]
    models: list[Filed]
    deployments: list[Filed]

    def organisation(self, org_id: str) -> Filed:
        return next(o for o in self.organisations if o.id == org_id)

    def model_country(self, who: Principal, model: Filed) -> str | None:
        """The provider's country where it has one (and the reader sees it), else the model's
        first country where the reader sees the model's countries."""
        provider = self.organisation(model.owner)
        if provider.values["country"] is not None:
            return provider.values["country"] if sees(who, provider, "country") else None
        return model.values["country"] if sees(who, model, "countries") else None


def build(store: Store, seed: int) -> World:
    chance = random.Random(seed)
    registry = RegistryService(store)

    def visibility() -> Visibility:
        return chance.choice([Visibility.PUBLIC, Visibility.PUBLIC, Visibility.OWNER, Visibility.SUPERVISORS])

    organisations = []
    for index in range(4):
        country = chance.choice([*COUNTRIES, None])
        shown = {"country": visibility()}
        organisation_row = registry.register_organisation(
            OrganisationRegistered(name=f"Org {index}", jurisdiction="EU", country=country),
            by=SUPERVISOR,
            visibility=shown,
        )
        organisations.append(Filed(organisation_row.id, organisation_row.id, {"country": country}, shown))
    models = []
    for index in range(24):
        owner = chance.choice(organisations).id
        countries = tuple(chance.sample(COUNTRIES, chance.randint(0, 2)))
        accessibility = chance.choice(ACCESSIBILITIES)
        shown = {"accessibility": visibility(), "countries": visibility(), "provider_id": visibility()}
        model_row = registry.register_model(
            ModelRegistration(
                name=f"Model {index}", provider_id=owner, accessibility=accessibility, countries=countries
            ),
            by=SUPERVISOR,
            visibility=shown,
        )
        values = {
            "accessibility": accessibility.value,
            "country": next(iter(countries), None),
            "provider_id": owner,
        }
        models.append(Filed(model_row.id, owner, values, shown))
    deployments = []
    for index in range(24):
        owner = chance.choice(organisations).id
        model = chance.choice(models).id
        sector = chance.choice(SECTORS)
        shown = {"sector": visibility(), "model_id": visibility(), "deployer_id": visibility()}
        deployment_row = registry.register_deployment(
            DeploymentRegistration(
                name=f"Deployment {index}",
                deployer_id=owner,
                model_id=model,
                jurisdictions=("EU",),
                sector=sector,
            ),
            by=SUPERVISOR,
            visibility=shown,
        )
        values = {"sector": sector.value, "model_id": model, "deployer_id": owner}
        deployments.append(Filed(deployment_row.id, owner, values, shown))
    return World(organisations, models, deployments)


def readers(world: World) -> list[Principal]:
    firm = world.organisations[0].id
    return [PUBLIC, SUPERVISOR, Principal("actor", "analyst", Role.PROVIDER, firm, "EU")]


#: A page larger than any list here, so one page holds all of it.
ALL = PageRequest(limit=500)


def listed(page: OrganisationPage | ModelPage | DeploymentPage) -> tuple[set[str], int]:
    return {item.id for item in page.items}, page.total


@pytest.mark.parametrize("seed", [1, 2])
def test_filters_match_only_what_the_reader_may_see(store: Store, seed: int) -> None:
    world = build(store, seed)
    registry = RegistryService(store)
    checked = 0
    for who in readers(world):
        for country in COUNTRIES:
            ids, total = listed(registry.organisations(who, OrganisationQuery(country=country), ALL))
            expected = {
                o.id
                for o in world.organisations
                if o.values["country"] == country and sees(who, o, "country")
            }
            assert ids == expected and total == len(expected), (who.role, country)
            ids, total = listed(registry.models(who, ModelQuery(country=country), ALL))
            expected = {m.id for m in world.models if world.model_country(who, m) == country}
            assert ids == expected and total == len(expected), (who.role, country)
            checked += len(expected)
            ids, total = listed(registry.deployments(who, DeploymentQuery(country=country), ALL))
            deployer = world.organisation
            expected = {
                d.id
                for d in world.deployments
                if deployer(d.owner).values["country"] == country and sees(who, deployer(d.owner), "country")
            }
            assert ids == expected and total == len(expected), (who.role, country)
        for accessibility in ACCESSIBILITIES:
            ids, total = listed(registry.models(who, ModelQuery(accessibility=accessibility), ALL))
            expected = {
                m.id
                for m in world.models
                if m.values["accessibility"] == accessibility and sees(who, m, "accessibility")
            }
            assert ids == expected and total == len(expected), (who.role, accessibility)
            checked += len(expected)
        for organisation in world.organisations:
            ids, _ = listed(registry.models(who, ModelQuery(organisation=organisation.id), ALL))
            assert ids == {
                m.id for m in world.models if m.owner == organisation.id and sees(who, m, "provider_id")
            }
            ids, _ = listed(registry.deployments(who, DeploymentQuery(organisation=organisation.id), ALL))
            assert ids == {
                d.id for d in world.deployments if d.owner == organisation.id and sees(who, d, "deployer_id")
            }
        for sector in SECTORS:
            ids, total = listed(registry.deployments(who, DeploymentQuery(sector=sector), ALL))
            expected = {
                d.id for d in world.deployments if d.values["sector"] == sector and sees(who, d, "sector")
            }
            assert ids == expected and total == len(expected), (who.role, sector)
            checked += len(expected)
        for model in world.models[:6]:
            ids, _ = listed(registry.deployments(who, DeploymentQuery(model=model.id), ALL))
            assert ids == {
                d.id
                for d in world.deployments
                if d.values["model_id"] == model.id and sees(who, d, "model_id")
            }
    assert checked > 0  # the world has rows each filter matches
