"""``custos escrow``: custodial escrow of model weights, from the custodians' keys to a release.

Most commands act as the installation's operator (a supervisor) on the local store. The three a
provider or custodian runs on its own machine (``deposit``, ``confirm``, ``approve``) also take
``--url`` and ``--token``: then they act as that token's actor through the installation's API.
Locally the operator may relay a custodian's statements, since the service checks their
signatures against the custodian's appointment; a custodian's share is then read from the file
the custodian was served (``--share``), because the service serves a share to its custodian only.

Sealing, splitting and opening happen in this process: the plaintext, the data key and the
shares never reach the installation, and nothing printed carries a share or a secret key.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from custos.cli.output import JsonOption, ReasonOption, commands, console, emit, plain, table
from custos.cli.remote import TokenOption, UrlOption, connect, local_operator, remote
from custos.core import units
from custos.core.errors import Conflict, CustosError, IntegrityFailure, InvalidInput, NotFound

if TYPE_CHECKING:
    from custos.escrow.model import EscrowDeposited
    from custos.escrow.service import EscrowService
    from custos.escrow.views import DepositView, ReleaseView, ShareView
    from custos.store import Store

app = commands("Custodial escrow of model weights: deposits, checks, release.")

IdentityOption = typer.Option(
    ..., "--identity", help="The age identity file (from keygen or release-request)."
)
WorkersOption = typer.Option(2, "--workers", min=1, max=64, help="Threads that encrypt and hash.")
SigningKeyOption = typer.Option(..., "--key", help="The custodian's private signing key (PEM).")
ShareOption = typer.Option(
    None, "--share", help="Locally: the share the custodian was served (GET .../share), as JSON."
)

#: File names keygen writes in its directory.
IDENTITY_FILE = "custodian.age"
SIGNING_KEY_FILE = "custodian-signing.pem"
#: The name the passport is deposited under when the paths hold none.
PASSPORT_FILE = "passport.cdx.json"

MOMENTS = {
    name: units.timestamp
    for name in ("deposited_at", "appointed_at", "requested_at", "confirmed_at", "due_at", "audited_at")
}
CUSTODIAN_COLUMNS = (
    "id",
    "organisation_id",
    "recipient",
    "confirm_every_days",
    "valid_until",
    "status",
    "in_force",
)
DEPOSIT_COLUMNS = ("id", "model_id", "passport", "size", "custodians", "deposited_at")
HOLDER_COLUMNS = ("appointment_id", "organisation_id", "confirmed_at", "due_at", "missed", "overdue")
RELEASE_COLUMNS = ("id", "deposit_id", "grounds", "status", "approvals", "requested_at")
APPROVAL_COLUMNS = ("appointment_id", "organisation_id", "approved_at")
AUDIT_COLUMNS = ("deposit_id", "id", "indices", "passed", "audited_at")


def _yes_no(value: Any) -> str:
    return "yes" if value else "no"


# -- where a command acts: the local store, or an installation's API --------------------------


def _service(store: Store) -> EscrowService:
    from custos.escrow.service import EscrowService

    return EscrowService(store)


# -- files a custodian or a supervisor keeps ---------------------------------------------------


def _write_secret(path: Path, text: str) -> None:
    """Write ``text`` to a new file readable by its owner only; an existing file is never replaced."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise InvalidInput(f"{path} exists: a secret key file is never overwritten") from exc
    with os.fdopen(descriptor, "w", encoding="ascii") as out:
        out.write(text)


def _identity_text(identity: str, recipient: str) -> str:
    """An identity file as age writes one, so the age tools read it too."""
    created = datetime.now(UTC).replace(microsecond=0).isoformat()
    return f"# created: {created}\n# public key: {recipient}\n{identity}\n"


def read_identity(path: Path) -> str:
    """The age X25519 identity in ``path`` (comment lines aside), checked; the refusal never quotes it."""
    from custos.escrow.shares import check_identity

    try:
        lines = path.read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read the identity file {path}") from exc
    keys = [line.strip() for line in lines if line.strip().upper().startswith("AGE-SECRET-KEY-")]
    if len(keys) != 1:
        held = "none" if not keys else str(len(keys))
        raise InvalidInput(f"{path} should hold one age identity (AGE-SECRET-KEY-1…); it holds {held}")
    return check_identity(keys[0])


