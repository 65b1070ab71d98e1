"""The registry's payload validators: plausible release dates, countries and jurisdictions as ISO
codes, and the EU AI Act Annex III areas the sectors cite.

The truths here come from the standards and the law, not from the code: ISO 3166-1 alpha-2
names countries (``FR``), ISO 3166-2 their subdivisions (``US-CA``), and neither the EU nor a
subdivision is a country; Annex III of Regulation (EU) 2024/1689 lists eight high-risk areas
in a fixed order.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from custos.core import InvalidInput
from custos.registry.model import (
    DEPLOYMENT_REGISTERED,
    MODEL_REGISTERED,
    ORGANISATION_REGISTERED,
    AnnexIIIUse,
    DeploymentRegistered,
    ModelRegistered,
    ModelRegistration,
    NotificationFiled,
    OrganisationRegistered,
)

MODEL = {"name": "M", "provider_id": "P"}


@given(day=st.dates(min_value=date(1, 1, 1), max_value=date(1899, 12, 31)))
def test_a_release_before_1900_is_refused(day: date) -> None:
    """Epoch's oldest notable systems are from the 1950s; a date before 1900 is a typing slip."""
    with pytest.raises(ValidationError, match="not plausible"):
        ModelRegistered.model_validate({**MODEL, "release_date": day.isoformat()})


