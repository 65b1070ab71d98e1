"""Provenance audits end to end through the service: a real manifest committed on the
provider's side, a sample drawn from a signed checkpoint, the reveal checked proof by proof,
findings with their bounds, the duties they discharge, and who reads what. Every refusal stores
nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from custos.access.model import PUBLIC, Principal, Role
from custos.assurance.model import AuditEngaged
from custos.assurance.service import AssuranceService
from custos.core.clock import FixedClock
from custos.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from custos.ledger import Checkpoint, Note
from custos.policy.pack import BUILTIN
from custos.policy.service import PolicyService
from custos.provenance.commitment import commit_manifest, new_key, reveal
from custos.provenance.findings import clopper_pearson_upper
from custos.provenance.model import (
    BudgetSet,
    ComputeSold,
    DatasetCommitted,
    PublishRequest,
    ReconcileRequest,
    RecordsRevealed,
    RunDeclared,
    SampleRequest,
)
from custos.provenance.plausibility import plausibility
from custos.provenance.privacy import Mechanism
from custos.provenance.records import RevealedRecord
from custos.provenance.sampling import sample_indices
from custos.provenance.service import ProvenanceService
from custos.provenance.views import CommitmentView, SampleView
from custos.registry.model import OrganisationRegistered, Passport
from custos.registry.service import RegistryService
from custos.store import Store, ledger_sql
from custos.store import policy_views as pv
from tests.unit.assurance.audits import accredit, signer
from tests.unit.provenance.manifests import shares, write_manifest
from tests.unit.registry.world import Parties, acting, installed, log_size, store, world  # noqa: F401

BASELINE = (BUILTIN / "custos-baseline.yaml").read_text(encoding="utf-8")
DUTY = "custos-baseline/systemic-risk-model/{}"
#: Lines of the manifest whose rightholders reserved their rights: a sample may catch them.
OPT_OUTS = frozenset(range(0, 400, 20))


@dataclass
class Provenance:
    store: Store
    parties: Parties
    service: ProvenanceService
    manifest: Path
    key: bytes
    commitment: CommitmentView

    def sample(self, size: int = 60, **changes: object) -> SampleView:
        request = SampleRequest.model_validate(
            {"commitment_id": self.commitment.id, "sample_size": size} | changes
        )
        return self.service.request_sample(request, by=self.parties.supervisor)

    def answer(self, sample: SampleView) -> RecordsRevealed:
        """The provider's reveal, a day after the request (so it files after the duties it answers)."""
        clock = self.store.clock
        assert isinstance(clock, FixedClock)
        clock.advance(timedelta(days=1))
        records = reveal(self.manifest, self.key, list(sample.reveal))
        return RecordsRevealed(sample_id=sample.id, records=tuple(records))


def duty(kept: Provenance, name: str) -> str:
    with kept.store.read() as conn:
        state = pv.obligation_state(conn, DUTY.format(name), kept.parties.model)
    assert state is not None
    return str(state[0])


def audit_due_in_days(kept: Provenance) -> int:
    """Days until the audit duty's open period is due: about a year once an audit discharged the
    first (the duty recurs yearly), about 180 days after the passport until then."""
    with kept.store.read() as conn:
        state = pv.obligation_state(conn, DUTY.format("training-data-audit"), kept.parties.model)
    assert state is not None and state[0] == "open" and state[1] is not None
    return (state[1].date() - kept.store.clock.now().date()).days


def file_passport(into: Store, parties: Parties) -> None:
    RegistryService(into).file_passport(
        parties.model,
        Passport.model_validate(
            {
                "provenance": {"source": "manual"},
                "datasets": [{"name": "WebCorpus"}],
                "compute": {"training_flop": 3e25},
            }
        ),
        by=parties.provider_actor,
    )


@pytest.fixture
def kept(installed: tuple[Store, Parties], tmp_path: Path) -> Iterator[Provenance]:  # noqa: F811
    store_, parties = installed
    PolicyService(store_).load(BASELINE, origin="custos-baseline.yaml", by=parties.supervisor)
    file_passport(store_, parties)
    manifest = tmp_path / "manifest.jsonl"
    records = write_manifest(manifest, 400, opt_outs=OPT_OUTS)
    key = new_key()
    built = commit_manifest(manifest, key, workers=1)
    service = ProvenanceService(store_)
    commitment = service.commit(
        DatasetCommitted(
            model_id=parties.model,
            dataset="WebCorpus",
            root=built.root.hex(),
            record_count=built.count,
            composition=shares(records),
        ),
        by=parties.provider_actor,
    )
    yield Provenance(store_, parties, service, manifest, key, commitment)