def _recipient_of(identity: str) -> str:
    import pyrage  # type: ignore[import-untyped]

    return str(pyrage.x25519.Identity.from_str(identity).to_public())


def _read_share(path: Path) -> ShareView:
    from custos.cli.documents import read_document
    from custos.escrow.views import ShareView
    from custos.filings import parse

    return parse(ShareView, read_document(path), "share")


def _public_key(path: Path) -> dict[str, object]:
    from custos.assurance.keys import key_from_pem

    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from exc
    if b"PRIVATE KEY-----" in pem:
        raise InvalidInput(
            f"{path} is a private key: an appointment lists the public half (the .pub file keygen "
            "wrote), and the private key never leaves the custodian"
        )
    return key_from_pem(pem, str(path))


@contextmanager
def _progress(total: int, what: str, quiet: bool) -> Iterator[Any]:
    """A progress bar over ``total`` bytes, and the callback the sealed stream reports chunks to."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(binary_units=True),
        TransferSpeedColumn(),
        console=console,
        transient=True,
        disable=quiet,
    ) as bar:
        task = bar.add_task(what, total=total)
        yield lambda done: bar.advance(task, done)


# -- custodians --------------------------------------------------------------------------------


@app.command()
def keygen(
    out: Path = typer.Option(..., "--out", help="The directory to write the custodian's keys to."),
    as_json: bool = JsonOption,
) -> None:
    """Make a custodian's keys in DIR: an age X25519 identity (custodian.age, mode 0600) that
    shares are encrypted to, and an Ed25519 signing key (custodian-signing.pem, and .pub) for its
    custody statements. Nothing is ever overwritten; the identity never leaves the file."""
    import pyrage

    from custos.assurance.keys import generate_key

    identity_path, key_path = out / IDENTITY_FILE, out / SIGNING_KEY_FILE
    for path in (identity_path, key_path, key_path.with_name(key_path.name + ".pub")):
        if path.exists():
            raise InvalidInput(f"{path} exists: a custodian's keys are never overwritten")
    out.mkdir(parents=True, exist_ok=True)
    identity = pyrage.x25519.Identity.generate()
    recipient = str(identity.to_public())
    _write_secret(identity_path, _identity_text(str(identity), recipient))
    key = generate_key(key_path)
    emit(
        {
            "identity": str(identity_path),
            "recipient": recipient,
            "signing_key": str(key_path),
            "public_key": f"{key_path}.pub",
            "key": key,
        },
        as_json,
    )


@app.command()
def appoint(
    ctx: typer.Context,
    organisation: str = typer.Argument(..., help="The custodian organisation, id or name."),
    recipient: str = typer.Option(..., "--recipient", help="Its age X25519 recipient (age1...)."),
    keys: list[Path] = typer.Option(
        ..., "--key", help="A PEM public key that signs its statements; repeat for several."
    ),
    valid_until: str = typer.Option(..., "--valid-until", help="YYYY-MM-DD."),
    valid_from: str | None = typer.Option(None, "--valid-from", help="YYYY-MM-DD; today if not given."),
    confirm_every: int | None = typer.Option(
        None, "--confirm-every", help="Days between its custody confirmations (default 90)."
    ),
    note: str | None = typer.Option(None, "--note", help="For supervisors only."),
    as_json: bool = JsonOption,
) -> None:
    """Appoint an organisation custodian of key shares (supervisors)."""
    from custos.cli.resolve import ORGANISATION, resolve
    from custos.escrow.model import CustodianAppointed
    from custos.filings import parse

    terms: dict[str, Any] = {
        "recipient": recipient,
        "keys": [_public_key(path) for path in keys],
        "valid_from": valid_from or date.today().isoformat(),
        "valid_until": valid_until,
    }
    terms |= {k: v for k, v in (("confirm_every_days", confirm_every), ("note", note)) if v is not None}
    with local_operator(ctx) as (store, by):
        terms["organisation_id"] = resolve(store, organisation, ORGANISATION)
        appointed = _service(store).appoint(parse(CustodianAppointed, terms, "appointment"), by=by)
    emit(plain(appointed), as_json, formats=MOMENTS)


@app.command()
def custodians(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Every custodian appointment, in force or not."""
    with local_operator(ctx) as (store, _):
        found = _service(store).custodians()
    if as_json:
        emit(plain(found), True)
        return
    emit(plain(found), False, CUSTODIAN_COLUMNS, "Custodians", {"in_force": _yes_no})


