"""The policy service's boundary: what it answers, and what it refuses.

Pinned from src/custos/policy/service.py and docs/architecture.md ("The walk of a passport
filing", step 6): every answer is a frozen read model of ``custos.policy.views``; a pack already
loaded with the same text answers ``loaded: false`` with a reason and no ``filed`` (unset, so
absent from the JSON the API and CLI print); a plain list of obligations leaves ``subject_name``
unset while a page sets it; what-if takes a ``WhatIf`` and refuses a fact the subject does not
have; only supervisors load, evaluate, waive and discharge. Figures come from the unit pack:
a model above 1e25 FLOP must notify within 14 days.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from custos.core.errors import Forbidden, InvalidInput
from custos.passports.model import Passport
from custos.policy.requests import WhatIf
from custos.policy.service import PolicyService
from custos.policy.views import ObligationView, RuleChange
from custos.registry.service import RegistryService
from custos.store import Store
from tests.unit.policy.unit_pack import unit_pack
from tests.unit.registry.world import Parties, log_size

PACK = unit_pack("unit-service", "A pack for the service's tests")
KEY = "unit-service/big-model/notify"


def big_model(store: Store, world: Parties) -> ObligationView:
    """The unit pack loaded and the model's passport above its threshold: its one obligation."""
    PolicyService(store).load(PACK, origin="unit-pack.yaml", by=world.supervisor)
    passport = Passport.model_validate(
        {"provenance": {"source": "manual"}, "compute": {"training_flop": 3e25}}
    )
    RegistryService(store).file_passport(world.model, passport, by=world.supervisor)
    (obligation,) = PolicyService(store).obligations(world.supervisor)
    return obligation


def test_loading_answers_what_was_filed_and_a_second_load_says_why_nothing_was(
    store: Store, world: Parties
) -> None:
    service = PolicyService(store)
    first = service.load(PACK, origin="unit-pack.yaml", by=world.supervisor)
    assert (first.pack, first.loaded, first.filed) == (
        "unit-service@1.0.0",
        True,
        {"obligation.undetermined": 1},
    )
    again = service.load(PACK, origin="unit-pack.yaml", by=world.supervisor)
    assert again.model_dump(mode="json", exclude_unset=True) == {
        "pack": "unit-service@1.0.0",
        "loaded": False,
        "reason": "this version is already loaded",
    }
    (version,) = service.packs()
    assert (version.pack, version.version, version.active) == ("unit-service", "1.0.0", True)
    assert "text" not in version.model_dump()
    with pytest.raises(ValidationError):  # read models are frozen
        version.active = False  # type: ignore[misc]


def test_only_supervisors_change_or_run_the_policy(store: Store, world: Parties) -> None:
    obligation = big_model(store, world)
    service, provider, before = PolicyService(store), world.provider_actor, log_size(store)
    with pytest.raises(Forbidden):
        service.load(PACK.replace("1.0.0", "1.1.0"), origin="unit-pack.yaml", by=provider)
    with pytest.raises(Forbidden):
        service.evaluate(by=provider)
    with pytest.raises(Forbidden):
        service.waive(obligation.id, "not needed", by=provider)
    with pytest.raises(Forbidden):
        service.discharge(obligation.id, obligation.id, by=provider)
    assert log_size(store) == before


def test_an_evaluation_answers_its_counts(store: Store, world: Parties) -> None:
    big_model(store, world)
    summary = PolicyService(store).evaluate(by=world.supervisor, subject_ids=[world.model], dry_run=True)
    assert (summary.subjects, summary.applies, summary.unknown, summary.filed) == (1, 1, 0, {})


def test_an_obligation_is_answered_with_its_due_date_and_a_page_names_its_subject(
    store: Store, world: Parties
) -> None:
    obligation = big_model(store, world)
    assert (obligation.key, obligation.status, obligation.owner_id) == (KEY, "open", world.provider)
    assert obligation.due_at == datetime(
        2026, 11, 16, 23, 0, tzinfo=UTC
    )  # 14 days on, at the day's end in Brussels
    assert "subject_name" not in obligation.model_fields_set  # a plain list does not look names up
    page = PolicyService(store).obligations_page(world.provider_actor)
    assert (page.total, page.next) == (1, None)
    assert page.items[0].subject_name == "Frontier"
    assert PolicyService(store).obligations_page(world.deployer_actor).items == []


def test_an_explanation_says_which_clause_held_and_where_the_clock_started(
    store: Store, world: Parties
) -> None:
    obligation = big_model(store, world)
    explained = PolicyService(store).explain(world.provider_actor, obligation.id)
    assert explained.obligation == obligation
    assert explained.explanation["outcome"] == "applies"
    assert explained.now is not None and explained.now["distance"][0]["fact"] == "training_flop"
    assert explained.due is not None and explained.due["start"]["from"] == "trigger"


def test_whatif_answers_the_rules_that_would_change(store: Store, world: Parties) -> None:
    big_model(store, world)
    answer = PolicyService(store).whatif(
        world.supervisor, WhatIf(subject=world.model, facts={"training_flop": 1e24})
    )
    assert answer.overrides == {"training_flop": 1e24}
    assert answer.changes == [
        RuleChange(
            pack="unit-service@1.0.0",
            rule="big-model",
            title="A model trained with more than 1e25 FLOP",
            now=True,
            would_be=False,
            obligations=["notify"],
            distance=answer.changes[0].distance,
        )
    ]
    assert [(rule.rule, rule.outcome) for rule in answer.rules] == [("big-model", False)]


def test_whatif_refuses_a_fact_the_subject_does_not_have(store: Store, world: Parties) -> None:
    big_model(store, world)
    with pytest.raises(InvalidInput, match="'sector' is not a fact of a model"):
        PolicyService(store).whatif(
            world.supervisor, WhatIf(subject=world.model, facts={"sector": "finance"})
        )


def test_a_waiver_answers_the_waived_obligation(store: Store, world: Parties) -> None:
    obligation = big_model(store, world)
    service = PolicyService(store)
    with pytest.raises(InvalidInput, match="reason"):
        service.waive(obligation.id, " ", by=world.supervisor)
    waived = service.waive(obligation.id, " by letter ", by=world.supervisor)
    assert (waived.id, waived.status) == (obligation.id, "waived")
    assert waived.closed is not None and waived.closed["reason"] == "by letter"


def test_a_discharge_answers_the_obligation_with_its_evidence(store: Store, world: Parties) -> None:
    obligation = big_model(store, world)
    due = PolicyService(store).explain(world.supervisor, obligation.id).due
    assert due is not None
    evidence = due["start"]["filing"]  # the passport that attached it
    discharged = PolicyService(store).discharge(obligation.id, evidence, by=world.supervisor)
    assert (discharged.id, discharged.status) == (obligation.id, "discharged")
    assert discharged.closed is not None and discharged.closed["evidence"] == evidence
