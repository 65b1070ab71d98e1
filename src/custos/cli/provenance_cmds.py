"""``custos provenance``: audits of training data and compute that keep the data with its provider.

A provider commits to its dataset's manifest on its own machine (``commit``): the manifest and
the salt key never leave it, only the root, the record count and the declared composition are
filed. An auditor or supervisor asks for a sample (``sample``); the provider reveals those
records with their salts and proofs (``reveal``), checked here before anything is filed; the
auditor re-checks every proof and recomputes the findings itself (``verify``). Developers declare
training runs (``run declare``), compute vendors state what they sold (``sell``), supervisors
reconcile the two and publish aggregates with differential privacy (``publish``).

Commands act as the installation's operator (a supervisor) on the local store; those a provider,
auditor or vendor runs on its own machine also take ``--url`` and ``--token``, and then act as
that token's actor through the installation's API. Organisations and models are named by id or
name locally; through the API by id.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import typer

from custos.cli.output import JsonOption, commands, console, emit, plain, print_json, print_lines, table
from custos.cli.remote import TokenOption, UrlOption, acting, local_operator
from custos.core import units
from custos.core.errors import IntegrityFailure, InvalidInput

if TYPE_CHECKING:
    from custos.access.model import Principal
    from custos.provenance.findings import CompositionCheck, RuleFinding
    from custos.provenance.model import (
        ComputeSold,
        DatasetCommitted,
        RecordsRevealed,
        RunDeclared,
        SampleRequest,
    )
    from custos.provenance.service import ProvenanceService
    from custos.provenance.views import (
        AuditView,
        CommitmentView,
        ReconciliationView,
        ReleaseView,
        RevealView,
        RunView,
        SampleView,
        StatementView,
    )
    from custos.store import Store


app = commands("Dataset commitments, sampling audits, compute plausibility and private aggregates.")
run_app = commands("Training-run declarations, checked against Epoch AI's hardware table.")
app.add_typer(run_app, name="run")

KeyOption = typer.Option(
    None, "--key", help="The manifest's salt key file (default: the manifest's path with .key added)."
)

MOMENTS = {
    name: units.timestamp
    for name in ("committed_at", "requested_at", "audited_at", "declared_at", "filed_at", "reconciled_at")
}
COMMITMENT_COLUMNS = ("id", "model_id", "dataset", "record_count", "samples")
SAMPLE_COLUMNS = ("id", "sample_size", "checkpoint_size", "status", "due_on")
RELEASE_COLUMNS = ("cell", "value")
HOURS = {name: units.number for name in ("chip_hours", "declared_chip_hours", "sold_chip_hours")}
GAP = {"relative_gap": units.percent, "tolerance": units.percent}


# -- where a command acts: the local store, or an installation's API --------------------------


class Provenance(Protocol):
    """What the commands ask of an installation, answered by the local service as the operator
    or by ``custos.client`` as the token's actor: the same names and models either way."""

    def file_commitment(self, commitment: DatasetCommitted) -> CommitmentView: ...
    def commitment(self, commitment_id: str) -> CommitmentView: ...
    def request_sample(self, request: SampleRequest) -> SampleView: ...
    def sample(self, sample_id: str) -> SampleView: ...
    def reveal_sample(self, revealed: RecordsRevealed) -> AuditView: ...
    def sample_records(self, sample_id: str) -> RevealView: ...
    def declare_run(self, run: RunDeclared) -> RunView: ...
    def state_compute_sold(self, statement: ComputeSold) -> StatementView: ...
    def commitments(self, *, model: str | None = None) -> list[CommitmentView]: ...
    def runs(self, *, model: str | None = None) -> list[RunView]: ...
    def statements(self) -> list[StatementView]: ...
    def reconciliations(self) -> list[ReconciliationView]: ...
    def private_releases(self) -> list[ReleaseView]: ...


