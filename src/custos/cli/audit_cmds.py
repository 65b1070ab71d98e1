"""``custos audit``: accredit auditors, engage them, sign and file attestations, verify them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import typer

from custos.cli.context import open_store
from custos.cli.documents import read_document
from custos.cli.output import JsonOption, ReasonOption, commands, console, emit, plain
from custos.cli.resolve import ORGANISATION, SUBJECT, resolve
from custos.core.errors import InvalidInput

app = commands("Auditors, engagements and signed attestations.")

#: Booleans in tables, as the detail views write them.
YES_NO = {name: (lambda value: "yes" if value else "no") for name in ("in_force", "current")}

ACCREDITATION_COLUMNS = ("id", "status", "in_force", "valid_until", "scopes")
ATTESTATION_COLUMNS = ("id", "scope", "opinion", "valid_until", "current")


@app.command()
def scopes(as_json: bool = JsonOption) -> None:
    """The catalogue of scopes an auditor may be accredited for, with the standard of each."""
    from custos.assurance.catalogue import scopes as catalogue

    rows = [scope.model_dump(exclude_none=True) for scope in catalogue().values()]
    emit(rows, as_json, columns=None if as_json else ("id", "standard", "subjects"))


@app.command()
def keygen(
    path: Path,
    algorithm: str = typer.Option("ed25519", "--algorithm", help="ed25519 or ecdsa-p256."),
    as_json: bool = JsonOption,
) -> None:
    """Make an auditor's signing key: PATH (private, mode 0600) and PATH.pub (public, for the
    accreditation)."""
    from custos.assurance.keys import generate_key

    if algorithm not in ("ed25519", "ecdsa-p256"):
        raise InvalidInput(f"unknown algorithm {algorithm!r}: ed25519 or ecdsa-p256")
    key = generate_key(path, "ed25519" if algorithm == "ed25519" else "ecdsa-p256")
    emit({"private_key": str(path), "public_key": f"{path}.pub", "keyid": key["keyid"]}, as_json)


@app.command()
def accredit(
    ctx: typer.Context,
    organisation: str = typer.Option(..., "--organisation", help="The audit firm, id or name."),
    keys: list[Path] = typer.Option(
        ..., "--key", help="A PEM public key (or private key) of the auditor; repeat for several."
    ),
    scope: list[str] = typer.Option(
        ..., "--scope", help="A scope of the catalogue (`custos audit scopes`); repeat for several."
    ),
    valid_from: str = typer.Option(..., "--valid-from", help="YYYY-MM-DD."),
    valid_until: str = typer.Option(..., "--valid-until", help="YYYY-MM-DD."),
    note: str | None = typer.Option(None, "--note"),
    as_json: bool = JsonOption,
) -> None:
    """Accredit an auditor's keys for scopes, for a period (supervisors)."""
    from custos.access.service import operator
    from custos.assurance.keys import key_from_pem
    from custos.assurance.model import AuditorAccredited
    from custos.assurance.service import AssuranceService
    from custos.filings import parse

    with open_store(ctx) as store:
        terms: dict[str, Any] = {
            "organisation_id": resolve(store, organisation, ORGANISATION),
            "keys": [key_from_pem(_read(path), str(path)) for path in keys],
            "scopes": scope,
            "valid_from": valid_from,
            "valid_until": valid_until,
        }
        if note:
            terms["note"] = note
        accredited = AssuranceService(store).accredit(
            parse(AuditorAccredited, terms, "accreditation"), by=operator(store)
        )
    emit(plain(accredited), as_json)


def _step(ctx: typer.Context, accreditation_id: str, step: str, reason: str, as_json: bool) -> None:
    from custos.access.service import operator
    from custos.assurance.service import AssuranceService

    with open_store(ctx) as store:
        taken = AssuranceService(store).step(accreditation_id, step, reason, by=operator(store))
    emit(plain(taken), as_json)


@app.command()
def suspend(
    ctx: typer.Context, accreditation_id: str, reason: str = ReasonOption, as_json: bool = JsonOption
) -> None:
    """Suspend an accreditation: what its keys sign while suspended is refused."""
    _step(ctx, accreditation_id, "suspend", reason, as_json)


@app.command()
def reinstate(
    ctx: typer.Context, accreditation_id: str, reason: str = ReasonOption, as_json: bool = JsonOption
) -> None:
    """Lift a suspension."""
    _step(ctx, accreditation_id, "reinstate", reason, as_json)


@app.command()
def withdraw(
    ctx: typer.Context, accreditation_id: str, reason: str = ReasonOption, as_json: bool = JsonOption
) -> None:
    """Withdraw an accreditation for good: nothing its keys signed is accepted afterwards."""
    _step(ctx, accreditation_id, "withdraw", reason, as_json)