def engaged_auditor(kept: Provenance, name: str = "Audit BV") -> tuple[Principal, str]:
    """An auditor accredited for the data provenance scope and engaged by the provider."""
    registry = RegistryService(kept.store)
    auditor = registry.register_organisation(
        OrganisationRegistered.model_validate({"name": name, "jurisdiction": "NL", "country": "NL"}),
        by=kept.parties.supervisor,
    ).id
    assurance = AssuranceService(kept.store)
    accredit(assurance, kept.parties.supervisor, auditor, signer(), scopes=["custos-data-provenance"])
    engagement = assurance.engage(
        AuditEngaged(subject_id=kept.parties.model, scope="custos-data-provenance", auditor_id=auditor),
        by=kept.parties.provider_actor,
    )
    return acting(Role.AUDITOR, auditor, "NL"), engagement.id


# --- commitments ------------------------------------------------------------------------------


def test_a_commitment_discharges_its_duty_until_the_next_passport_version(kept: Provenance) -> None:
    assert duty(kept, "training-data-commitment") == "discharged"
    file_passport(kept.store, kept.parties)
    assert duty(kept, "training-data-commitment") == "open"


def test_a_commitment_is_refused_for_a_dataset_the_passport_does_not_name_or_by_another_firm(
    kept: Provenance,
) -> None:
    before = log_size(kept.store)
    payload = kept.commitment.model_dump(include={"model_id", "root", "record_count"}) | {"dataset": "Other"}
    with pytest.raises(InvalidInput, match="names no dataset 'Other'"):
        kept.service.commit(DatasetCommitted.model_validate(payload), by=kept.parties.provider_actor)
    with pytest.raises(Forbidden):
        kept.service.commit(
            DatasetCommitted.model_validate(payload | {"dataset": "WebCorpus"}), by=kept.parties.rival_actor
        )
    assert log_size(kept.store) == before


def test_the_public_sees_the_root_and_count_but_not_the_declared_composition(kept: Provenance) -> None:
    public = kept.service.commitment(kept.commitment.id, by=PUBLIC)
    assert (public.root, public.record_count) == (kept.commitment.root, 400)
    assert public.composition is None
    assert kept.service.commitment(kept.commitment.id, by=kept.parties.rival_actor).composition is None
    assert kept.commitment.composition is not None
    assert kept.commitment.composition["licence"]["CC-BY-4.0"] == pytest.approx(0.5)


# --- samples ----------------------------------------------------------------------------------


def test_the_indices_are_drawn_from_a_checkpoint_that_holds_the_commitment(kept: Provenance) -> None:
    sample = kept.sample(60)
    with kept.store.read() as conn:
        note = ledger_sql.checkpoint_of_size(conn, sample.checkpoint_size)
        found = kept.store.filing(conn, kept.commitment.id)
    assert note is not None and found is not None
    checkpoint = Checkpoint.parse_body(Note.parse(note).text)
    assert checkpoint.size > found[1]
    assert checkpoint.root.hex() == sample.checkpoint_root
    assert list(sample.indices) == sample_indices(
        kept.commitment.id, checkpoint.size, checkpoint.root, 60, 400
    )
    assert sample.status == "awaiting reveal"
    assert sample.due_on == kept.store.clock.now().date() + timedelta(days=30)


def test_a_checkpoint_signed_before_the_commitment_or_never_signed_is_refused(kept: Provenance) -> None:
    before = log_size(kept.store)
    with kept.store.read() as conn:
        found = kept.store.filing(conn, kept.commitment.id)
    assert found is not None
    with pytest.raises(InvalidInput, match="signed before the commitment"):
        kept.sample(checkpoint_size=found[1])
    with pytest.raises(InvalidInput, match="no checkpoint of size"):
        kept.sample(checkpoint_size=found[1] + 10_000)
    assert log_size(kept.store) == before


