"""Commitments, sampling audits, training runs, reconciliation and private aggregates: who may do
what, and what is filed.

A provider commits to a dataset of its own model. A sample is asked for by the auditor the
provider engaged for the model in the data provenance scope, or by a supervisor; its indices are
drawn from a signed checkpoint that holds the commitment, so nobody chose them. The provider's
reveal is refused unless it answers exactly those indices and every proof holds; then the reveal
and Custos's findings are filed together. The records revealed are read by the provider, the
sample's auditor and supervisors. A developer's training-run figures are read by itself and
supervisors, a vendor's statement by supervisors; a reconciliation tells each party only
whether the figures agree. Releases are published by supervisors within the privacy budget.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from custos.access.filer import file_as
from custos.access.model import Principal, Role, system
from custos.core.clock import stored_utc
from custos.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from custos.filings import Filing, sent
from custos.ledger import Checkpoint, Note
from custos.provenance.commitment import verify_revealed
from custos.provenance.findings import SampleRules, composition_checks, rule_findings
from custos.provenance.model import (
    AGGREGATE_PUBLISHED,
    BUDGET_SET,
    COMPUTE_SOLD,
    DATASET_COMMITTED,
    RECONCILED,
    RECORDS_REVEALED,
    RUN_DECLARED,
    SAMPLE_AUDITED,
    SAMPLE_REQUESTED,
    SCHEME,
    BudgetSet,
    ComputeSold,
    DatasetCommitted,
    PublishRequest,
    ReconcileRequest,
    RecordsRevealed,
    RunDeclared,
    SampleRequest,
)
from custos.provenance.plausibility import across_runs, check_run, epoch_name, plausibility
from custos.provenance.privacy import LICENCE_FAMILIES, licence_family, release
from custos.provenance.records import RevealedRecord
from custos.provenance.sampling import sample_indices
from custos.provenance.views import (
    AuditView,
    BudgetView,
    CommitmentView,
    ModelProvenanceView,
    PlausibilityView,
    ReconciliationView,
    ReleaseView,
    RevealView,
    RunView,
    SampleView,
    StatementView,
)
from custos.store import Connection, Store, ledger_sql
from custos.store import assurance_views as av
from custos.store import provenance_views as pv
from custos.store import registry_views as rv

#: The audit scope in which an auditor samples a committed manifest.
PROVENANCE_SCOPE = "custos-data-provenance"
#: How long an audit's findings stand as evidence.
AUDIT_VALID_FOR = timedelta(days=365)
#: The filer of findings: Custos itself, once the proofs hold.
AUDITOR = system("provenance-audit", "provenance sampling audits")
#: Defaults of each statistic: the bound on one provider's contribution, and the unit.
STATISTICS: Mapping[str, tuple[float, str]] = {
    "training-compute": (1e26, "FLOP"),
    "dataset-licences": (1.0, "datasets"),
}
#: Years a compute release covers when none are asked for.
DEFAULT_YEARS = 5


class ProvenanceService:
    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def _today(self) -> date:
        return self.store.clock.now().date()

    # -- commitments ------------------------------------------------------------------------

    def commit(self, commitment: DatasetCommitted, *, by: Principal) -> CommitmentView:
        """File a provider's commitment to a dataset its model was trained on (the provider, or a
        supervisor on its behalf). The dataset must be one the model's passport names, when it
        names any, so the commitment is what the passport's data provenance points to."""
        with self.store.transaction() as uow:
            model = self._model(uow.conn, commitment.model_id)
            owner = model["provider_id"]
            if not by.sees_everything and by.organisation_id != owner:
                raise Forbidden(f"a commitment about model {model['id']} is filed by its provider")
            self._named_in_passport(uow.conn, model["id"], commitment.dataset)
            filed = {"scheme": SCHEME, **sent(commitment)}
            for earlier in pv.list_commitments(uow.conn, model_id=model["id"]):
                if self._content(uow.conn, earlier["id"]) == filed:
                    raise Conflict(f"this commitment is filed already, as {earlier['id']}")
            filing = file_as(
                by,
                DATASET_COMMITTED,
                commitment,
                owner=owner,
                subject=model["id"],
                clock=self.store.clock,
                fallback_jurisdiction=_jurisdiction(uow.conn, model),
            )
            uow.file(filing)
            row = pv.commitment(uow.conn, filing.id)
            assert row is not None
            return self._commitment_view(uow.conn, row, by)

    def commitments(self, *, by: Principal, model_id: str | None = None) -> list[CommitmentView]:
        with self.store.read() as conn:
            return [
                self._commitment_view(conn, row, by) for row in pv.list_commitments(conn, model_id=model_id)
            ]

    def commitment(self, commitment_id: str, *, by: Principal) -> CommitmentView:
        with self.store.read() as conn:
            return self._commitment_view(conn, self._commitment(conn, commitment_id), by)

    # -- samples ----------------------------------------------------------------------------

    def request_sample(self, request: SampleRequest, *, by: Principal) -> SampleView:
        """Ask for a sample of a commitment's records: an engaged auditor or a supervisor. The
        indices come from the checkpoint named, or the newest, signed now if none yet holds the
        commitment."""
        if not (by.sees_everything or by.role is Role.AUDITOR):
            raise Forbidden("a sample is asked for by the auditor engaged for the model, or a supervisor")
        with self.store.read() as conn:
            commitment = self._commitment(conn, request.commitment_id)
            if request.sample_size >= commitment["record_count"]:
                raise InvalidInput(
                    f"a sample of {request.sample_size:,} records asks for the whole manifest of "
                    f"{commitment['record_count']:,}: a sample is a part; what it leaves out stays private"
                )
            found = self.store.filing(conn, commitment["id"])
            assert found is not None
            auditor = self._engaged(conn, request, commitment, by)
            note = self._checkpoint(conn, request.checkpoint_size, found[1])
        if note is None:
            self.store.publish_checkpoint()
            with self.store.read() as conn:
                note = self._checkpoint(conn, None, found[1])
        assert note is not None
        checkpoint = Checkpoint.parse_body(Note.parse(note).text)
        indices = sample_indices(
            commitment["id"],
            checkpoint.size,
            checkpoint.root,
            request.sample_size,
            commitment["record_count"],
        )
        with self.store.transaction() as uow:
            filing = file_as(
                by,
                SAMPLE_REQUESTED,
                {
                    "commitment_id": commitment["id"],
                    "engagement_id": request.engagement_id,
                    "auditor_id": auditor,
                    "checkpoint_size": checkpoint.size,
                    "checkpoint_root": checkpoint.root.hex(),
                    "sample_size": request.sample_size,
                    "indices": indices,
                    "rules": request.rules.model_dump(mode="json"),
                    "due_on": (self._today + timedelta(days=request.respond_within_days)).isoformat(),
                },
                owner=commitment["owner_id"],
                subject=commitment["model_id"],
                clock=self.store.clock,
                jurisdiction=found[0].jurisdiction,
            )
            uow.file(filing)
            row = pv.sample(uow.conn, filing.id)
            assert row is not None
            return self._sample_view(uow.conn, row, by)

    def _engaged(
        self, conn: Connection, request: SampleRequest, commitment: Mapping[str, Any], by: Principal
    ) -> str | None:
        """The auditor's organisation, once its engagement covers the model in the provenance
        scope; None for a supervisor's own sample."""
        if request.engagement_id is None:
            if by.role is Role.AUDITOR:
                raise Forbidden(
                    "an auditor samples under its engagement for the model "
                    f"in scope {PROVENANCE_SCOPE}: name it"
                )
            return None
        engagement = av.engagement(conn, request.engagement_id)
        if engagement is None:
            raise NotFound(f"no engagement {request.engagement_id!r}")
        if engagement["subject_id"] != commitment["model_id"] or engagement["scope"] != PROVENANCE_SCOPE:
            raise InvalidInput(
                f"engagement {engagement['id']} is for {engagement['subject_id']} "
                f"in scope {engagement['scope']}, "
                f"not for model {commitment['model_id']} in scope {PROVENANCE_SCOPE}"
            )
        if not by.sees_everything and by.organisation_id != engagement["auditor_id"]:
            raise Forbidden(f"engagement {engagement['id']} is another auditor's")
        return str(engagement["auditor_id"])

    def _checkpoint(self, conn: Connection, size: int | None, entry: int) -> str | None:
        """The note of the checkpoint to draw from: the one of ``size``, which must hold log entry
        ``entry`` (the commitment), or the newest when it holds it (None when it does not)."""
        if size is None:
            latest = ledger_sql.latest_checkpoint(conn)
            return latest[2] if latest is not None and latest[1] > entry else None
        if size <= entry:
            raise InvalidInput(
                f"the checkpoint of size {size} was signed before the commitment (log entry {entry}): "
                "a sample is drawn from a checkpoint that holds it"
            )
        note = ledger_sql.checkpoint_of_size(conn, size)
        if note is None:
            raise InvalidInput(f"no checkpoint of size {size} was signed by this log")
        return note

    def reveal(self, revealed: RecordsRevealed, *, by: Principal) -> AuditView:
        """File the provider's reveal and, once every proof holds, Custos's findings on it."""
        with self.store.transaction() as uow:
            sample = pv.sample(uow.conn, revealed.sample_id)
            if sample is None:
                raise NotFound(f"no sample {revealed.sample_id!r}")
            if not by.sees_everything and by.organisation_id != sample["owner_id"]:
                raise Forbidden(f"sample {sample['id']} is answered by the model's provider")
            if sample["revealed_id"] is not None:
                raise Conflict(f"sample {sample['id']} was answered already ({sample['revealed_id']})")
            request = self._content(uow.conn, sample["id"])
            commitment = self._commitment(uow.conn, sample["commitment_id"])
            _answers_exactly(revealed.records, request, commitment["record_count"])
            verify_revealed(bytes.fromhex(commitment["root"]), commitment["record_count"], revealed.records)
            drawn = [record for record in revealed.records if record.index in set(request["indices"])]
            declared = self._content(uow.conn, commitment["id"]).get("composition") or {}
            findings = rule_findings(drawn, _rules(request))
            checks = composition_checks(drawn, declared) if declared else []
            plausible = all(check.plausible for check in checks) if checks else None
            filing = file_as(
                by,
                RECORDS_REVEALED,
                revealed,
                owner=sample["owner_id"],
                subject=sample["model_id"],
                clock=self.store.clock,
                fallback_jurisdiction=self._jurisdiction_of(uow.conn, sample["id"]),
            )
            audit = file_as(
                AUDITOR,
                SAMPLE_AUDITED,
                {
                    "sample_id": sample["id"],
                    "commitment_id": commitment["id"],
                    "auditor_id": sample["auditor_id"],
                    "sampled": len(drawn),
                    "findings": [finding.model_dump(mode="json") for finding in findings],
                    "composition_plausible": plausible,
                    "composition": [check.model_dump(mode="json") for check in checks],
                    "outcome": "pass"
                    if all(finding.violations == 0 for finding in findings) and plausible is not False
                    else "fail",
                    "valid_until": (self._today + AUDIT_VALID_FOR).isoformat(),
                },
                owner=sample["owner_id"],
                subject=sample["model_id"],
                clock=self.store.clock,
                jurisdiction=filing.jurisdiction,
            )
            uow.file(filing, audit)
            return self._audit_view(audit, by, sample)

    def samples(self, *, by: Principal, model_id: str | None = None) -> list[SampleView]:
        with self.store.read() as conn:
            return [self._sample_view(conn, row, by) for row in pv.list_samples(conn, model_id=model_id)]

    def sample(self, sample_id: str, *, by: Principal) -> SampleView:
        with self.store.read() as conn:
            row = pv.sample(conn, sample_id)
            if row is None:
                raise NotFound(f"no sample {sample_id!r}")
            return self._sample_view(conn, row, by)

    def records(self, sample_id: str, *, by: Principal) -> RevealView:
        """The records revealed for a sample: to the provider, the sample's auditor and supervisors."""
        with self.store.read() as conn:
            row = pv.sample(conn, sample_id)
            if row is None:
                raise NotFound(f"no sample {sample_id!r}")
            if not _reads_sample(by, row):
                raise Forbidden(
                    f"the records of sample {sample_id} are for its auditor, the provider and supervisors"
                )
            if row["revealed_id"] is None:
                raise NotFound(f"sample {sample_id} is not answered yet")
            content = self._content(conn, row["revealed_id"])
        return RevealView(
            sample_id=sample_id,
            revealed_id=row["revealed_id"],
            records=tuple(RevealedRecord.model_validate(record) for record in content["records"]),
        )

    # -- training runs and reconciliation --------------------------------------------------

    def declare_run(self, run: RunDeclared, *, by: Principal) -> RunView:
        """File a training-run declaration about one's own model (or a supervisor's on its behalf),
        once its chips and precision are in Epoch's table."""
        check_run(run)
        with self.store.transaction() as uow:
            model = self._model(uow.conn, run.model_id)
            if not by.sees_everything and by.organisation_id != model["provider_id"]:
                raise Forbidden(f"a training run of model {model['id']} is declared by its provider")
            if run.cloud_vendor_id is not None and rv.organisation(uow.conn, id=run.cloud_vendor_id) is None:
                raise NotFound(f"no organisation {run.cloud_vendor_id!r} (cloud_vendor_id)")
            if run.cloud_vendor_id is None and run.cloud_vendor is not None:
                # A vendor named as the registry names it is the organisation reconciled against.
                named = rv.organisations_named(uow.conn, [run.cloud_vendor]).get(run.cloud_vendor)
                run = RunDeclared.model_validate({**sent(run), "cloud_vendor_id": named}) if named else run
            filing = file_as(
                by,
                RUN_DECLARED,
                run,
                owner=model["provider_id"],
                subject=model["id"],
                clock=self.store.clock,
                fallback_jurisdiction=_jurisdiction(uow.conn, model),
            )
            uow.file(filing)
            row = pv.run(uow.conn, filing.id)
            assert row is not None
            return self._run_views(uow.conn, [row], by)[0]

    def runs(self, *, by: Principal, model_id: str | None = None) -> list[RunView]:
        with self.store.read() as conn:
            return self._run_views(conn, pv.list_runs(conn, model_id=model_id), by)

    def sell(self, statement: ComputeSold, *, by: Principal, vendor: str | None = None) -> StatementView:
        """File a compute provider's statement of chip-hours sold to a developer: by the vendor's
        own actor, or by a supervisor for the ``vendor`` named (a statement it received)."""
        if not (by.sees_everything or by.role in (Role.PROVIDER, Role.DEPLOYER)):
            raise Forbidden("a statement of compute sold is filed by the compute provider")
        if vendor is not None and not by.sees_everything:
            raise Forbidden("only a supervisor files a statement for another organisation")
        vendor = vendor or by.organisation_id
        if vendor is None:
            raise InvalidInput("name the vendor the statement is for")
        if statement.chip is not None:
            statement = ComputeSold.model_validate({**sent(statement), "chip": epoch_name(statement.chip)})
        with self.store.transaction() as uow:
            customer = rv.organisation(uow.conn, id=statement.customer_id)
            if customer is None:
                raise NotFound(f"no organisation {statement.customer_id!r}")
            if rv.organisation(uow.conn, id=vendor) is None:
                raise NotFound(f"no organisation {vendor!r} (the vendor)")
            if vendor == statement.customer_id:
                raise InvalidInput("a statement is about compute sold to another organisation")
            filing = file_as(
                by,
                COMPUTE_SOLD,
                statement,
                owner=vendor,
                subject=statement.customer_id,
                clock=self.store.clock,
                fallback_jurisdiction=customer.get("jurisdiction"),
            )
            uow.file(filing)
            return self._statement_view(
                {**statement.model_dump(), "id": filing.id, "vendor_id": vendor, "filed_at": filing.filed_at},
                by,
            )

    def statements(self, *, by: Principal) -> list[StatementView]:
        """Statements: supervisors see them all with their figures, a vendor its own without."""
        with self.store.read() as conn:
            if by.sees_everything:
                rows = [{**row, **self._content(conn, row["id"])} for row in pv.list_statements(conn)]
            elif by.organisation_id is not None:
                rows = pv.list_statements(conn, vendor_id=by.organisation_id)
            else:
                rows = []
        return [self._statement_view(row, by) for row in rows]

    def reconcile(self, request: ReconcileRequest, *, by: Principal) -> ReconciliationView:
        """Reconcile a developer's declared chip-hours on a vendor with the vendor's statements
        over a period (supervisors). Runs and statements that straddle the period count for the
        days inside it, spread evenly over their own days."""
        if not by.sees_everything:
            raise Forbidden("only supervisors reconcile compute statements")
        if request.period_end < request.period_start:
            raise InvalidInput("period_end is before period_start")
        start, end = request.period_start, request.period_end
        with self.store.transaction() as uow:
            for party in (request.customer_id, request.vendor_id):
                if rv.organisation(uow.conn, id=party) is None:
                    raise NotFound(f"no organisation {party!r}")
            runs = pv.runs_with(uow.conn, request.customer_id, request.vendor_id, start, end)
            sold = pv.statements_between(uow.conn, request.vendor_id, request.customer_id, start, end)
            declared_hours = sum(
                _within(r["chip_hours"], r["started_on"], r["ended_on"], start, end) for r in runs
            )
            sold_hours = sum(
                _within(s["chip_hours"], s["period_start"], s["period_end"], start, end) for s in sold
            )
            status, gap = _compare(declared_hours, sold_hours, request.tolerance, bool(runs), bool(sold))
            customer = rv.organisation(uow.conn, id=request.customer_id)
            filing = file_as(
                by,
                RECONCILED,
                {
                    "customer_id": request.customer_id,
                    "vendor_id": request.vendor_id,
                    "period_start": start.isoformat(),
                    "period_end": end.isoformat(),
                    "tolerance": request.tolerance,
                    "status": status,
                    "declared_chip_hours": declared_hours,
                    "sold_chip_hours": sold_hours,
                    "relative_gap": gap,
                    "run_ids": [r["id"] for r in runs],
                    "statement_ids": [s["id"] for s in sold],
                },
                owner=request.customer_id,
                subject=request.customer_id,
                clock=self.store.clock,
                fallback_jurisdiction=(customer or {}).get("jurisdiction"),
            )
            uow.file(filing)
        return self._reconciliation_view(
            {**filing.content, "id": filing.id, "reconciled_at": filing.filed_at}, by
        )

    def reconciliations(self, *, by: Principal) -> list[ReconciliationView]:
        """Reconciliations: supervisors see all with the figures, each party its own status."""
        with self.store.read() as conn:
            if by.sees_everything:
                rows = pv.list_reconciliations(conn)
            elif by.organisation_id is not None:
                rows = pv.list_reconciliations(conn, party=by.organisation_id)
            else:
                rows = []
            shown = []
            for row in rows:
                content = self._content(conn, row["id"]) if by.sees_everything else {}
                shown.append(self._reconciliation_view({**row, **content}, by))
        return shown

    # -- private aggregates -----------------------------------------------------------------

    def set_budget(self, budget: BudgetSet, *, by: Principal) -> BudgetView:
        """Set the privacy budget every release spends from (supervisors). A budget below what
        releases have spent already is refused: spending cannot be undone."""
        if not by.sees_everything:
            raise Forbidden("only supervisors set the privacy budget")
        with self.store.transaction() as uow:
            epsilon_spent, delta_spent = pv.spent(uow.conn)
            if budget.epsilon < epsilon_spent or budget.delta < delta_spent:
                raise InvalidInput(
                    f"releases have spent epsilon {epsilon_spent:g} and delta {delta_spent:g}; "
                    "a budget cannot be set below that"
                )
            owner, code = ledger_sql.authority(uow.conn)
            uow.file(
                file_as(
                    by,
                    BUDGET_SET,
                    budget,
                    owner=owner,
                    subject="privacy-budget",
                    clock=self.store.clock,
                    fallback_jurisdiction=code,
                )
            )
            return _budget_view(uow.conn)

    def budget(self) -> BudgetView:
        with self.store.read() as conn:
            return _budget_view(conn)

    def publish(self, request: PublishRequest, *, by: Principal) -> ReleaseView:
        """Publish a statistic with differential privacy (supervisors), within the budget."""
        if not by.sees_everything:
            raise Forbidden("only supervisors publish aggregates")
        default_bound, unit = STATISTICS[request.statistic]
        bound = request.bound or default_bound
        with self.store.transaction() as uow:
            left = _budget_view(uow.conn)
            if left.epsilon_remaining is None or left.delta_remaining is None:
                raise InvalidInput("no privacy budget is set: set one first (custos provenance budget)")
            if (
                request.epsilon > left.epsilon_remaining + 1e-12
                or request.delta > left.delta_remaining + 1e-15
            ):
                raise InvalidInput(
                    f"the release would spend epsilon {request.epsilon:g} and delta {request.delta:g}; "
                    f"the budget has epsilon {left.epsilon_remaining:g} "
                    f"and delta {left.delta_remaining:g} left"
                )
            rows, cells = self._statistic(uow.conn, request)
            owner, code = ledger_sql.authority(uow.conn)
            made = release(
                rows,
                cells,
                bound=bound,
                mechanism=request.mechanism,
                epsilon=request.epsilon,
                delta=request.delta,
            )
            filing = file_as(
                by,
                AGGREGATE_PUBLISHED,
                {
                    "statistic": request.statistic,
                    "unit": unit,
                    "mechanism": made.mechanism.value,
                    "epsilon": made.epsilon,
                    "delta": made.delta,
                    "bound": made.bound,
                    "scale": made.scale,
                    # Sums of non-negative figures, so a noisy value below zero is published as zero:
                    # post-processing a private release costs no privacy.
                    "cells": [
                        cell.model_copy(update={"value": max(cell.value, 0.0)}).model_dump(mode="json")
                        for cell in made.cells
                    ],
                    "epsilon_remaining": max(left.epsilon_remaining - request.epsilon, 0.0),
                    "delta_remaining": max(left.delta_remaining - request.delta, 0.0),
                },
                owner=owner,
                subject="privacy-budget",
                clock=self.store.clock,
                fallback_jurisdiction=code,
            )
            uow.file(filing)
        return ReleaseView.model_validate(
            {**filing.content, "id": filing.id, "published_at": filing.filed_at}
        )

    def releases(self) -> list[ReleaseView]:
        """Every release, newest first: public."""
        with self.store.read() as conn:
            found = self.store.filings(conn, pv.release_ids(conn))
        return [
            ReleaseView.model_validate({**filing.content, "id": filing.id, "published_at": filing.filed_at})
            for filing, _ in sorted(found.values(), key=lambda pair: pair[1], reverse=True)
        ]

    def _statistic(
        self, conn: Connection, request: PublishRequest
    ) -> tuple[list[tuple[str, str, float]], list[str]]:
        """The rows (provider, cell, value) and the public cells of a statistic."""
        if request.statistic == "training-compute":
            last = request.years[1] if request.years else self._today.year
            first = request.years[0] if request.years else last - DEFAULT_YEARS + 1
            if first > last:
                raise InvalidInput(f"the years run from {first} to {last}: the first is after the last")
            years = range(first, last + 1)
            cells = [f"{country}/{year}" for country in pv.public_countries(conn) for year in years]
            rows = [
                (
                    row["provider_id"],
                    f"{row['country']}/{row['release_date'].year}",
                    float(row["training_flop"]),
                )
                for row in pv.model_compute(conn, first, last)
            ]
            return rows, cells
        rows = []
        for row in pv.list_commitments(conn):
            licences = (self._content(conn, row["id"]).get("composition") or {}).get("licence") or {}
            families: dict[str, float] = defaultdict(float)
            for licence, share in licences.items():
                families[licence_family(licence)] += share
            rows.extend((row["owner_id"], family, share) for family, share in families.items())
        return rows, list(LICENCE_FAMILIES)

    # -- the passport page ------------------------------------------------------------------

    def model(self, model_id: str, *, by: Principal) -> ModelProvenanceView:
        """A model's commitments, samples, audits and training runs, as ``by`` may see them."""
        with self.store.read() as conn:
            self._model(conn, model_id)
            return ModelProvenanceView(
                model_id=model_id,
                commitments=tuple(
                    self._commitment_view(conn, row, by)
                    for row in pv.list_commitments(conn, model_id=model_id)
                ),
                runs=tuple(self._run_views(conn, pv.list_runs(conn, model_id=model_id), by)),
            )

    # -- reading ----------------------------------------------------------------------------

    def _model(self, conn: Connection, model_id: str) -> dict[str, Any]:
        model = rv.model(conn, model_id)
        if model is None:
            raise NotFound(f"no model {model_id!r}")
        return model

    def _commitment(self, conn: Connection, commitment_id: str) -> dict[str, Any]:
        row = pv.commitment(conn, commitment_id)
        if row is None:
            raise NotFound(f"no commitment {commitment_id!r}")
        return row

    def _content(self, conn: Connection, filing_id: str) -> dict[str, Any]:
        found = self.store.filing(conn, filing_id)
        assert found is not None
        return found[0].content

    def _named_in_passport(self, conn: Connection, model_id: str, dataset: str) -> None:
        passport = rv.current_passport(conn, model_id)
        names = [d["name"] for d in json.loads(passport["content"]).get("datasets", [])] if passport else []
        if names and dataset.casefold() not in {name.casefold() for name in names}:
            raise InvalidInput(
                f"the passport of model {model_id} names no dataset {dataset!r}; it names {', '.join(names)}"
            )

    def _jurisdiction_of(self, conn: Connection, filing_id: str) -> str:
        found = self.store.filing(conn, filing_id)
        assert found is not None
        return found[0].jurisdiction

    def _commitment_view(self, conn: Connection, row: Mapping[str, Any], by: Principal) -> CommitmentView:
        content = self._content(conn, row["id"])
        shown: dict[str, Any] = {**row, "scheme": content.get("scheme", SCHEME)}
        samples = pv.list_samples(conn, commitment_ids=[row["id"]])
        # The provider, supervisors and the auditor of any of its samples read the declaration.
        auditors = {sample["auditor_id"] for sample in samples}
        if (
            by.sees_everything
            or by.organisation_id == row["owner_id"]
            or by.organisation_id in auditors - {None}
        ):
            shown["composition"] = content.get("composition") or {}
        shown["samples"] = tuple(
            self._sample_view(conn, sample, by, row["record_count"]) for sample in samples
        )
        return CommitmentView.model_validate(shown)

    def _sample_view(
        self, conn: Connection, row: Mapping[str, Any], by: Principal, record_count: int | None = None
    ) -> SampleView:
        """A sample as ``by`` reads it; ``record_count`` is its commitment's, when the caller holds it."""
        content = self._content(conn, row["id"])
        status = (
            ("passed" if row["outcome"] == "pass" else "failed")
            if row["audit_id"]
            else ("overdue" if row["due_on"] < self._today else "awaiting reveal")
        )
        audit = None
        if row["audit_id"] is not None:
            found = self.store.filing(conn, row["audit_id"])
            assert found is not None
            audit = self._audit_view(found[0], by, row)
        if record_count is None:
            record_count = int(self._commitment(conn, row["commitment_id"])["record_count"])
        return SampleView.model_validate(
            {
                **content,
                **row,
                "reveal": to_reveal(content["indices"], record_count),
                "status": status,
                "audit": audit,
                "requested_at": stored_utc(row["requested_at"]),
            }
        )

    def _audit_view(self, filing: Filing, by: Principal, sample: Mapping[str, Any]) -> AuditView:
        content = dict(filing.content)
        if not _reads_sample(by, sample):
            content.pop("composition", None)
        return AuditView.model_validate({**content, "id": filing.id, "audited_at": filing.filed_at})

    def _run_views(self, conn: Connection, rows: Sequence[Mapping[str, Any]], by: Principal) -> list[RunView]:
        """Runs as ``by`` reads them: figures and plausibility to their provider and supervisors.
        A model's passport figure is the whole training, so a model with several runs is checked
        against all of them together, once per model."""
        allowed = {
            row["model_id"] for row in rows if by.sees_everything or by.organisation_id == row["owner_id"]
        }
        models = {model_id: self._model_runs(conn, model_id) for model_id in allowed}
        views = []
        for row in rows:
            shown: dict[str, Any] = {k: row[k] for k in ("id", "model_id", "owner_id", "declared_at")}
            if row["model_id"] in allowed:
                runs, declared, together = models[row["model_id"]]
                content = runs[row["id"]]
                found = plausibility(
                    RunDeclared.model_validate(content), declared if together is None else None
                )
                plausible, reasons = found.plausible, found.reasons
                if together is not None:
                    plausible, reasons = together[0], (*reasons, together[1])
                shown |= content
                shown["plausibility"] = PlausibilityView(
                    implied_flop=found.implied_flop,
                    lower=found.lower,
                    upper=found.upper,
                    utilisation_range=found.utilisation_range,
                    declared_flop=declared,
                    plausible=plausible,
                    reasons=reasons,
                )
            views.append(RunView.model_validate(shown))
        return views

    def _model_runs(
        self, conn: Connection, model_id: str
    ) -> tuple[dict[str, dict[str, Any]], float | None, tuple[bool, str] | None]:
        """A model's runs (content by id), its passport's training compute, and the verdict on
        all its runs together when it has several and the passport gives a figure."""
        ids = [row["id"] for row in pv.list_runs(conn, model_id=model_id)]
        runs = {filing_id: filed.content for filing_id, (filed, _) in self.store.filings(conn, ids).items()}
        passport = rv.current_passport(conn, model_id)
        declared = (
            json.loads(passport["content"]).get("compute", {}).get("training_flop") if passport else None
        )
        together = None
        if len(runs) > 1 and declared is not None:
            together = across_runs(
                [RunDeclared.model_validate(content) for content in runs.values()], declared
            )
        return runs, declared, together

    def _statement_view(self, row: Mapping[str, Any], by: Principal) -> StatementView:
        keys = ["id", "vendor_id", "customer_id", "period_start", "period_end", "filed_at"]
        if by.sees_everything:
            keys += ["chip_hours", "chip"]
        return StatementView.model_validate({k: row.get(k) for k in keys if row.get(k) is not None})

    def _reconciliation_view(self, row: Mapping[str, Any], by: Principal) -> ReconciliationView:
        keys = [
            "id",
            "customer_id",
            "vendor_id",
            "period_start",
            "period_end",
            "tolerance",
            "reconciled_at",
            "status",
        ]
        if by.sees_everything:
            keys += ["declared_chip_hours", "sold_chip_hours", "relative_gap"]
        return ReconciliationView.model_validate({k: row.get(k) for k in keys if row.get(k) is not None})


