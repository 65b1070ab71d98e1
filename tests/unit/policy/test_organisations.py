"""Duties of an organisation, owed once: California's large frontier developer (Bus. & Prof. Code
§ 22757.11(j): a frontier developer whose revenue with its affiliates was in excess of USD 500
million in the preceding calendar year) writes one frontier AI framework (§ 22757.12(a)) and
sends quarterly internal-use summaries (§ 22757.12(d)), however many frontier models it has."""

from __future__ import annotations

import json
from datetime import date

import pytest
from pydantic import ValidationError

from custos.access.service import operator
from custos.passports.model import Passport
from custos.policy.pack import BUILTIN
from custos.policy.service import PolicyService
from custos.registry.documentation import FrameworkPublished
from custos.registry.model import ModelRegistration, OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import Store
from custos.store import policy_views as pv

FRAMEWORK = "california-sb53/large-frontier-developer/frontier-ai-framework"


def developer(store: Store, revenue: str, flops: list[float]) -> str:
    """A developer with that revenue (USD) and a model with a passport for each compute figure."""
    registry, by = RegistryService(store), operator(store)
    organisation = registry.register_organisation(
        OrganisationRegistered.model_validate(
            {
                "name": "Frontier Lab",
                "jurisdiction": "US-CA",
                "country": "US",
                "annual_revenue": {"amount": revenue, "currency": "USD"},
            }
        ),
        by=by,
    )
    for index, flop in enumerate(flops):
        model = registry.register_model(
            ModelRegistration(name=f"Model {index}", provider_id=organisation.id), by=by
        )
        registry.file_passport(
            model.id,
            Passport.model_validate({"provenance": {"source": "manual"}, "compute": {"training_flop": flop}}),
            by=by,
        )
    return organisation.id


def keys(store: Store) -> dict[str, list[str]]:
    """Each open obligation's key, with the subjects it is open for."""
    with store.read() as conn:
        rows = pv.open_obligations(conn, None)
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row["key"], []).append(row["subject_id"])
    return found


def load_california(store: Store) -> None:
    text = (BUILTIN / "california-sb53.yaml").read_text(encoding="utf-8")
    PolicyService(store).load(text, origin="california-sb53.yaml", by=operator(store))


def test_a_large_frontier_developer_owes_one_framework_for_all_its_frontier_models(store: Store) -> None:
    organisation = developer(store, "600000000", [2e26, 3e26])
    load_california(store)
    found = keys(store)
    assert found[FRAMEWORK] == [organisation]
    assert found["california-sb53/large-frontier-developer/internal-use-summaries"] == [organisation]
    with store.read() as conn:
        (row,) = [r for r in pv.open_obligations(conn, [organisation]) if r["key"] == FRAMEWORK]
    assert (row["subject_kind"], row["owner_id"]) == ("organisation", organisation)
    assert json.loads(row["record"])["recurring"] == "yearly"


def test_revenue_of_exactly_500_million_is_not_in_excess(store: Store) -> None:
    developer(store, "500000000", [2e26])
    load_california(store)
    assert FRAMEWORK not in keys(store)


def test_a_later_frontier_passport_makes_the_developer_large(store: Store) -> None:
    """The provider is re-evaluated when a passport of its model is filed."""
    organisation = developer(store, "600000000", [5e25])
    load_california(store)
    assert FRAMEWORK not in keys(store)
    registry, by = RegistryService(store), operator(store)
    model = registry.register_model(ModelRegistration(name="Giant", provider_id=organisation), by=by)
    registry.file_passport(
        model.id,
        Passport.model_validate({"provenance": {"source": "manual"}, "compute": {"training_flop": 1.2e26}}),
        by=by,
    )
    assert keys(store)[FRAMEWORK] == [organisation]


SHA = "a" * 64
MODIFICATION = "california-sb53/large-frontier-developer/framework-modification"


def test_publishing_the_framework_answers_the_yearly_duty_and_a_modification_starts_30_days(
    store: Store,
) -> None:
    """§ 22757.12(b)(2): a material modification is published, with a justification, "within 30
    days": made on Monday 2 November 2026, the 30 days end on Wednesday 2 December, at 24:00 in Los
    Angeles (Code of Civil Procedure § 12), 2026-12-03 08:00 UTC."""
    organisation = developer(store, "600000000", [2e26])
    load_california(store)
    registry, by = RegistryService(store), operator(store)
    registry.publish_framework(
        organisation, FrameworkPublished(url="https://lab.example/framework", document_sha256=SHA), by=by
    )
    with store.read() as conn:
        rows = {row["key"]: row for row in pv.obligations_of(conn, [organisation]).values()}
    assert json.loads(rows[FRAMEWORK]["closed"])["next_due_at"] is not None  # discharged: the next year opens
    modified = FrameworkPublished(
        url="https://lab.example/framework-v2",
        document_sha256=SHA,
        material_modification=True,
        modified_on=date(2026, 11, 2),
        justification="new capability thresholds",
    )
    published = registry.publish_framework(organisation, modified, by=by)
    with store.read() as conn:
        rows = {row["key"]: row for row in pv.obligations_of(conn, [organisation]).values()}
    occurrence = rows[f"{MODIFICATION}#{published.filing_id}"]
    assert occurrence["status"] == "discharged"
    assert json.loads(occurrence["record"])["due_at"] == "2026-12-03T08:00:00+00:00"
    with pytest.raises(ValidationError, match="justification"):
        FrameworkPublished(
            url="u", document_sha256=SHA, material_modification=True, modified_on=date(2026, 11, 2)
        )