@app.command("withdraw-custodian")
def withdraw_custodian(
    ctx: typer.Context, appointment: str, reason: str = ReasonOption, as_json: bool = JsonOption
) -> None:
    """End an appointment: the custodian takes no new shares and keeps those it holds until the
    deposits are renewed."""
    with local_operator(ctx) as (store, by):
        withdrawn = _service(store).withdraw(appointment, reason, by=by)
    emit(plain(withdrawn), as_json, formats=MOMENTS)


# -- deposits ----------------------------------------------------------------------------------


def _check_custodians(chosen: Sequence[Any], threshold: int) -> None:
    """Refuse, before anything is sealed, a split no deposit can hold."""
    ids = [custodian.id for custodian in chosen]
    repeated = sorted({appointment for appointment in ids if ids.count(appointment) > 1})
    if repeated:
        raise InvalidInput(
            f"custodian appointment {', '.join(repeated)} is named twice: each share goes to a "
            "different custodian"
        )
    if len(chosen) < 2:
        raise InvalidInput("a deposit's key is split among at least two custodians")
    if not 2 <= threshold <= len(chosen):
        raise InvalidInput(f"the threshold must be between 2 and {len(chosen)} (the custodians named)")


def _declared(detail: Any, model_id: str) -> tuple[int, float | None]:
    """The model's current passport version and the parameters it declares."""
    if detail.passport is None:
        raise InvalidInput(f"model {model_id} has no passport: file one before depositing its weights")
    compute = detail.passport.passport.compute
    return detail.passport.version, compute.parameters if compute is not None else None


def _deposit_locally(ctx: typer.Context, model: str, seal: Any) -> DepositView:
    from custos.cli.resolve import MODEL, resolve
    from custos.registry.exports import export_model
    from custos.registry.service import RegistryService

    with local_operator(ctx) as (store, by):
        model_id = resolve(store, model, MODEL)
        registry = RegistryService(store)
        version, parameters = _declared(registry.model(by, model_id), model_id)
        passport, _ = export_model(registry, by, model_id, "cyclonedx")
        payload = seal(model_id, version, parameters, passport, _service(store).custodians())
        view: DepositView = _filed(payload, lambda: _service(store).deposit(payload, by=by))
    return view


def _deposit_remotely(url: str, token: str, model: str, seal: Any) -> DepositView:
    import json

    with connect(url, token) as client:
        version, parameters = _declared(client.model(model), model)
        passport = json.dumps(client.export_passport(model), indent=2, ensure_ascii=False)
        payload = seal(model, version, parameters, passport, client.custodians())
        view: DepositView = _filed(payload, lambda: client.file_deposit(payload))
    return view


def _filed(payload: EscrowDeposited, file: Any) -> Any:
    """File the deposit; if the installation refuses it, the sealed files are removed from the store."""
    from custos.escrow.vault import Vault

    try:
        return file()
    except BaseException:
        Vault(payload.vault).discard(payload.reference)
        raise