def test_an_auditor_samples_only_under_its_engagement_in_the_provenance_scope(kept: Provenance) -> None:
    auditor, engagement = engaged_auditor(kept)
    other, _ = engaged_auditor(kept, "Other Audit BV")
    request = {"commitment_id": kept.commitment.id, "sample_size": 10}
    with pytest.raises(Forbidden, match="under its engagement"):
        kept.service.request_sample(SampleRequest.model_validate(request), by=auditor)
    with pytest.raises(Forbidden, match="another auditor"):
        kept.service.request_sample(
            SampleRequest.model_validate(request | {"engagement_id": engagement}), by=other
        )
    with pytest.raises(Forbidden):
        kept.service.request_sample(SampleRequest.model_validate(request), by=kept.parties.provider_actor)
    sample = kept.service.request_sample(
        SampleRequest.model_validate(request | {"engagement_id": engagement}), by=auditor
    )
    assert sample.auditor_id == auditor.organisation_id


# --- reveals and findings ---------------------------------------------------------------------


def test_a_verified_reveal_files_findings_with_the_exact_bound_and_discharges_nothing_when_it_fails(
    kept: Provenance,
) -> None:
    sample = kept.sample(60)
    audit = kept.service.reveal(kept.answer(sample), by=kept.parties.provider_actor)
    caught = sum(1 for index in sample.indices if index in OPT_OUTS)
    opt_out = next(f for f in audit.findings if f.rule == "opt-out-honoured")
    assert (opt_out.violations, opt_out.sampled) == (caught, 60)
    assert opt_out.upper_bound == pytest.approx(clopper_pearson_upper(caught, 60))
    assert audit.outcome == ("fail" if caught or audit.composition_plausible is False else "pass")
    assert audit.valid_until == kept.store.clock.now().date() + timedelta(days=365)
    assert kept.service.sample(sample.id, by=PUBLIC).status == (
        "failed" if audit.outcome == "fail" else "passed"
    )
    assert (audit_due_in_days(kept) < 300) == (audit.outcome == "fail")


def test_a_clean_sample_passes_and_discharges_the_audit_duty(kept: Provenance) -> None:
    # The same manifest committed without a declared composition, so the outcome rests on the
    # rules alone (a random sample fails a fair composition test 1% of the time).
    bare = kept.service.commit(
        DatasetCommitted(
            model_id=kept.parties.model, dataset="WebCorpus", root=kept.commitment.root, record_count=400
        ),
        by=kept.parties.provider_actor,
    )
    sample = kept.service.request_sample(
        SampleRequest.model_validate(
            {
                "commitment_id": bare.id,
                "sample_size": 60,
                "rules": {"opt_out_honoured": False, "no_pii": True},
            }
        ),
        by=kept.parties.supervisor,
    )
    audit = kept.service.reveal(kept.answer(sample), by=kept.parties.provider_actor)
    assert [f.rule for f in audit.findings] == ["no-pii"]
    assert audit.findings[0].violations == 0
    assert audit.findings[0].upper_bound == pytest.approx(1 - 0.05 ** (1 / 60))
    assert audit.composition_plausible is None and audit.outcome == "pass"
    assert audit_due_in_days(kept) > 360


def test_a_tampered_record_a_foreign_draw_or_a_missing_record_is_refused_and_nothing_stored(
    kept: Provenance,
) -> None:
    sample = kept.sample(20)
    honest = kept.answer(sample)
    before = log_size(kept.store)
    first = honest.records[0]
    forged = first.model_copy(
        update={"record": first.record.model_copy(update={"opt_out": not first.record.opt_out})}
    )
    with pytest.raises(InvalidInput, match=f"{first.index}"):
        kept.service.reveal(
            RecordsRevealed(sample_id=sample.id, records=(forged, *honest.records[1:])),
            by=kept.parties.provider_actor,
        )
    outside = next(i for i in range(400) if i not in sample.indices)
    foreign = reveal(kept.manifest, kept.key, [outside])[0]
    with pytest.raises(InvalidInput, match="not drawn for this sample"):
        kept.service.reveal(
            RecordsRevealed(sample_id=sample.id, records=(foreign, *honest.records[1:])),
            by=kept.parties.provider_actor,
        )
    with pytest.raises(InvalidInput, match="missing"):
        kept.service.reveal(
            RecordsRevealed(sample_id=sample.id, records=honest.records[1:]), by=kept.parties.provider_actor
        )
    with pytest.raises(Forbidden):
        kept.service.reveal(honest, by=kept.parties.rival_actor)
    assert log_size(kept.store) == before
    kept.service.reveal(honest, by=kept.parties.provider_actor)
    with pytest.raises(Conflict):
        kept.service.reveal(honest, by=kept.parties.provider_actor)