class _Local:
    """The provenance service on the local store, acting as the operator."""

    def __init__(self, store: Store, by: Principal) -> None:
        self.store, self.by = store, by
        self.service = _service(store)
        #: The vendor the operator states compute sold for (``sell --vendor``).
        self.vendor: str | None = None

    def resolve(self, reference: str, kinds: tuple[str, ...]) -> str:
        from custos.cli.resolve import resolve

        return resolve(self.store, reference, kinds)

    def file_commitment(self, commitment: DatasetCommitted) -> CommitmentView:
        return self.service.commit(commitment, by=self.by)

    def commitment(self, commitment_id: str) -> CommitmentView:
        return self.service.commitment(commitment_id, by=self.by)

    def request_sample(self, request: SampleRequest) -> SampleView:
        return self.service.request_sample(request, by=self.by)

    def sample(self, sample_id: str) -> SampleView:
        return self.service.sample(sample_id, by=self.by)

    def reveal_sample(self, revealed: RecordsRevealed) -> AuditView:
        return self.service.reveal(revealed, by=self.by)

    def sample_records(self, sample_id: str) -> RevealView:
        return self.service.records(sample_id, by=self.by)

    def declare_run(self, run: RunDeclared) -> RunView:
        return self.service.declare_run(run, by=self.by)

    def state_compute_sold(self, statement: ComputeSold) -> StatementView:
        return self.service.sell(statement, by=self.by, vendor=self.vendor)

    def commitments(self, *, model: str | None = None) -> list[CommitmentView]:
        return self.service.commitments(by=self.by, model_id=model)

    def runs(self, *, model: str | None = None) -> list[RunView]:
        return self.service.runs(by=self.by, model_id=model)

    def statements(self) -> list[StatementView]:
        return self.service.statements(by=self.by)

    def reconciliations(self) -> list[ReconciliationView]:
        return self.service.reconciliations(by=self.by)

    def private_releases(self) -> list[ReleaseView]:
        return self.service.releases()


@contextmanager
def _acting(ctx: typer.Context, url: str | None, token: str | None) -> Iterator[Provenance]:
    """The installation a command acts on: through the API with --url, else the local store."""
    with acting(ctx, url, token, _Local) as found:
        yield found


def _named(acting: Provenance, reference: str, kinds: tuple[str, ...]) -> str:
    """An id for ``reference``: a name is resolved on the local store; the API takes ids."""
    return acting.resolve(reference, kinds) if isinstance(acting, _Local) else reference


def _service(store: Store) -> ProvenanceService:
    from custos.provenance.service import ProvenanceService

    return ProvenanceService(store)


def _yes_no(value: Any) -> str:
    return "unknown" if value is None else "yes" if value else "no"


def _write_json(path: Path, data: Any, *, private: bool = False) -> None:
    """Write ``data`` as JSON; a ``private`` file (revealed records) is readable by its owner only."""
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    try:
        if private:
            with os.fdopen(
                os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8"
            ) as out:
                out.write(text)
        else:
            path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot write {path}: {exc.strerror}") from exc


# -- commitments -------------------------------------------------------------------------------


def _salt_key(manifest: Path, key: Path | None) -> tuple[Path, bytes, bool]:
    """The key file, the salt key and whether it is new: an existing key is reused, since the
    records committed under it are revealed with it; a new one is written only once the
    manifest has been committed."""
    from custos.provenance.commitment import new_key, read_key

    path = key or manifest.with_name(manifest.name + ".key")
    if path.exists():
        return path, read_key(path), False
    return path, new_key(), True


