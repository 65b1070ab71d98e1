"""The policy engine on each backend: event-driven obligations, truth on Epoch's data, packs
versioned, waivers, discharges and overdue clocks."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

import custos.policy  # noqa: F401  (registers the re-evaluation after filings)
from custos.core import Conflict, FixedClock, InvalidInput
from custos.passports.epoch import SHIPPED, UNATTRIBUTED
from custos.passports.model import Passport
from custos.policy.pack import BUILTIN, PackError
from custos.policy.service import PolicyService
from custos.policy.views import ObligationView
from custos.registry.importers import import_shipped
from custos.registry.model import ModelRegistration, OrganisationRegistered
from custos.registry.service import RegistryService
from custos.registry.views import ModelView
from custos.store import Store, ledger_sql
from custos.store.policy_views import ObligationQuery
from tests.store.test_registry import SUPERVISOR
from tests.unit.policy.test_pack import GOOD

EU = (BUILTIN / "eu-ai-act.yaml").read_text()


def size(store: Store) -> int:
    with store.read() as conn:
        return ledger_sql.tree_size(conn)


@pytest.fixture
def model(store: Store) -> ModelView:
    registry = RegistryService(store)
    org = registry.register_organisation(
        OrganisationRegistered.model_validate(
            {"name": "Frontier Lab", "jurisdiction": "FR", "country": "FR"}
        ),
        by=SUPERVISOR,
    )
    registration = {"name": "Big", "provider_id": org.id, "domain": "Language", "release_date": "2026-01-15"}
    return registry.register_model(ModelRegistration.model_validate(registration), by=SUPERVISOR)


def obligations(store: Store, **query: str) -> dict[str, ObligationView]:
    rows = PolicyService(store).obligations(SUPERVISOR, ObligationQuery(**query), limit=1000)  # type: ignore[arg-type]
    return {row.key: row for row in rows}


def passport(flop: float | None) -> Passport:
    compute = {} if flop is None else {"training_flop": flop}
    return Passport.model_validate({"provenance": {"source": "manual"}, "compute": compute})


def test_obligations_follow_the_filings(store: Store, model: ModelView, clock: FixedClock) -> None:
    service, registry = PolicyService(store), RegistryService(store)
    service.load(EU, origin="eu-ai-act.yaml", by=SUPERVISOR)
    found = obligations(store)
    assert found["eu-ai-act/systemic-risk-presumption/notify-commission"].status == "undetermined"
    assert found["eu-ai-act/systemic-risk-presumption/notify-commission"].missing == ["training_flop"]

    filed = registry.file_passport(model.id, Passport.model_validate(passport(3e25)), by=SUPERVISOR)
    notify = obligations(store)["eu-ai-act/systemic-risk-presumption/notify-commission"]
    assert notify.status == "open"
    # Art. 52(1): two weeks (Regulation 1182/71 Art. 3(2)(c)): the end of the same weekday in Brussels
    assert notify.due_at == datetime(2026, 11, 16, 23, 0, tzinfo=UTC)
    assert filed.filing_id

    clock.advance(timedelta(days=15))
    assert obligations(store)["eu-ai-act/systemic-risk-presumption/notify-commission"].status == "overdue"
    assert "eu-ai-act/systemic-risk-presumption/notify-commission" in obligations(store, status="overdue")

    registry.file_passport(model.id, Passport.model_validate(passport(5e24)), by=SUPERVISOR)
    after = obligations(store)
    assert after["eu-ai-act/systemic-risk-presumption/notify-commission"].status == "lapsed"
    # Still a general-purpose model (above 10^23 FLOP, generating language): its copyright policy
    # stays owed, and a passport is not the Annex XI documentation, so it discharges nothing.
    assert after["eu-ai-act/general-purpose-model/copyright-policy"].status == "overdue"
    assert after["eu-ai-act/general-purpose-model-not-open-source/technical-documentation"].status in (
        "open",
        "overdue",
        "undetermined",
    )
    store.verify()


def test_a_waiver_needs_a_reason_and_is_filed(store: Store, model: ModelView) -> None:
    service = PolicyService(store)
    service.load(EU, origin="eu-ai-act.yaml", by=SUPERVISOR)
    RegistryService(store).file_passport(model.id, Passport.model_validate(passport(3e25)), by=SUPERVISOR)
    target = obligations(store)["eu-ai-act/systemic-risk-presumption/cybersecurity"]
    with pytest.raises(InvalidInput, match="reason"):
        service.waive(target.id, "  ", by=SUPERVISOR)
    waived = service.waive(target.id, "covered by the sectoral regime", by=SUPERVISOR)
    assert waived.status == "waived" and waived.closed is not None
    assert (waived.closed["key"], waived.closed["reason"]) == (target.key, "covered by the sectoral regime")
    with pytest.raises(Conflict):
        service.waive(target.id, "again", by=SUPERVISOR)


def test_a_new_pack_version_files_the_difference_and_a_bad_one_changes_nothing(
    store: Store, model: ModelView
) -> None:
    service = PolicyService(store)
    RegistryService(store).file_passport(model.id, Passport.model_validate(passport(2e25)), by=SUPERVISOR)
    service.load(GOOD, origin="v1", by=SUPERVISOR)
    assert obligations(store)["test-pack/big-model/notify"].status == "open"
    before = size(store)
    with pytest.raises(PackError):
        service.load(
            GOOD.replace("1.0.0", "1.1.0").replace("training_flop >", "training_flop >>"),
            origin="v2",
            by=SUPERVISOR,
        )
    assert size(store) == before
    assert [p.version for p in service.packs() if p.active] == ["1.0.0"]

    raised = GOOD.replace("1.0.0", "2.0.0").replace("threshold: 1e25", "threshold: 1e26")
    report = service.load(raised, origin="v2", by=SUPERVISOR)
    assert report.filed == {"obligation.lapsed": 1}
    assert obligations(store)["test-pack/big-model/notify"].status == "lapsed"
    with pytest.raises(Conflict, match="new version"):
        service.load(raised.replace("Notify", "Tell"), origin="v2b", by=SUPERVISOR)
    assert service.evaluate(by=SUPERVISOR, dry_run=True).filed == {}


def test_on_epochs_table_the_presumption_attaches_to_exactly_the_models_above_1e25(store: Store) -> None:
    """Truth from the CSV itself: the models whose training compute is greater than 10^25 FLOP (all
    of them language models, released before 2 August 2025, so they notify under Art. 111(3))."""
    rows = list(csv.DictReader(io.StringIO(SHIPPED.read_text(encoding="utf-8"), newline="")))
    expected = {
        (r["Model"].strip(), r["Organization"].split(",")[0].strip() or UNATTRIBUTED)
        for r in rows
        if r["Training compute (FLOP)"].strip() and float(r["Training compute (FLOP)"]) > 1e25
    }
    registry = RegistryService(store)
    report = import_shipped(registry, "epoch", by=SUPERVISOR)
    PolicyService(store).load(EU, origin="eu-ai-act.yaml", by=SUPERVISOR)
    attached = PolicyService(store).obligations(SUPERVISOR, ObligationQuery(pack="eu-ai-act"), limit=100_000)
    notify = [
        o for o in attached if o.key.endswith("/legacy-notify-commission") and o.status in ("open", "overdue")
    ]
    names = {m["model_id"]: m["name"] for m in report.models}
    found = set()
    for obligation in notify:
        shown = registry.model(SUPERVISOR, obligation.subject_id)
        assert shown.provider_id is not None
        provider = registry.organisation(SUPERVISOR, shown.provider_id).name
        found.add((names[obligation.subject_id], provider))
    assert found == expected
    assert len(found) == 24