@pytest.mark.parametrize("claimed", [399, 401])
def test_a_commitment_whose_count_disagrees_with_its_tree_cannot_be_answered(
    kept: Provenance, claimed: int
) -> None:
    wrong = kept.service.commit(
        DatasetCommitted(
            model_id=kept.parties.model, dataset="WebCorpus", root=kept.commitment.root, record_count=claimed
        ),
        by=kept.parties.provider_actor,
    )
    sample = kept.service.request_sample(
        SampleRequest(commitment_id=wrong.id, sample_size=20), by=kept.parties.supervisor
    )
    assert sample.reveal[-1] == claimed - 1  # the last record proves the count
    records = tuple(reveal(kept.manifest, kept.key, [i for i in sample.reveal if i < 400]))
    before = log_size(kept.store)
    # 401: the manifest has no record 400; 399: record 398's proof in a tree of 400 fails in one of 399.
    with pytest.raises(InvalidInput, match="proves the record count" if claimed > 400 else "does not verify"):
        kept.service.reveal(
            RecordsRevealed(sample_id=sample.id, records=records), by=kept.parties.provider_actor
        )
    assert log_size(kept.store) == before


def test_revealed_records_reach_the_provider_the_samples_auditor_and_supervisors_only(
    kept: Provenance,
) -> None:
    auditor, engagement = engaged_auditor(kept)
    other, _ = engaged_auditor(kept, "Other Audit BV")
    sample = kept.service.request_sample(
        SampleRequest(commitment_id=kept.commitment.id, engagement_id=engagement, sample_size=10), by=auditor
    )
    with pytest.raises(NotFound, match="not answered"):
        kept.service.records(sample.id, by=auditor)
    kept.service.reveal(kept.answer(sample), by=kept.parties.provider_actor)
    for reader in (auditor, kept.parties.provider_actor, kept.parties.supervisor):
        shown = kept.service.records(sample.id, by=reader)
        assert [r.index for r in shown.records] == list(sample.reveal)
        assert all(isinstance(r, RevealedRecord) for r in shown.records)
    for stranger in (other, kept.parties.rival_actor, kept.parties.deployer_actor, PUBLIC):
        with pytest.raises(Forbidden):
            kept.service.records(sample.id, by=stranger)
    audited = kept.service.sample(sample.id, by=PUBLIC).audit
    assert audited is not None and audited.composition is None
    mine = kept.service.sample(sample.id, by=auditor).audit
    assert mine is not None and mine.composition


# --- training runs and reconciliation -----------------------------------------------------


def run(kept: Provenance, **changes: object) -> RunDeclared:
    terms = {
        "model_id": kept.parties.model,
        "chips": [{"chip": "NVIDIA H100 SXM5 80GB", "quantity": 10_000, "chip_hours": 10_000 * 24 * 90}],
        "started_on": "2025-01-01",
        "ended_on": "2025-03-31",
        "precision": "bf16",
        "utilisation": 0.4,
        "cloud_vendor": "Bank AG Cloud",
        "cloud_vendor_id": kept.parties.deployer,
    } | changes
    return RunDeclared.model_validate(terms)


def test_a_run_declaration_is_checked_discharges_its_duty_and_its_figures_stay_with_its_provider(
    kept: Provenance,
) -> None:
    declared = kept.service.declare_run(run(kept), by=kept.parties.provider_actor)
    assert declared.plausibility is not None
    assert declared.plausibility.lower <= declared.plausibility.implied_flop <= declared.plausibility.upper
    assert declared.plausibility.declared_flop == 3e25
    assert duty(kept, "training-run-declaration") == "discharged"
    shown = kept.service.runs(by=kept.parties.rival_actor, model_id=kept.parties.model)
    assert [(r.id, r.chips, r.plausibility) for r in shown] == [(declared.id, None, None)]
    before = log_size(kept.store)
    with pytest.raises(InvalidInput, match="unknown chip"):
        kept.service.declare_run(
            run(kept, chips=[{"chip": "H100 SXM9", "quantity": 1, "chip_hours": 1}]),
            by=kept.parties.provider_actor,
        )
    assert log_size(kept.store) == before