@contextmanager
def _records_progress(quiet: bool) -> Iterator[Any]:
    """A running count of the records committed, and the callback commit_manifest reports to."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,.0f} records"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=quiet,
    ) as bar:
        task = bar.add_task("committing", total=None)
        yield lambda done: bar.update(task, completed=done)


@app.command()
def commit(
    ctx: typer.Context,
    manifest: Path = typer.Argument(
        ..., metavar="MANIFEST", help="The dataset's manifest: JSON Lines, one record a line."
    ),
    model: str = typer.Option(..., "--model", help="The model trained on it, id or name."),
    dataset: str = typer.Option(..., "--dataset", help="The dataset's name, as the passport names it."),
    key: Path | None = KeyOption,
    workers: int | None = typer.Option(
        None, "--workers", min=1, max=256, help="Processes that hash the records (default: every core)."
    ),
    file: bool = typer.Option(
        True, "--file/--no-file", help="File the commitment, or only print it (its payload with --json)."
    ),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Commit to a dataset's manifest on this machine: every record hashed with a salt of its own
    into a Merkle tree whose root is filed with the record count and the declared composition.
    The manifest and the salt key (--key, by default the manifest's path with .key added; mode
    0600, created when missing and never overwritten) stay here; keep both, to reveal sampled
    records later. With --no-file, the model is named by id."""
    from custos.filings import parse
    from custos.provenance.commitment import commit_manifest, write_key
    from custos.provenance.findings import declared_shares
    from custos.provenance.model import DatasetCommitted

    key_path, salt_key, new = _salt_key(manifest, key)
    with _records_progress(as_json) as progress:
        built = commit_manifest(manifest, salt_key, workers=workers, progress=progress)
    if new:
        write_key(key_path, salt_key)
    terms = {
        "dataset": dataset,
        "root": built.root.hex(),
        "record_count": built.count,
        "composition": declared_shares(built.composition),
    }
    if not file:
        payload = parse(DatasetCommitted, {"model_id": model, **terms}, "commitment")
        if as_json:
            print_json(payload.model_dump(mode="json"))
            return
        _print_commitment(None, payload, key_path)
        return
    with _acting(ctx, url, token) as acting:
        payload = parse(
            DatasetCommitted, {"model_id": _named(acting, model, ("model",)), **terms}, "commitment"
        )
        filed = acting.file_commitment(payload)
    if as_json:
        emit(plain(filed), True)
        return
    _print_commitment(filed.id, payload, key_path)


def _print_commitment(filed: str | None, payload: DatasetCommitted, key: Path) -> None:
    emit(
        {
            "commitment": filed or "not filed (--no-file)",
            "model": payload.model_id,
            "dataset": payload.dataset,
            "root": payload.root,
            "records": units.count(payload.record_count),
            "salt key": str(key),
        },
        False,
    )
    _print_composition(payload.composition)


def _print_composition(composition: Mapping[str, Mapping[str, float]]) -> None:
    rows = [
        {"dimension": dimension.replace("_", " "), "category": category, "share": share}
        for dimension, shares in composition.items()
        for category, share in sorted(shares.items(), key=lambda item: -item[1])
    ]
    if rows:
        table(rows, ("dimension", "category", "share"), "Declared composition", {"share": units.percent})


def _samples_summary(commitment: CommitmentView) -> str:
    if not commitment.samples:
        return "none"
    statuses: dict[str, int] = {}
    for sample in commitment.samples:
        statuses[sample.status] = statuses.get(sample.status, 0) + 1
    return ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()))