@app.command()
def auditors(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Accredited auditors, their scopes and standing."""
    from custos.assurance.service import AssuranceService

    with open_store(ctx) as store:
        found = AssuranceService(store).accreditations()
    emit(plain(found), as_json, ACCREDITATION_COLUMNS if not as_json else None, "Auditors", YES_NO)


@app.command()
def engage(
    ctx: typer.Context,
    subject: str = typer.Option(..., "--subject", help="The model or deployment audited, id or name."),
    scope: str = typer.Option(..., "--scope"),
    auditor: str = typer.Option(..., "--auditor", help="The audit firm, id or name."),
    finding: str | None = typer.Option(None, "--finding", help="The red-team finding to retest."),
    terms: str | None = typer.Option(None, "--terms"),
    as_json: bool = JsonOption,
) -> None:
    """Engage an accredited auditor about a model or deployment; prints the subject its
    Statement must name."""
    from custos.access.service import operator
    from custos.assurance.model import AuditEngaged
    from custos.assurance.service import AssuranceService
    from custos.filings import parse

    with open_store(ctx) as store:
        content: dict[str, Any] = {
            "subject_id": resolve(store, subject, SUBJECT),
            "scope": scope,
            "auditor_id": resolve(store, auditor, ORGANISATION),
        }
        content |= {k: v for k, v in (("finding_id", finding), ("terms", terms)) if v is not None}
        engaged = AssuranceService(store).engage(
            parse(AuditEngaged, content, "engagement"), by=operator(store)
        )
    emit(plain(engaged), as_json)


@app.command()
def statement(
    ctx: typer.Context,
    engagement: str = typer.Option(..., "--engagement"),
    opinion: str = typer.Option(..., "--opinion", help="pass, qualified or adverse."),
    method: str = typer.Option(..., "--method", help="How the audit was done."),
    summary: str = typer.Option(..., "--summary", help="What was found, in summary."),
    valid_until: str = typer.Option(..., "--valid-until", help="YYYY-MM-DD."),
    valid_from: str | None = typer.Option(None, "--valid-from", help="YYYY-MM-DD; today if not given."),
    out: Path | None = typer.Option(None, "--out", help="Write here instead of printing."),
) -> None:
    """The in-toto Statement an engagement asks for, to be signed with `custos audit sign`."""
    from custos.access.service import operator
    from custos.assurance.catalogue import scope
    from custos.assurance.service import AssuranceService
    from custos.assurance.statement import AuditPredicate, ResourceDescriptor, Statement
    from custos.filings import parse

    with open_store(ctx) as store:
        found = AssuranceService(store).engagement(engagement, by=operator(store))
    if found.statement_subject is None:
        raise InvalidInput(f"the subject of engagement {engagement} has no passport to attest to")
    now = datetime.now(UTC)
    predicate = {
        "engagement": found.id,
        "auditor": found.auditor_id,
        "scope": found.scope,
        "standard": scope(found.scope).standard,
        "method": method,
        "findingsSummary": summary,
        "opinion": opinion,
        "issuedAt": now.isoformat(),
        "validFrom": valid_from or now.date().isoformat(),
        "validUntil": valid_until,
    }
    if found.finding_id:
        predicate["finding"] = found.finding_id
    made = Statement(
        subject=(ResourceDescriptor.model_validate(found.statement_subject),),
        predicate=parse(AuditPredicate, predicate, "audit predicate"),
    )
    _write(made.model_dump(mode="json", by_alias=True, exclude_none=True), out)


@app.command()
def sign(
    statement_file: Path,
    key: Path = typer.Option(..., "--key", help="The auditor's private key (PEM)."),
    out: Path | None = typer.Option(None, "--out", help="Write the envelope here instead of printing."),
) -> None:
    """Sign an in-toto Statement into a DSSE envelope with the auditor's key (no installation needed)."""
    from custos.assurance.keys import signer_from_file
    from custos.assurance.signing import sign_statement
    from custos.assurance.statement import Statement
    from custos.filings import parse

    made = parse(Statement, read_document(statement_file), "in-toto Statement")
    _write(sign_statement(made, signer_from_file(key)), out)


@app.command("file")
def file_attestation(ctx: typer.Context, envelope_file: Path, as_json: bool = JsonOption) -> None:
    """File an auditor's signed envelope received by the supervisor: verified against the log
    first, refused with the reason otherwise."""
    from custos.access.service import operator
    from custos.assurance.model import AttestationSubmitted
    from custos.assurance.service import AssuranceService

    envelope = _envelope(envelope_file)
    with open_store(ctx) as store:
        filed = AssuranceService(store).attest(AttestationSubmitted(envelope=envelope), by=operator(store))
    shown = plain(filed)
    if not as_json:
        shown.pop("envelope", None)  # the file just read
    emit(shown, as_json)


@app.command()
def attestations(
    ctx: typer.Context,
    subject: str | None = typer.Option(None, "--subject", help="A model or deployment, id or name."),
    as_json: bool = JsonOption,
) -> None:
    """Filed attestations, newest first."""
    from custos.access.service import operator
    from custos.assurance.service import AssuranceService

    with open_store(ctx) as store:
        subject_id = resolve(store, subject, SUBJECT) if subject else None
        found = AssuranceService(store).attestations(by=operator(store), subject=subject_id)
    emit(plain(found), as_json, ATTESTATION_COLUMNS if not as_json else None, "Attestations", YES_NO)


@app.command()
def bundle(
    ctx: typer.Context,
    attestation_id: str,
    out: Path | None = typer.Option(None, "--out", help="Write the bundle here instead of printing."),
) -> None:
    """The bundle that lets anyone verify a filed attestation offline with the log's key."""
    from custos.access.service import operator
    from custos.assurance.service import AssuranceService

    with open_store(ctx) as store:
        store.publish_checkpoint()
        made = AssuranceService(store).bundle(by=operator(store), attestation_id=attestation_id)
    _write(made.to_json(), out)


@app.command()
def verify(
    ctx: typer.Context,
    file: Path,
    log_key: str | None = typer.Option(
        None, "--log-key", help="The log's verifier key (`custos ledger status`); else this installation's."
    ),
    envelope_file: Path | None = typer.Option(
        None, "--envelope", help="The DSSE envelope, when the bundle does not carry it."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Verify an attestation: FILE is a bundle (checked offline against the log's key) or a DSSE
    envelope (checked against this installation's log). Exit code 2 when it does not verify."""
    from custos.assurance.bundle import MEDIA_TYPE, read_bundle, verify_bundle
    from custos.ledger.note import Verifier

    document = _envelope(file, bundles=True)
    envelope = _envelope(envelope_file) if envelope_file else None
    if document.get("mediaType") == MEDIA_TYPE:
        made = read_bundle(document)
        verifier = Verifier.from_vkey(log_key) if log_key else _installation_key(ctx)
    else:
        made, verifier = _bundle_from_installation(ctx, document)
        envelope = document
    report = verify_bundle(made, verifier, datetime.now(UTC), envelope)
    assert report.verified is not None
    predicate = report.verified.statement.predicate
    result = {
        "verified": True,
        "log_size": report.size,
        "auditor_id": predicate.auditor,
        "scope": predicate.scope,
        "opinion": predicate.opinion.value,
        "valid_until": predicate.valid_until.isoformat(),
        "expired": report.verified.expired,
        "checks": report.checks,
    }
    if as_json:
        emit(result, True)
        return
    for line in report.checks:
        console.print(f"[green]✓[/green] {line}", highlight=False, soft_wrap=True)
    state = "expired" if report.verified.expired else "valid"
    console.print(
        f"{predicate.opinion.value} opinion on {predicate.scope} by {predicate.auditor}, "
        f"{state} until {predicate.valid_until.isoformat()}",
        highlight=False,
    )


def _installation_key(ctx: typer.Context) -> Any:
    with open_store(ctx) as store:
        return store.log_signer.verifier


def _bundle_from_installation(ctx: typer.Context, envelope: dict[str, Any]) -> tuple[Any, Any]:
    from custos.access.model import PUBLIC
    from custos.assurance.service import AssuranceService

    with open_store(ctx) as store:
        store.publish_checkpoint()
        made = AssuranceService(store).bundle(by=PUBLIC, envelope=envelope)
        return made, store.log_signer.verifier


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc}") from exc


def _envelope(path: Path, *, bundles: bool = False) -> dict[str, Any]:
    try:
        document = orjson.loads(_read(path))
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"{path} is not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise InvalidInput(f"{path} holds no {'bundle or ' if bundles else ''}DSSE envelope")
    return document


def _write(document: Any, out: Path | None) -> None:
    """The document on standard output, or in ``out`` with a line on standard error saying so
    (standard output stays clean for a pipe)."""
    text = orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot write {out}: {exc.strerror}") from exc
    typer.echo(f"wrote {out}", err=True)


@app.command()
def reverify(
    ctx: typer.Context,
    workers: int = typer.Option(2, "--workers", min=1, help="Processes that check the signatures."),
    as_json: bool = JsonOption,
) -> None:
    """Check every filed attestation again against the log as it stands (supervisors' audit of the
    record): which no longer verify, and why, as when an accreditation was withdrawn since."""
    from rich.progress import Progress

    from custos.assurance.reverify import reverify as check_all

    with open_store(ctx) as store, Progress(console=console, transient=True) as progress:
        task = progress.add_task("re-verifying attestations", total=None)
        report = check_all(
            store,
            workers=workers,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    if as_json:
        emit(plain(report), True)
        return
    refusals = report.refusals
    summary = f"{report.total:,} attestations: {report.verified:,} verify"
    summary += f" ({report.expired:,} of them expired)" if report.expired else ""
    summary += f", {report.refused:,} refused" + (":" if refusals else "")
    console.print(summary, highlight=False)
    for refused in refusals:
        console.print(
            f"[red]✗[/red] {refused.attestation_id} by {refused.auditor_id} "
            f"(accreditation {refused.accreditation_id}): {refused.reason}",
            highlight=False,
            soft_wrap=True,
        )