def _jurisdiction(conn: Connection, model: Mapping[str, Any]) -> str | None:
    """The provider's jurisdiction: where a filing about its model is made, failing the filer's."""
    organisation = rv.organisation(conn, id=model["provider_id"])
    return (organisation or {}).get("jurisdiction")


def _reads_sample(by: Principal, sample: Mapping[str, Any]) -> bool:
    """The sample's auditor, the provider and supervisors read what was revealed."""
    return by.sees_everything or (
        by.organisation_id is not None and by.organisation_id in (sample["owner_id"], sample["auditor_id"])
    )


def _rules(request: Mapping[str, Any]) -> SampleRules:
    return SampleRules.model_validate(request["rules"])


def to_reveal(drawn: Sequence[int], count: int) -> list[int]:
    """What a reveal answers: the records drawn and the manifest's last, whose proof binds the
    record count (see :func:`_answers_exactly`)."""
    return sorted({*drawn, count - 1})


def _answers_exactly(records: Sequence[RevealedRecord], request: Mapping[str, Any], count: int) -> None:
    """A reveal answers the indices drawn for the sample and the manifest's last record, each
    once, and nothing else: records from any other draw (another checkpoint, another seed) are
    refused by name. The last record's proof binds the record count: an inclusion proof of the
    last leaf holds only in a tree of exactly that many leaves, where a proof of another leaf
    may hold in trees of several sizes. It is checked, not counted in the findings (it was not
    drawn at random)."""
    asked = set(to_reveal(request["indices"], count))
    given = [record.index for record in records]
    if len(set(given)) != len(given):
        repeated = sorted({index for index in given if given.count(index) > 1})
        raise InvalidInput(f"record {repeated[0]} is revealed twice")
    extra = sorted(set(given) - asked)
    if extra:
        raise InvalidInput(
            f"record {extra[0]} was not drawn for this sample (drawn from the checkpoint of size "
            f"{request['checkpoint_size']}): {len(extra)} records answer another draw"
        )
    missing = sorted(asked - set(given))
    if missing:
        raise InvalidInput(
            f"{len(missing)} of the {len(asked)} records asked for are missing, the first {missing[0]}"
            + (
                " (the manifest's last record, which proves the record count)"
                if missing[0] == count - 1
                else ""
            )
        )