@app.command("list")
def list_(
    ctx: typer.Context,
    model: str | None = typer.Option(None, "--model", help="One model's commitments, id or name."),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Dataset commitments, with the status of their samples."""
    with _acting(ctx, url, token) as acting:
        found = acting.commitments(model=_named(acting, model, ("model",)) if model else None)
    if as_json:
        emit(plain(found), True)
        return
    rows = [{**plain(view), "samples": _samples_summary(view)} for view in found]
    emit(rows, False, COMMITMENT_COLUMNS, "Commitments", MOMENTS)


@app.command()
def show(
    ctx: typer.Context,
    commitment_id: str,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """One commitment: its root, records, declared composition and samples with their findings."""
    with _acting(ctx, url, token) as acting:
        found = acting.commitment(commitment_id)
    if as_json:
        emit(plain(found), True)
        return
    shown = plain(found)
    shown.pop("samples")
    composition = shown.pop("composition", None) or {}
    emit({**shown, "record_count": units.count(found.record_count)}, False, formats=MOMENTS)
    _print_composition(composition)
    if not found.samples:
        console.print("no sample asked for yet", highlight=False)
        return
    table(plain(list(found.samples)), SAMPLE_COLUMNS, "Samples", MOMENTS)
    for sample in found.samples:
        if sample.audit is not None:
            console.print(f"sample {sample.id} ({sample.status}):", highlight=False)
            _print_findings(sample.audit.findings, sample.audit.composition or ())


# -- samples -----------------------------------------------------------------------------------


@app.command()
def sample(
    ctx: typer.Context,
    commitment_id: str,
    size: int = typer.Option(300, "--size", min=1, help="Records to sample."),
    checkpoint: int | None = typer.Option(
        None,
        "--checkpoint",
        min=1,
        help="The signed checkpoint (tree size) to draw from; the newest if none.",
    ),
    engagement: str | None = typer.Option(
        None, "--engagement", help="Your engagement for the model in scope custos-data-provenance (auditors)."
    ),
    allow_licence: list[str] | None = typer.Option(
        None, "--allow-licence", help="A licence (SPDX id or expression) allowed; repeat. None: unchecked."
    ),
    opt_out_rule: bool = typer.Option(
        True, "--opt-out-rule/--no-opt-out-rule", help="Count records whose rightholder opted out."
    ),
    pii_rule: bool = typer.Option(
        True, "--pii-rule/--no-pii-rule", help="Count records holding personal data."
    ),
    within: int = typer.Option(30, "--within", min=1, max=365, help="Days the provider has to reveal."),
    out: Path | None = typer.Option(None, "--out", help="Write the sample (id and indices) as JSON to FILE."),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Ask for a sample of a commitment's records (auditors engaged for the model, supervisors):
    the indices are drawn from a signed checkpoint of the log that holds the commitment, so
    nobody chose them and anyone can repeat the draw."""
    from custos.filings import parse
    from custos.provenance.model import SampleRequest

    rules = {
        "allowed_licences": allow_licence or None,
        "opt_out_honoured": opt_out_rule,
        "no_pii": pii_rule,
    }
    terms = {
        "commitment_id": commitment_id,
        "engagement_id": engagement,
        "checkpoint_size": checkpoint,
        "sample_size": size,
        "rules": rules,
        "respond_within_days": within,
    }
    request = parse(SampleRequest, {k: v for k, v in terms.items() if v is not None}, "sample request")
    with _acting(ctx, url, token) as acting:
        drawn = acting.request_sample(request)
    if out is not None:
        _write_json(
            out,
            {"id": drawn.id, "commitment_id": drawn.commitment_id, "indices": list(drawn.indices)},
        )
    if as_json:
        emit(plain(drawn), True)
        return
    console.print(
        f"sample {drawn.id} of commitment {drawn.commitment_id}: {units.count(len(drawn.indices))} records "
        f"drawn from the checkpoint of tree size {units.count(drawn.checkpoint_size)} "
        f"(root {drawn.checkpoint_root}); "
        f"the provider reveals them by {drawn.due_on.isoformat()}",
        highlight=False,
        soft_wrap=True,
    )
    if out is not None:
        console.print(f"the sample's indices are in {out}", highlight=False)


def _finding_line(finding: RuleFinding) -> str:
    return (
        f"{finding.rule}: {units.count(finding.violations)} of {units.count(finding.sampled)} sampled "
        f"violate it: at most {units.percent(finding.upper_bound)} of the manifest "
        f"({units.percent(finding.confidence)} upper bound)"
    )


def _print_findings(findings: Sequence[RuleFinding], checks: Sequence[CompositionCheck]) -> None:
    for finding in findings:
        console.print(f"  {_finding_line(finding)}", highlight=False, soft_wrap=True)
        if finding.violating_indices:
            shown = ", ".join(str(index) for index in finding.violating_indices[:20])
            more = ", ..." if len(finding.violating_indices) > 20 else ""
            console.print(f"    records {shown}{more}", highlight=False, soft_wrap=True)
    for check in checks:
        verdict = "plausible" if check.plausible else "implausible"
        console.print(
            f"  composition by {check.dimension.replace('_', ' ')}: {verdict}: {check.reason}",
            highlight=False,
            soft_wrap=True,
        )


@app.command()
def reveal(
    ctx: typer.Context,
    sample_id: str,
    manifest: Path = typer.Argument(
        ..., metavar="MANIFEST", help="The manifest the commitment was made from."
    ),
    key: Path | None = KeyOption,
    out: Path | None = typer.Option(
        None, "--out", help="Also keep a copy of the reveal as filed (JSON) in FILE, once it is filed."
    ),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Answer a sample (the model's provider): the records drawn are read from the manifest with
    their salts and inclusion proofs, every proof is checked here against the commitment, and the
    reveal is filed; the findings are printed. A manifest that no longer matches its commitment
    is refused before anything leaves this machine. --out keeps a copy of what was filed."""
    from custos.provenance.commitment import read_key
    from custos.provenance.commitment import reveal as reveal_records
    from custos.provenance.model import RecordsRevealed

    key_path = key or manifest.with_name(manifest.name + ".key")
    salt_key = read_key(key_path)
    with _acting(ctx, url, token) as acting:
        asked = acting.sample(sample_id)
        commitment = acting.commitment(asked.commitment_id)
        try:
            records = reveal_records(manifest, salt_key, asked.reveal)
            _verified(commitment, records)
        except InvalidInput as exc:
            raise InvalidInput(
                f"{manifest} (with the key {key_path}) no longer matches commitment {commitment.id}: "
                f"{exc.message} (record i is line i + 1; the first record sampled that fails is named, "
                "so a changed manifest or another key file is the likely cause); nothing was revealed"
            ) from exc
        revealed = RecordsRevealed(sample_id=asked.id, records=tuple(records))
        audit = acting.reveal_sample(revealed)
    if out is not None:
        _write_json(out, revealed.model_dump(mode="json"), private=True)
    if as_json:
        emit(plain(audit), True)
        return
    console.print(
        f"{units.count(audit.sampled)} records of sample {asked.id} revealed and verified"
        + ("" if len(records) == audit.sampled else ", with the manifest's last record (it proves the count)")
        + "; "
        f"audit {audit.id}: {audit.outcome}",
        highlight=False,
        soft_wrap=True,
    )
    _print_findings(audit.findings, audit.composition or ())


def _verified(commitment: CommitmentView, records: Sequence[Any]) -> None:
    from custos.provenance.commitment import verify_revealed

    verify_revealed(bytes.fromhex(commitment.root), commitment.record_count, records)


@app.command()
def verify(
    ctx: typer.Context,
    sample_id: str,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Check a revealed sample yourself (its auditor, supervisors): every record's proof against
    the commitment's root and count, the records against the indices drawn, and the findings
    recomputed here against those filed. Exit code 2 when anything differs."""
    from custos.provenance.findings import composition_checks, rule_findings

    with _acting(ctx, url, token) as acting:
        asked = acting.sample(sample_id)
        commitment = acting.commitment(asked.commitment_id)
        shown = acting.sample_records(sample_id)
    given = sorted(record.index for record in shown.records)
    if given != sorted(asked.reveal):
        raise IntegrityFailure(
            f"sample {sample_id} asked for {units.count(len(asked.reveal))} records (those drawn and the "
            f"manifest's last); the reveal holds {units.count(len(given))} that are not exactly those"
        )
    _verified(commitment, shown.records)
    drawn = set(asked.indices)
    records = [record for record in shown.records if record.index in drawn]
    findings = rule_findings(records, asked.rules)
    checks = composition_checks(records, commitment.composition) if commitment.composition else []
    _agree(asked, findings, checks)
    if as_json:
        emit(
            {
                "sample_id": sample_id,
                "verified": len(records),
                "findings": [finding.model_dump(mode="json") for finding in findings],
                "composition": [check.model_dump(mode="json") for check in checks],
            },
            True,
        )
        return
    console.print(
        f"verified {units.count(len(records))} records of sample {sample_id} against commitment "
        f"{commitment.id} (root {commitment.root}, {units.count(commitment.record_count)} records)",
        highlight=False,
        soft_wrap=True,
    )
    _print_findings(findings, checks)


def _agree(asked: SampleView, findings: Sequence[RuleFinding], checks: Sequence[CompositionCheck]) -> None:
    """Refuse findings filed that differ from those recomputed from the records revealed."""
    if asked.audit is None:
        raise IntegrityFailure(f"sample {asked.id} has records revealed but no findings filed")
    filed = {(f.rule, f.violations, f.sampled, f.violating_indices) for f in asked.audit.findings}
    found = {(f.rule, f.violations, f.sampled, f.violating_indices) for f in findings}
    if filed != found:
        raise IntegrityFailure(
            f"the findings filed for sample {asked.id} differ from those recomputed from its records"
        )
    if asked.audit.composition is not None and checks:
        filed_checks = {(c.dimension, c.plausible) for c in asked.audit.composition}
        if filed_checks != {(c.dimension, c.plausible) for c in checks}:
            raise IntegrityFailure(
                f"the composition checks filed for sample {asked.id} differ from those recomputed"
            )


# -- training runs -----------------------------------------------------------------------------


@run_app.command("declare")
def declare(
    ctx: typer.Context,
    document: Path = typer.Argument(
        ..., metavar="RUN", help="The run, as JSON or YAML (the fields in docs/provenance.md)."
    ),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Declare a training run (the model's provider): its chips by type and quantity, chip-hours,
    dates, precision and utilisation. Chips are named as in Epoch AI's hardware table."""
    from custos.cli.documents import read_document
    from custos.filings import parse
    from custos.provenance.model import RunDeclared

    terms = read_document(document)
    if not isinstance(terms, dict):
        raise InvalidInput(f"{document} should hold one training run as a mapping of fields")
    with _acting(ctx, url, token) as acting:
        for field, kinds in (("model_id", ("model",)), ("cloud_vendor_id", ("organisation",))):
            if isinstance(terms.get(field), str):
                terms[field] = _named(acting, terms[field], kinds)
        declared = acting.declare_run(parse(RunDeclared, terms, "training run"))
    if as_json:
        emit(plain(declared), True)
        return
    console.print(f"training run {declared.id} of model {declared.model_id} declared", highlight=False)
    if declared.cloud_vendor and not declared.cloud_vendor_id:
        console.print(
            f"warning: the cloud vendor {declared.cloud_vendor!r} is no registered organisation, so no "
            "statement of compute sold can be reconciled with this run (name it as the registry does, "
            "or give cloud_vendor_id)",
            highlight=False,
            soft_wrap=True,
        )
    _print_plausibility(declared)


def _interval(run: RunView) -> str:
    found = run.plausibility
    return units.MISSING if found is None else f"{units.scientific(found.lower)}–{units.flop(found.upper)}"


def _print_plausibility(run: RunView) -> None:
    found = run.plausibility
    if found is None:
        console.print("its figures are for the provider and supervisors", highlight=False)
        return
    low, high = found.utilisation_range
    emit(
        {
            "implied compute": units.flop(found.implied_flop),
            "plausible interval": f"{_interval(run)} at utilisation "
            f"{units.percent(low)}–{units.percent(high)}",
            "declared compute": units.flop(found.declared_flop),
            "plausible": _yes_no(found.plausible),
        },
        False,
    )
    for reason in found.reasons:
        console.print(f"  {reason}", highlight=False, soft_wrap=True)


@app.command()
def runs(
    ctx: typer.Context,
    model: str | None = typer.Option(None, "--model", help="One model's runs, id or name."),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Training-run declarations with their plausibility against Epoch AI's hardware table."""
    with _acting(ctx, url, token) as acting:
        found = acting.runs(model=_named(acting, model, ("model",)) if model else None)
    if as_json:
        emit(plain(found), True)
        return
    if not found:
        console.print("no training run declared", highlight=False)
    for run in found:
        console.print(_run_line(run), highlight=False, soft_wrap=True)
        for reason in run.plausibility.reasons if run.plausibility else ():
            console.print(f"  {reason}", highlight=False, soft_wrap=True)


def _run_line(run: RunView) -> str:
    """One run on one line: a table would fold its figures among the ids."""
    line = f"{run.id}  model {run.model_id}, declared {units.timestamp(run.declared_at)}"
    found = run.plausibility
    if found is None:
        return f"{line}: its figures are for the provider and supervisors"
    chips = ", ".join(f"{units.count(use.quantity)} × {use.chip}" for use in run.chips or ())
    return (
        f"{line}: {chips}; implied {units.flop(found.implied_flop)}, plausible interval "
        f"{_interval(run)}; declared compute plausible: {_yes_no(found.plausible)}"
    )


# -- compute statements and reconciliation ---------------------------------------------------


@app.command()
def sell(
    ctx: typer.Context,
    customer: str = typer.Option(..., "--customer", help="The developer it was sold to, id or name."),
    period_start: str = typer.Option(..., "--from", help="First day of the period, YYYY-MM-DD."),
    period_end: str = typer.Option(..., "--to", help="Last day of the period, YYYY-MM-DD."),
    chip_hours: float = typer.Option(..., "--chip-hours", min=0, help="Chip-hours sold in the period."),
    chip: str | None = typer.Option(None, "--chip", help="The chip, as Epoch AI's hardware table names it."),
    vendor: str | None = typer.Option(
        None,
        "--vendor",
        help="Locally: the vendor the operator states it for, id or name (a vendor's own token needs none).",
    ),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """State the chip-hours your organisation sold to a developer in a period: a compute vendor
    with --url and its token, or the operator for a vendor (--vendor) from a statement it received.
    The figure is for supervisors only."""
    from custos.filings import parse
    from custos.provenance.model import ComputeSold

    with _acting(ctx, url, token) as acting:
        if isinstance(acting, _Local):
            if vendor is None:
                raise InvalidInput("locally, --vendor names the vendor the statement is for")
            acting.vendor = _named(acting, vendor, ("organisation",))
        elif vendor is not None:
            raise InvalidInput(
                "--vendor is for the operator: through the API the token's organisation is the vendor"
            )
        terms = {
            "customer_id": _named(acting, customer, ("organisation",)),
            "period_start": period_start,
            "period_end": period_end,
            "chip_hours": chip_hours,
        }
        statement = parse(ComputeSold, terms | ({"chip": chip} if chip else {}), "statement")
        filed = acting.state_compute_sold(statement)
    emit(plain(filed), as_json, formats={**MOMENTS, **HOURS})


@app.command()
def statements(
    ctx: typer.Context,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Statements of compute sold, one a line: a vendor its own, supervisors all with their figures."""
    with _acting(ctx, url, token) as acting:
        found = acting.statements()
    print_lines(found, as_json, "no statement of compute sold", _statement_line)


def _statement_line(statement: StatementView) -> str:
    """One statement on one line: a table would fold its figures among the ids."""
    line = (
        f"{statement.id}  {statement.period_start.isoformat()} to {statement.period_end.isoformat()}, "
        f"vendor {statement.vendor_id}, customer {statement.customer_id}"
    )
    if statement.chip_hours is None:
        return line
    chip = f" of {statement.chip}" if statement.chip else ""
    return f"{line}: {units.number(statement.chip_hours)} chip-hours{chip}"


@app.command()
def reconcile(
    ctx: typer.Context,
    customer: str = typer.Option(..., "--customer", help="The developer, id or name."),
    vendor: str = typer.Option(..., "--vendor", help="The compute vendor, id or name."),
    period_start: str = typer.Option(..., "--from", help="First day of the period, YYYY-MM-DD."),
    period_end: str = typer.Option(..., "--to", help="Last day of the period, YYYY-MM-DD."),
    tolerance: float = typer.Option(0.1, "--tolerance", help="The relative gap accepted (0.1 for 10%)."),
    as_json: bool = JsonOption,
) -> None:
    """Reconcile the chip-hours a developer declared on a vendor with the vendor's statements over
    a period (supervisors), and file the outcome."""
    from custos.cli.resolve import ORGANISATION, resolve
    from custos.filings import parse
    from custos.provenance.model import ReconcileRequest

    with local_operator(ctx) as (store, by):
        terms = {
            "customer_id": resolve(store, customer, ORGANISATION),
            "vendor_id": resolve(store, vendor, ORGANISATION),
            "period_start": period_start,
            "period_end": period_end,
            "tolerance": tolerance,
        }
        done = _service(store).reconcile(parse(ReconcileRequest, terms, "reconciliation"), by=by)
    emit(plain(done), as_json, formats={**MOMENTS, **HOURS, **GAP})


@app.command()
def reconciliations(
    ctx: typer.Context,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Reconciliations, one a line: each party its status, supervisors also the figures."""
    with _acting(ctx, url, token) as acting:
        found = acting.reconciliations()
    print_lines(found, as_json, "no reconciliation yet", _reconciliation_line)


def _reconciliation_line(done: ReconciliationView) -> str:
    """One reconciliation on one line, its status whole (a table would fold it among the ids)."""
    line = (
        f"{done.id}  {done.period_start.isoformat()} to {done.period_end.isoformat()}, customer "
        f"{done.customer_id}, vendor {done.vendor_id}: {done.status or 'status withheld'}"
    )
    if done.declared_chip_hours is None or done.sold_chip_hours is None:
        return line
    gap = "" if done.relative_gap is None else f", gap {units.percent(done.relative_gap)}"
    return (
        f"{line} (declared {units.number(done.declared_chip_hours)}, sold "
        f"{units.number(done.sold_chip_hours)} chip-hours{gap}, tolerance {units.percent(done.tolerance)})"
    )


# -- private aggregates ------------------------------------------------------------------------


@app.command()
def budget(
    ctx: typer.Context,
    epsilon: float | None = typer.Option(None, "--epsilon", help="Set the budget's epsilon."),
    delta: float | None = typer.Option(
        None, "--delta", help="With --epsilon: the budget's delta (default 0)."
    ),
    reason: str | None = typer.Option(None, "--reason", help="With --epsilon: why, on the record."),
    as_json: bool = JsonOption,
) -> None:
    """The privacy budget releases spend from: shown, or set with --epsilon (supervisors; never
    below what releases have spent)."""
    from custos.filings import parse
    from custos.provenance.model import BudgetSet

    if epsilon is None and (delta is not None or reason is not None):
        raise InvalidInput("--delta and --reason set the budget with --epsilon")
    with local_operator(ctx) as (store, by):
        service = _service(store)
        if epsilon is None:
            found = service.budget()
        else:
            terms = {"epsilon": epsilon, "delta": delta, "reason": reason}
            chosen = {k: v for k, v in terms.items() if v is not None}
            found = service.set_budget(parse(BudgetSet, chosen, "privacy budget"), by=by)
    if as_json:
        emit(plain(found), True)
        return
    if found.epsilon is None:
        console.print("no privacy budget is set: set one with --epsilon", highlight=False)
    emit(
        {
            "epsilon": found.epsilon,
            "delta": found.delta,
            "spent": _remaining(found.epsilon_spent, found.delta_spent),
            "remaining": _remaining(found.epsilon_remaining, found.delta_remaining),
            "releases": units.count(found.releases),
        },
        False,
    )


def _remaining(epsilon: float | None, delta: float | None) -> str:
    """A budget's part (spent or left) as its two parameters."""
    if epsilon is None or delta is None:
        return units.MISSING
    return f"epsilon {units.number(epsilon, 4)}, delta {units.scientific(delta)}"


@app.command()
def publish(
    ctx: typer.Context,
    statistic: str = typer.Argument(..., help="training-compute or dataset-licences."),
    epsilon: float = typer.Option(..., "--epsilon", help="The budget this release spends."),
    mechanism: str = typer.Option(
        "laplace", "--mechanism", help="laplace (pure DP) or gaussian (with --delta)."
    ),
    delta: float = typer.Option(0.0, "--delta", help="For the Gaussian mechanism."),
    bound: float | None = typer.Option(
        None,
        "--bound",
        help="Clip each provider's contribution to this norm (the statistic's default if none).",
    ),
    years: tuple[int, int] | None = typer.Option(
        None, "--years", help="First and last year of training-compute (default: the last five)."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Publish a statistic with differential privacy (supervisors), spending from the budget: the
    figures by cell, each with the half-width its noise stays within 95% of the time."""
    from custos.filings import parse
    from custos.provenance.model import PublishRequest

    terms: dict[str, Any] = {
        "statistic": statistic,
        "mechanism": mechanism,
        "epsilon": epsilon,
        "delta": delta,
    }
    terms |= {k: v for k, v in (("bound", bound), ("years", years)) if v is not None}
    with local_operator(ctx) as (store, by):
        made = _service(store).publish(parse(PublishRequest, terms, "release"), by=by)
    if as_json:
        emit(plain(made), True)
        return
    _print_release(made)


def _print_release(made: ReleaseView) -> None:
    figure = units.flop if made.unit == "FLOP" else lambda value: f"{units.number(value)} {made.unit}"
    rows = [
        {"cell": cell.cell, "value": f"{figure(cell.value)} ± {figure(cell.error_95)}"} for cell in made.cells
    ]
    console.print(
        f"{made.statistic} ({made.mechanism.value}, epsilon {units.number(made.epsilon, 4)}, "
        f"delta {units.scientific(made.delta)}), released {units.timestamp(made.published_at)}:",
        highlight=False,
        soft_wrap=True,
    )
    table(rows, RELEASE_COLUMNS)
    console.print(
        f"release {made.id}; remaining budget: {_remaining(made.epsilon_remaining, made.delta_remaining)}",
        highlight=False,
    )


@app.command()
def releases(
    ctx: typer.Context,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Every differentially private release, newest first, with its cells and the budget left."""
    with _acting(ctx, url, token) as acting:
        found = acting.private_releases()
    if as_json:
        emit(plain(found), True)
        return
    if not found:
        console.print("nothing released yet", highlight=False)
    for made in found:
        _print_release(made)