@app.command()
def deposit(
    ctx: typer.Context,
    model: str = typer.Argument(..., help="The model, id (or, locally, name)."),
    paths: list[Path] = typer.Argument(..., help="The model's files and directories."),
    vault: str = typer.Option(..., "--vault", help="The escrow store: a directory or an fsspec URL."),
    custodian: list[str] = typer.Option(
        ..., "--custodian", help="A custodian, by appointment or organisation id; repeat for each."
    ),
    threshold: int = typer.Option(
        ..., "--threshold", help="How many custodians it takes to open the deposit."
    ),
    reference: str | None = typer.Option(
        None, "--reference", help="The deposit's folder in the store; a fresh one if not given."
    ),
    tolerance: float | None = typer.Option(
        None, "--tolerance", help="Relative difference allowed between counted and declared parameters."
    ),
    workers: int = WorkersOption,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Seal a model's files into escrow on this machine and file the deposit: each file encrypted
    under a fresh data key, the key split among the custodians, each share encrypted to its
    custodian. The model's current passport is deposited with the files."""
    from custos.escrow.components import gather
    from custos.escrow.depositing import DepositPlan, custodians_named, default_reference, prepare_deposit
    from custos.escrow.weight_formats import DEFAULT_TOLERANCE

    def seal(model_id: str, version: int, parameters: float | None, passport: str, available: Any) -> Any:
        chosen = custodians_named(available, custodian)
        _check_custodians(chosen, threshold)
        total = sum(component.size for component in gather(paths)) + len(passport.encode())
        with tempfile.TemporaryDirectory(prefix="custos-passport-") as folder:
            passport_file = Path(folder) / PASSPORT_FILE
            passport_file.write_text(passport, encoding="utf-8")
            plan = DepositPlan(
                model_id=model_id,
                passport_version=version,
                declared_parameters=parameters,
                paths=tuple(paths),
                vault=vault,
                reference=reference or default_reference(model_id),
                custodians=chosen,
                threshold=threshold,
                passport_file=passport_file,
                tolerance=DEFAULT_TOLERANCE if tolerance is None else tolerance,
            )
            with _progress(total, "sealing", as_json) as progress:
                return prepare_deposit(plan, workers=workers, progress=progress)

    api = remote(url, token)
    filed = _deposit_remotely(*api, model, seal) if api else _deposit_locally(ctx, model, seal)
    if as_json:
        emit(plain(filed), True)
        return
    emit(
        {
            "deposit": filed.id,
            "model": filed.model_id,
            "passport version": filed.passport_version,
            "components": len(filed.components),
            "size": units.size(filed.size),
            "chunks": units.count(filed.chunks),
            "root": filed.chunk_root,
            "custodians": f"{filed.threshold} of {len(filed.holders)} open it",
            "parameters": f"{units.count(filed.exportability.parameters)} in "
            f"{filed.exportability.shards} shards",
        },
        False,
    )
    if filed.exportability.declared is None:
        console.print(
            f"warning: passport version {filed.passport_version} declares no parameter count, so the "
            f"shards' {units.count(filed.exportability.parameters)} parameters are recorded unchecked",
            style="yellow",
            highlight=False,
        )


def _deposit_row(view: DepositView) -> dict[str, Any]:
    return {
        **plain(view),
        "passport": f"v{view.passport_version}" + ("" if view.current else ", superseded"),
        "size": units.size(view.size),
        "custodians": f"{view.threshold} of {len(view.holders)}, {view.live} live",
    }


@app.command()
def deposits(
    ctx: typer.Context,
    model: str | None = typer.Option(None, "--model", help="One model's deposits, id or name."),
    as_json: bool = JsonOption,
) -> None:
    """Deposits, newest first, with how many custodians are confirmed."""
    from custos.cli.resolve import MODEL, resolve_optional

    with local_operator(ctx) as (store, by):
        found = _service(store).deposits(by=by, model_id=resolve_optional(store, model, MODEL))
    if as_json:
        emit(plain(found), True)
        return
    emit([_deposit_row(view) for view in found], False, DEPOSIT_COLUMNS, "Deposits", MOMENTS)


@app.command()
def show(ctx: typer.Context, deposit_id: str, as_json: bool = JsonOption) -> None:
    """One deposit: its components, its custodians with their next confirmation, its last audit."""
    with local_operator(ctx) as (store, by):
        found = _service(store).get(deposit_id, by=by)
    if as_json:
        emit(plain(found), True)
        return
    shown = plain(found)
    holders, components, audit = shown.pop("holders"), shown.pop("components"), shown.pop("last_audit")
    shown.pop("digests", None)  # one line each: the components table names them
    emit({**shown, "size": units.size(found.size)}, False, formats=MOMENTS)
    rows = [{**component, "size": units.size(component["size"])} for component in components]
    table(rows, ("name", "role", "format", "size", "first_chunk", "chunks"), "Components")
    table(holders, HOLDER_COLUMNS, "Custodians", {**MOMENTS, "overdue": _yes_no})
    if audit is None:
        console.print("not audited yet", highlight=False)
    else:
        verdict = "passed" if audit["passed"] else f"failed at chunks {_failed(audit['failures'])}"
        console.print(f"last audit {units.timestamp(audit['audited_at'])}: {verdict}", highlight=False)


def _failed(failures: Sequence[dict[str, Any]]) -> str:
    return ", ".join(f"{failure['index']} ({failure['reason']})" for failure in failures)


# -- custody checks ------------------------------------------------------------------------------


@app.command()
def confirm(
    ctx: typer.Context,
    deposit_id: str,
    identity: Path = IdentityOption,
    key: Path = SigningKeyOption,
    share: Path | None = ShareOption,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Confirm custody (custodians): open your share in memory, check it against its commitment,
    and file the statement signed with your key. With --url the share is fetched with your token;
    locally the operator relays the statement, reading the share from --share."""
    from custos.assurance.keys import signer_from_file
    from custos.escrow.custodian import confirm_custody

    opened_with, signer = read_identity(identity), signer_from_file(key)
    api = remote(url, token)
    if api:
        with connect(*api) as client:
            held = client.deposit_share(deposit_id)
            statement = confirm_custody(held, opened_with, signer, datetime.now(UTC))
            confirmed = client.confirm_custody(deposit_id, statement)
    else:
        held = _local_share(share, deposit_id)
        statement = confirm_custody(held, opened_with, signer, datetime.now(UTC))
        with local_operator(ctx) as (store, by):
            confirmed = _service(store).confirm(deposit_id, statement, by=by)
    if as_json:
        emit(plain(confirmed), True)
        return
    holder = next(h for h in confirmed.holders if h.appointment_id == held.appointment_id)
    console.print(
        f"custody of deposit {deposit_id} confirmed by {held.appointment_id}; "
        f"next confirmation due {units.timestamp(holder.due_at)}",
        highlight=False,
        soft_wrap=True,
    )


def _local_share(path: Path | None, deposit_id: str) -> ShareView:
    if path is None:
        raise InvalidInput(
            "locally, give --share FILE (the share you were served, as JSON); or act through the "
            "API with --url and --token, which fetches it"
        )
    held = _read_share(path)
    if held.deposit_id != deposit_id:
        raise InvalidInput(f"{path} holds a share of deposit {held.deposit_id}, not of {deposit_id}")
    return held


@app.command()
def audit(ctx: typer.Context, deposit_id: str, as_json: bool = JsonOption) -> None:
    """Audit a deposit's storage now: chunks chosen from a signed checkpoint, each proved against
    the deposit's root. Exit code 1 when the audit fails (it is filed either way)."""
    with local_operator(ctx) as (store, by):
        done = _service(store).audit(deposit_id, by=by)
    if as_json:
        emit(plain(done), True)
    elif done.passed:
        console.print(
            f"audit {done.id} passed: chunks {', '.join(map(str, done.indices))} of deposit {deposit_id} "
            f"proved against its root (checkpoint {units.count(done.checkpoint_size)})",
            highlight=False,
            soft_wrap=True,
        )
    else:
        failures = [failure.model_dump() for failure in done.failures]
        console.print(f"audit {done.id} failed: chunks {_failed(failures)}", highlight=False, soft_wrap=True)
    if not done.passed:
        raise typer.Exit(1)


@app.command()
def sweep(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Audit every deposit due its monthly audit and escalate every overdue confirmation."""
    with local_operator(ctx) as (store, by):
        done = _service(store).sweep(by=by)
    if as_json:
        emit(plain(done), True)
        return
    if done.audits:
        table(plain(list(done.audits)), AUDIT_COLUMNS, "Audits", {**MOMENTS, "passed": _yes_no})
    if done.missed:
        table(plain(list(done.missed)), ("deposit_id", *HOLDER_COLUMNS), "Confirmations missed", MOMENTS)
    console.print(
        f"{len(done.audits)} deposits audited ({sum(not a.passed for a in done.audits)} failed), "
        f"{len(done.missed)} confirmations missed",
        highlight=False,
    )


# -- releases ----------------------------------------------------------------------------------


@app.command("release-request")
def release_request(
    ctx: typer.Context,
    deposit_id: str,
    grounds: str = typer.Option(
        ..., "--grounds", help="insolvency, court_order, systemic_incident, licence_revoked or other."
    ),
    statement: str = typer.Option(..., "--statement", help="The grounds, stated (public)."),
    reference: str | None = typer.Option(
        None, "--reference", help="A court order's or incident's reference."
    ),
    identity_out: Path = typer.Option(
        ..., "--identity-out", help="Where to write the release's one-time age identity (mode 0600)."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Ask the custodians to release a deposit (supervisors): a one-time identity is written to
    FILE, and its recipient filed for the custodians to reseal their shares to."""
    from custos.escrow.model import ReleaseRequested
    from custos.escrow.shares import new_release_identity
    from custos.filings import parse

    secret, recipient = new_release_identity()
    terms = {"deposit_id": deposit_id, "grounds": grounds, "statement": statement, "recipient": recipient}
    request = parse(
        ReleaseRequested, terms | ({"reference": reference} if reference else {}), "release request"
    )
    _write_secret(identity_out, _identity_text(secret, recipient))
    try:
        with local_operator(ctx) as (store, by):
            requested = _service(store).request_release(request, by=by)
    except BaseException:
        identity_out.unlink()  # the recipient of a release never filed opens nothing
        raise
    if as_json:
        emit(plain(requested), True)
        return
    emit(_release_summary(requested), False, formats=MOMENTS)
    console.print(
        f"the release's identity is in {identity_out}: keep it until the release is opened", highlight=False
    )


@app.command()
def approve(
    ctx: typer.Context,
    release_id: str,
    identity: Path = IdentityOption,
    key: Path = SigningKeyOption,
    share: Path | None = ShareOption,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Approve a release (custodians): your share is opened in memory, checked, resealed to the
    release's one-time recipient and filed with your signed approval."""
    from custos.assurance.keys import signer_from_file
    from custos.escrow.custodian import approve_release

    opened_with, signer = read_identity(identity), signer_from_file(key)
    api = remote(url, token)
    if api:
        with connect(*api) as client:
            release = client.release(release_id)
            held = client.deposit_share(release.deposit_id)
            approval = approve_release(release, held, opened_with, signer, datetime.now(UTC))
            approved = client.approve_release(approval)
    else:
        with local_operator(ctx) as (store, by):
            release = _service(store).release(release_id, by=by)
            held = _local_share(share, release.deposit_id)
            approval = approve_release(release, held, opened_with, signer, datetime.now(UTC))
            approved = _service(store).approve(approval, by=by)
    if as_json:
        emit(plain(approved), True)
        return
    console.print(
        f"release {release_id} approved by {held.appointment_id}: "
        f"{len(approved.approvals)} of the {approved.threshold} approvals needed",
        highlight=False,
    )


def _release_summary(release: ReleaseView) -> dict[str, Any]:
    shown = plain(release)
    shown.pop("approvals")
    return {**shown, "approvals": f"{len(release.approvals)} of {release.threshold}"}


@app.command()
def releases(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Release requests, with their approvals against the threshold."""
    with local_operator(ctx) as (store, by):
        found = _service(store).releases(by=by)
    if as_json:
        emit(plain(found), True)
        return
    emit([_release_summary(release) for release in found], False, RELEASE_COLUMNS, "Releases", MOMENTS)


@app.command("release-show")
def release_show(ctx: typer.Context, release_id: str, as_json: bool = JsonOption) -> None:
    """One release: its grounds, the custodians who approved it and whether they are a quorum."""
    with local_operator(ctx) as (store, by):
        found = _service(store).release(release_id, by=by)
    if as_json:
        emit(plain(found), True)
        return
    emit(_release_summary(found), False, formats=MOMENTS)
    if found.approvals:
        table(plain(list(found.approvals)), APPROVAL_COLUMNS, "Approvals", {"approved_at": units.timestamp})
    else:
        console.print("no custodian has approved it yet", highlight=False)


# -- opening -----------------------------------------------------------------------------------

#: What refuses an opening on account of the deposit or its shares (as opposed to a mistake in
#: the command): these are filed as the release's refused outcome.
REFUSALS = (InvalidInput, IntegrityFailure, NotFound)


@app.command("open")
def open_(
    ctx: typer.Context,
    release_id: str,
    identity: Path = IdentityOption,
    out: Path = typer.Option(..., "--out", help="An empty or new directory to decrypt the components into."),
    workers: int = WorkersOption,
    as_json: bool = JsonOption,
) -> None:
    """Open an approved release (supervisors): rebuild the key from the approved shares, decrypt
    every component into DIR and check each against the deposit's manifest. The outcome is
    filed: opened, or refused with the reason (exit code 2)."""
    from custos.escrow.model import EscrowOpened, OpenOutcome
    from custos.escrow.opening import open_release

    opened_with = read_identity(identity)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InvalidInput(f"{out} is not an empty directory: a release opens into a new or empty one")
    with local_operator(ctx) as (store, by):
        service = _service(store)
        package = service.package(release_id, by=by)
        if package.release.status != "requested":
            raise Conflict(f"release {release_id} is {package.release.status}: it is opened once")
        if _recipient_of(opened_with) != package.release.recipient:
            raise InvalidInput(
                f"{identity} is not the identity of release {release_id} (its recipient differs)"
            )
        try:
            with _progress(package.deposit.size, "opening", as_json) as progress:
                opened = open_release(package, opened_with, out, workers=workers, progress=progress)
        except REFUSALS as refusal:
            _remove_opened(out, [component.name for component in package.deposit.components])
            if package.release.quorum:
                reason = public_reason(refusal, package.deposit)
                service.record_opening(
                    EscrowOpened(release_id=release_id, outcome=OpenOutcome.REFUSED, reason=reason), by=by
                )
            raise _Refused(f"release {release_id} not opened: {refusal.diagnostics()}") from None
        verified = tuple(component.name for component in opened)
        recorded = service.record_opening(
            EscrowOpened(release_id=release_id, outcome=OpenOutcome.OPENED, verified=verified), by=by
        )
    if as_json:
        emit({"release": plain(recorded), "verified": [_opened_row(c) for c in opened]}, True)
        return
    for component in opened:
        console.print(
            f"[green]✓[/green] {component.name}  {units.size(component.size)}  sha256 {component.sha256}",
            highlight=False,
            soft_wrap=True,
        )
    console.print(
        f"release {release_id} opened into {out}: each component matches the manifest", highlight=False
    )


def public_reason(refusal: CustosError, deposit: DepositView) -> str:
    """A refusal's reason as the public record may carry it: the deposit named by its id, not by
    its reference in the store, and without the evidence, which may quote plaintext digests
    (both are for supervisors only)."""
    reason = refusal.message
    if deposit.reference:
        reason = reason.replace(f"the deposit stored as {deposit.reference}", f"deposit {deposit.id}")
        reason = reason.replace(deposit.reference, deposit.id)
    return reason[:2000]


class _Refused(CustosError):
    """An opening refused: the reason, filed when the release had its quorum."""


def _opened_row(component: Any) -> dict[str, Any]:
    return {
        "name": component.name,
        "size": units.size(component.size),
        "sha256": component.sha256,
        "path": str(component.path),
    }


def _remove_opened(out: Path, names: Sequence[str]) -> None:
    """Remove what a refused opening decrypted: nothing unverified, nor half a model, stays behind."""
    for name in names:
        (out / name).unlink(missing_ok=True)