def test_reconciliation_flags_a_gap_beyond_the_tolerance_and_tells_each_party_only_its_status(
    kept: Provenance,
) -> None:
    vendor = kept.parties.deployer_actor  # Bank AG sells compute too
    kept.service.declare_run(run(kept), by=kept.parties.provider_actor)
    hours = 10_000 * 24 * 90
    kept.service.sell(
        ComputeSold(
            customer_id=kept.parties.provider,
            period_start=date(2025, 1, 1),
            period_end=date(2025, 3, 31),
            chip_hours=hours * 0.95,
        ),
        by=vendor,
    )
    request = ReconcileRequest(
        customer_id=kept.parties.provider,
        vendor_id=kept.parties.deployer,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 3, 31),
    )
    done = kept.service.reconcile(request, by=kept.parties.supervisor)
    assert (done.status, done.relative_gap) == ("consistent", pytest.approx(0.05))
    strict = kept.service.reconcile(
        request.model_copy(update={"tolerance": 0.01}), by=kept.parties.supervisor
    )
    assert strict.status == "declared exceeds sold"
    for party in (kept.parties.provider_actor, vendor):
        seen = kept.service.reconciliations(by=party)
        assert {r.status for r in seen} == {"consistent", "declared exceeds sold"}
        assert all(
            r.relative_gap is None and r.sold_chip_hours is None and r.declared_chip_hours is None
            for r in seen
        )
    assert kept.service.reconciliations(by=kept.parties.rival_actor) == []
    assert [s.chip_hours for s in kept.service.statements(by=vendor)] == [None]
    with pytest.raises(Forbidden):
        kept.service.reconcile(request, by=vendor)


def test_a_period_without_a_statement_is_said_so(kept: Provenance) -> None:
    kept.service.declare_run(run(kept), by=kept.parties.provider_actor)
    done = kept.service.reconcile(
        ReconcileRequest(
            customer_id=kept.parties.provider,
            vendor_id=kept.parties.deployer,
            period_start=date(2025, 1, 1),
            period_end=date(2025, 12, 31),
        ),
        by=kept.parties.supervisor,
    )
    assert done.status == "no statement"


# --- private aggregates -------------------------------------------------------------------


def test_releases_spend_the_budget_and_one_beyond_it_is_refused(kept: Provenance) -> None:
    supervisor = kept.parties.supervisor
    request = PublishRequest(statistic="dataset-licences", epsilon=0.6)
    with pytest.raises(InvalidInput, match="no privacy budget"):
        kept.service.publish(request, by=supervisor)
    kept.service.set_budget(BudgetSet(epsilon=1.0), by=supervisor)
    published = kept.service.publish(request, by=supervisor)
    assert published.epsilon_remaining == pytest.approx(0.4)
    assert published.mechanism is Mechanism.LAPLACE and published.scale == pytest.approx(1 / 0.6)
    assert {cell.cell for cell in published.cells} >= {"permissive", "unknown"}
    before = log_size(kept.store)
    with pytest.raises(InvalidInput, match=r"epsilon 0\.4 and delta 0 left"):
        kept.service.publish(request, by=supervisor)
    with pytest.raises(InvalidInput, match="cannot be set below"):
        kept.service.set_budget(BudgetSet(epsilon=0.5), by=supervisor)
    with pytest.raises(Forbidden):
        kept.service.publish(request, by=kept.parties.provider_actor)
    assert log_size(kept.store) == before
    budget = kept.service.budget()
    assert (budget.epsilon, budget.epsilon_spent, budget.releases) == (1.0, pytest.approx(0.6), 1)
    assert [r.id for r in kept.service.releases()] == [published.id]


def test_a_compute_release_covers_the_public_countries_of_the_years_asked(kept: Provenance) -> None:
    supervisor = kept.parties.supervisor
    kept.service.set_budget(BudgetSet(epsilon=2.0), by=supervisor)
    published = kept.service.publish(
        PublishRequest(statistic="training-compute", epsilon=1.0, years=(2024, 2025)), by=supervisor
    )
    assert published.unit == "FLOP"
    assert {cell.cell for cell in published.cells} == {
        f"{c}/{y}" for c in ("DE", "FR", "IT") for y in (2024, 2025)
    }