def _within(hours: float, first: date, last: date, start: date, end: date) -> float:
    """The part of ``hours`` spread evenly over the days first..last that falls in start..end."""
    days = (last - first).days + 1
    overlap = (min(last, end) - max(first, start)).days + 1
    return float(hours) * max(overlap, 0) / days


def _compare(
    declared: float, sold: float, tolerance: float, any_run: bool, any_statement: bool
) -> tuple[str, float | None]:
    """The status of a reconciliation and the relative gap (declared - sold) / the larger."""
    if not any_statement:
        return "no statement", None
    if not any_run:
        return "no declaration", None
    larger = max(declared, sold)
    gap = 0.0 if larger == 0 else (declared - sold) / larger
    if abs(gap) <= tolerance:
        return "consistent", gap
    return ("declared exceeds sold" if gap > 0 else "sold exceeds declared"), gap


def _budget_view(conn: Connection) -> BudgetView:
    budget = pv.budget(conn)
    epsilon_spent, delta_spent = pv.spent(conn)
    releases = len(pv.release_ids(conn))
    if budget is None:
        return BudgetView(epsilon_spent=epsilon_spent, delta_spent=delta_spent, releases=releases)
    return BudgetView(
        epsilon=budget[0],
        delta=budget[1],
        epsilon_spent=epsilon_spent,
        delta_spent=delta_spent,
        epsilon_remaining=max(budget[0] - epsilon_spent, 0.0),
        delta_remaining=max(budget[1] - delta_spent, 0.0),
        releases=releases,
    )