@given(day=st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_a_release_from_1900_on_is_kept_as_given(day: date) -> None:
    assert ModelRegistered.model_validate({**MODEL, "release_date": day.isoformat()}).release_date == day


def test_the_first_plausible_day_is_the_first_of_1900() -> None:
    assert ModelRegistered.model_validate({**MODEL, "release_date": "1900-01-01"}).release_date == date(
        1900, 1, 1
    )
    with pytest.raises(InvalidInput, match=r"release_date: .*not plausible"):
        MODEL_REGISTERED.validate({**MODEL, "release_date": "1899-12-31"})


def test_countries_are_normalised_and_deduplicated_in_order() -> None:
    """Codes are read case-insensitively and kept once each, in the order first given."""
    model = ModelRegistered.model_validate({**MODEL, "countries": ["de", "FR", " De ", "fr", "us"]})
    assert model.countries == ("DE", "FR", "US")


@pytest.mark.parametrize("code", ["XX", "FRA", "US-ZZ", "Europe"])
def test_an_unknown_country_is_refused(code: str) -> None:
    with pytest.raises((InvalidInput, ValidationError), match="unknown jurisdiction"):
        MODEL_REGISTERED.validate({**MODEL, "countries": [code]})


@pytest.mark.parametrize("code", ["EU", "US-CA"])
def test_a_developers_country_is_a_country(code: str) -> None:
    """A country is an ISO 3166-1 alpha-2 code, for a model's developers as for an organisation."""
    with pytest.raises((InvalidInput, ValidationError)):
        MODEL_REGISTERED.validate({**MODEL, "countries": [code]})


@pytest.mark.parametrize("code", ["EU", "US-CA", "DE-BY"])
def test_an_organisations_country_is_an_iso_country_not_a_union_or_a_region(code: str) -> None:
    with pytest.raises(ValidationError, match="ISO 3166-1 alpha-2"):
        OrganisationRegistered.model_validate({"name": "O", "country": code})


def test_an_organisation_may_be_established_in_the_eu_and_active_in_regions() -> None:
    """Its jurisdiction and jurisdictions are places where law applies: the EU and subdivisions
    are such places, unlike for its country."""
    org = OrganisationRegistered.model_validate(
        {"name": "O", "country": "fr", "jurisdiction": "eu", "jurisdictions": ["us-ca", "US-CA", "de"]}
    )
    assert (org.country, org.jurisdiction, org.jurisdictions) == ("FR", "EU", ("US-CA", "DE"))


@pytest.mark.parametrize(
    "money",
    [
        {"amount": "-1", "currency": "EUR"},
        {"amount": "10", "currency": "eur"},
        {"amount": "10", "currency": "EURO"},
    ],
)
def test_revenue_is_a_non_negative_amount_in_an_iso_4217_currency(money: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput, match="annual_revenue"):
        ORGANISATION_REGISTERED.validate({"name": "O", "annual_revenue": money})


def test_a_deployment_is_somewhere_in_a_known_sector_with_a_countable_population() -> None:
    base = {"name": "D", "deployer_id": "X", "model_id": "M", "jurisdictions": ["fr"], "sector": "health"}
    assert DeploymentRegistered.model_validate(base).jurisdictions == ("FR",)
    changes: list[tuple[dict[str, Any], str]] = [
        ({"jurisdictions": []}, "jurisdictions"),
        ({"sector": "casinos"}, "sector"),
        ({"user_population": -1}, "user_population"),
    ]
    for change, field in changes:
        with pytest.raises(InvalidInput, match=field):
            DEPLOYMENT_REGISTERED.validate({**base, **change})


def test_payloads_refuse_fields_they_do_not_define() -> None:
    with pytest.raises(InvalidInput, match="colour"):
        MODEL_REGISTERED.validate({**MODEL, "colour": "blue"})


def test_annex_iii_uses_are_the_points_of_the_annex_in_its_order() -> None:
    """Annex III of the AI Act lists uses by point: 1(a)-(c) biometrics, 2 critical infrastructure,
    3(a)-(d) education, 4(a)-(b) employment, 5(a)-(d) essential services (5(b) creditworthiness of
    natural persons, 5(c) life and health insurance), 6(a)-(e) law enforcement, 7(a)-(d) migration,
    8(a)-(b) justice and democratic processes: 25 points in all."""
    points = [use.value for use in AnnexIIIUse]
    assert len(points) == 25 and points[0] == "1(a)" and points[-1] == "8(b)"
    assert [p for p in points if p.startswith("5")] == ["5(a)", "5(b)", "5(c)", "5(d)"]
    assert AnnexIIIUse("5(b)") is AnnexIIIUse.CREDITWORTHINESS
    with pytest.raises(ValidationError):
        DeploymentRegistered.model_validate(
            {
                "name": "d",
                "deployer_id": "o",
                "model_id": "m",
                "jurisdictions": ["EU"],
                "sector": "finance",
                "annex_iii_uses": ["5(e)"],
            }
        )


@pytest.mark.parametrize(
    ("figure", "accepted"), [(2.3e25, True), (1e25, True), (2.34e25, False), (12345.0, False)]
)
def test_a_notification_gives_the_compute_to_two_significant_figures(figure: float, accepted: bool) -> None:
    """Commission guidelines C(2025) 5045, section 2.3.2: the compute "reported in FLOP and with two
    significant figures (e.g. 2.3x10^25 FLOP)"."""
    content = {
        "regards": "EU AI Act Art. 52(1)",
        "authority": "AI Office",
        "training_flop": figure,
        "estimation_method": "6ND",
    }
    if accepted:
        assert NotificationFiled.model_validate(content).training_flop == figure
    else:
        with pytest.raises(ValidationError, match="two significant figures"):
            NotificationFiled.model_validate(content)


def test_a_public_interest_model_states_its_grounds_and_only_it_does() -> None:
    base = {"name": "Commons", "provider_id": "lab"}
    with pytest.raises(ValidationError, match="states its grounds"):
        ModelRegistration.model_validate({**base, "public_interest": True})
    with pytest.raises(ValidationError, match="only with public_interest"):
        ModelRegistration.model_validate({**base, "public_interest_grounds": "Publicly funded"})
    kept = ModelRegistration.model_validate(
        {**base, "public_interest": True, "public_interest_grounds": "Publicly funded"}
    )
    assert kept.public_interest_grounds == "Publicly funded"