def test_a_sample_of_the_whole_manifest_and_a_second_identical_commitment_are_refused(
    kept: Provenance,
) -> None:
    before = log_size(kept.store)
    with pytest.raises(InvalidInput, match="whole manifest"):
        kept.sample(400)
    again = DatasetCommitted.model_validate(
        {
            **kept.commitment.model_dump(include={"model_id", "dataset", "root", "record_count"}),
            "composition": kept.commitment.composition,
        }
    )
    with pytest.raises(Conflict, match=kept.commitment.id):
        kept.service.commit(again, by=kept.parties.provider_actor)
    assert log_size(kept.store) == before


def test_a_vendor_named_as_the_registry_names_it_is_the_one_reconciled(kept: Provenance) -> None:
    declared = kept.service.declare_run(
        run(kept, cloud_vendor="Bank AG", cloud_vendor_id=None), by=kept.parties.provider_actor
    )
    assert declared.cloud_vendor_id == kept.parties.deployer
    kept.service.sell(
        ComputeSold(
            customer_id=kept.parties.provider,
            period_start=date(2025, 1, 1),
            period_end=date(2025, 3, 31),
            chip_hours=10_000 * 24 * 90,
        ),
        by=kept.parties.supervisor,
        vendor=kept.parties.deployer,
    )
    with pytest.raises(Forbidden, match="only a supervisor"):
        kept.service.sell(
            ComputeSold(
                customer_id=kept.parties.provider,
                period_start=date(2025, 1, 1),
                period_end=date(2025, 1, 2),
                chip_hours=1,
            ),
            by=kept.parties.rival_actor,
            vendor=kept.parties.deployer,
        )
    done = kept.service.reconcile(
        ReconcileRequest(
            customer_id=kept.parties.provider,
            vendor_id=kept.parties.deployer,
            period_start=date(2025, 1, 1),
            period_end=date(2025, 3, 31),
        ),
        by=kept.parties.supervisor,
    )
    assert (done.status, done.relative_gap) == ("consistent", 0.0)


def test_a_model_trained_in_several_runs_is_checked_against_all_of_them(kept: Provenance) -> None:
    # 3 × 10^25 FLOP is plausible for the 90-day run alone; two runs of half its hours each
    # are plausible together, though each alone falls short.
    half = [{"chip": "NVIDIA H100 SXM5 80GB", "quantity": 10_000, "chip_hours": 10_000 * 24 * 45}]
    kept.service.declare_run(run(kept, chips=half, ended_on="2025-02-14"), by=kept.parties.provider_actor)
    kept.service.declare_run(
        run(kept, chips=half, started_on="2025-02-15", ended_on="2025-03-31"), by=kept.parties.provider_actor
    )
    for shown in kept.service.runs(by=kept.parties.supervisor, model_id=kept.parties.model):
        assert shown.plausibility is not None and shown.plausibility.plausible is True
        assert "for the model's 2 declared runs together" in shown.plausibility.reasons[-1]
    assert plausibility(run(kept, chips=half, ended_on="2025-02-14"), 3e25).plausible is False


def test_delta_is_asked_of_the_gaussian_mechanism_only() -> None:
    with pytest.raises(ValidationError, match="spends no delta"):
        PublishRequest(statistic="training-compute", epsilon=1.0, delta=1e-6)
    with pytest.raises(ValidationError, match="needs a delta above 0"):
        PublishRequest(statistic="training-compute", mechanism=Mechanism.GAUSSIAN, epsilon=1.0)
    assert PublishRequest(statistic="training-compute", mechanism=Mechanism.GAUSSIAN, epsilon=1.0, delta=1e-6)


def test_a_statement_names_its_chip_as_epochs_table_does(kept: Provenance) -> None:
    terms = {
        "customer_id": kept.parties.provider,
        "period_start": date(2025, 1, 1),
        "period_end": date(2025, 3, 31),
    }
    sold = kept.service.sell(
        ComputeSold.model_validate(terms | {"chip_hours": 10.0, "chip": "nvidia h100 sxm5 80gb"}),
        by=kept.parties.deployer_actor,
    )
    assert kept.service.statements(by=kept.parties.supervisor)[0].chip == "NVIDIA H100 SXM5 80GB"
    assert sold.chip is None  # the vendor reads back no figure of its statement
    with pytest.raises(InvalidInput, match="unknown chip 'H100'"):
        kept.service.sell(
            ComputeSold.model_validate(terms | {"chip_hours": 10.0, "chip": "H100"}),
            by=kept.parties.deployer_actor,
        )
