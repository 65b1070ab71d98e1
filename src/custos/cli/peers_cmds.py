"""``custos peers``: recognise peer installations, send them filings, and follow the exchange
(notices both ways, refusals, the checkpoints each side cosigned), as the operator (a supervisor
of the installation)."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import typer

from custos.cli.context import open_store
from custos.cli.output import JsonOption, ReasonOption, commands, console, emit, plain, table
from custos.cli.resolve import resolve_peer
from custos.core import units
from custos.core.errors import CustosError, InvalidInput, Unavailable

if TYPE_CHECKING:
    from custos.federation.views import Identity, PeerStatus, PeerView
    from custos.store import Store

app = commands("Peer installations: notices and witnessing.")

PEER_COLUMNS = ("id", "name", "origin", "status", "kinds", "jurisdictions", "recognised_at")
OUTGOING_COLUMNS = ("id", "peer", "kind", "filing_id", "status", "flagged_at", "attempts", "last_error")
INCOMING_COLUMNS = ("id", "peer", "kind", "filing_id", "received_at")
REFUSAL_COLUMNS = ("at", "origin", "notice_id", "reason", "detail")
STATUS_COLUMNS = (
    "peer",
    "status",
    "our log cosigned",
    "its log cosigned",
    "pending",
    "last acknowledged",
    "last received",
    "last error",
)
ROUND_COLUMNS = ("peer", "cosigned_size", "sent", "acknowledged", "refused", "error")
MOMENTS = {name: units.timestamp for name in ("recognised_at", "flagged_at", "received_at", "at")}


def fingerprint(vkey: str) -> str:
    """A short digest of a verifier key, for two supervisors to compare out of band (by phone,
    in a letter): the SHA-256 of the whole key text, written as ``ssh-keygen -l`` writes its own."""
    digest = hashlib.sha256(vkey.encode()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def fetch_identity(url: str) -> Identity:
    """What the installation at ``url`` says it is (``GET /v1/federation/identity``)."""
    from custos.client import CustosClient

    try:
        with CustosClient(url, timeout=15.0) as peer:
            return peer.federation_identity()
    except CustosError as exc:
        raise Unavailable(
            f"could not fetch the identity of {url}: {exc}; give --origin, --log-key and "
            "--witness-key to recognise it without asking it"
        ) from exc


def _identity_lines(identity: Identity) -> dict[str, str]:
    return {
        "origin": identity.origin,
        "log_key": identity.log_key,
        "log_key_fingerprint": fingerprint(identity.log_key),
        "witness_key": identity.witness_key,
        "witness_key_fingerprint": fingerprint(identity.witness_key),
    }


@app.command()
def identity(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """This installation as a peer recognises it: its log's origin, its log key and its witness
    key, with their fingerprints for the other supervisor to confirm out of band."""
    from custos.federation.service import FederationService

    with open_store(ctx) as store:
        own = FederationService(store).identity()
    emit(_identity_lines(own), as_json)


def _list(values: str) -> list[str]:
    return [value.strip() for value in values.split(",") if value.strip()]


def _confirmed(url: str, given: Mapping[str, str | None], as_json: bool) -> dict[str, str]:
    """The origin and keys to recognise: those given, and the rest fetched from the peer, which
    must agree with every one given."""
    if all(given.values()):
        return {name: str(value) for name, value in given.items()}
    fetched = _identity_lines(fetch_identity(url))
    shown = f"{url} says it is {fetched['origin']}\n  log key     {fetched['log_key_fingerprint']}\n"
    shown += f"  witness key {fetched['witness_key_fingerprint']}"
    if as_json:
        typer.echo(shown, err=True)  # standard output stays the peer's JSON
    else:
        console.print(shown, highlight=False, soft_wrap=True)
    for name, value in given.items():
        if value and value != fetched[name]:
            what = name.replace("_", " ")
            found = fetched[name] if name == "origin" else fetched[f"{name}_fingerprint"]
            expected = value if name == "origin" else fingerprint(value)
            raise InvalidInput(
                f"the {what} {url} answers with ({found}) is not the one given ({expected}): "
                "nothing recognised; confirm the key with the peer's supervisor out of band"
            )
    return {name: fetched[name] for name in given}


@app.command()
def add(
    ctx: typer.Context,
    url: str = typer.Option(..., "--url", help="Where the peer's API answers."),
    kinds: str = typer.Option(
        ...,
        "--kinds",
        help="Kinds of filing exchanged, comma-separated (incident.reported,licence.suspended).",
    ),
    name: str | None = typer.Option(None, "--name", help="What to call the peer; its origin if not given."),
    jurisdictions: list[str] = typer.Option(
        [],
        "--jurisdiction",
        "-j",
        help="A jurisdiction the filings may concern; repeat for several; none: any.",
    ),
    fields: list[str] = typer.Option(
        [], "--field", help="A confidential field the peer may be shown; repeat for several."
    ),
    log_key: str | None = typer.Option(
        None,
        "--log-key",
        help="The peer's log key as its supervisor gave it out of band. The key fetched from the "
        "URL must be this one, or nothing is recognised: a key fetched over the network alone "
        "proves nothing about who answered.",
    ),
    witness_key: str | None = typer.Option(None, "--witness-key", help="The peer's witness key."),
    origin: str | None = typer.Option(None, "--origin", help="The peer's log origin."),
    note: str | None = typer.Option(None, "--note", help="For supervisors only."),
    as_json: bool = JsonOption,
) -> None:
    """Recognise a peer installation for a scope (or change the terms of one recognised before).
    What is not given of its origin and keys is fetched from URL, and the fingerprints fetched are
    shown; a --log-key given must match the one fetched."""
    from custos.access.service import operator
    from custos.federation.model import PeerRecognised
    from custos.federation.service import FederationService
    from custos.filings import parse

    given = {"origin": origin, "log_key": log_key, "witness_key": witness_key}
    keys = _confirmed(url, given, as_json)
    scope: dict[str, Any] = {"kinds": _list(kinds), "jurisdictions": jurisdictions, "fields": fields}
    terms: dict[str, Any] = {**keys, "name": name or keys["origin"], "url": url, "scope": scope}
    if note:
        terms["note"] = note
    recognised = parse(PeerRecognised, terms, "peer")
    with open_store(ctx) as store:
        peer = FederationService(store).recognise(recognised, by=operator(store))
    emit(_peer_row(peer) if not as_json else plain(peer), as_json, formats=MOMENTS)


def _peer_row(peer: PeerView) -> dict[str, Any]:
    row = plain(peer)
    scope = row.pop("scope")
    return {**row, "kinds": scope["kinds"], "jurisdictions": scope["jurisdictions"] or "any"}


@app.command("list")
def list_peers(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """The peers recognised, in any standing, with the scope granted each."""
    from custos.access.service import operator
    from custos.federation.service import FederationService

    with open_store(ctx) as store:
        found = FederationService(store).peers(by=operator(store))
    if as_json:
        emit(plain(found), True)
        return
    emit([_peer_row(peer) for peer in found], False, PEER_COLUMNS, "Peers", MOMENTS)


def _step(ctx: typer.Context, peer: str, step: str, reason: str, as_json: bool) -> None:
    from custos.access.service import operator
    from custos.federation.service import FederationService

    with open_store(ctx) as store:
        service, peer_id = FederationService(store), resolve_peer(store, peer)
        taken = getattr(service, step)(peer_id, reason, by=operator(store))
    emit(plain(taken) if as_json else _peer_row(taken), as_json, formats=MOMENTS)


@app.command()
def withdraw(ctx: typer.Context, peer: str, reason: str = ReasonOption, as_json: bool = JsonOption) -> None:
    """Stop exchanging notices with PEER (id, name or origin); what was exchanged stays on the record."""
    _step(ctx, peer, "withdraw", reason, as_json)


@app.command()
def clear(ctx: typer.Context, peer: str, reason: str = ReasonOption, as_json: bool = JsonOption) -> None:
    """Accept notices from a flagged PEER again, once its flag was looked into."""
    _step(ctx, peer, "clear", reason, as_json)


@app.command()
def send(ctx: typer.Context, peer: str, filing_id: str, as_json: bool = JsonOption) -> None:
    """Flag a filing for PEER (one of a kind and jurisdiction within its scope); it is sent at the
    next round (`custos peers sync`, or the server's own)."""
    from custos.access.service import operator
    from custos.federation.service import FederationService

    with open_store(ctx) as store:
        flagged = FederationService(store).flag(resolve_peer(store, peer), filing_id, by=operator(store))
    emit(plain(flagged), as_json, formats=MOMENTS)


def _peer_names(store: Store) -> dict[str, str]:
    from custos.access.service import operator
    from custos.federation.service import FederationService

    return {peer.id: peer.name for peer in FederationService(store).peers(by=operator(store))}


def _named(rows: Sequence[Mapping[str, Any]], names: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{**row, "peer": names.get(row["peer_id"], row["peer_id"])} for row in rows]


@app.command()
def notices(
    ctx: typer.Context,
    incoming: bool = typer.Option(False, "--in", help="Only notices received from peers."),
    outgoing: bool = typer.Option(False, "--out", help="Only notices flagged for peers."),
    peer: str | None = typer.Option(None, "--peer", help="One peer, by id, name or origin."),
    limit: int = typer.Option(100, "--limit", min=1, max=500),
    as_json: bool = JsonOption,
) -> None:
    """Notices both ways, newest first: received (verified against the sender's log) and sent
    (pending until the peer's signed receipt comes back)."""
    from custos.access.service import operator
    from custos.federation.service import FederationService

    both = incoming == outgoing
    found: dict[str, Any] = {}
    with open_store(ctx) as store:
        service, by = FederationService(store), operator(store)
        peer_id = resolve_peer(store, peer) if peer else None
        names = _peer_names(store)
        if incoming or both:
            found["incoming"] = plain(service.incoming(by=by, peer_id=peer_id, limit=limit))
        if outgoing or both:
            found["outgoing"] = plain(service.outgoing(by=by, peer_id=peer_id, limit=limit))
    if as_json:
        emit(found, True)
        return
    if "incoming" in found:
        table(_named(found["incoming"], names), INCOMING_COLUMNS, "Received", MOMENTS)
    if "outgoing" in found:
        table(_named(found["outgoing"], names), OUTGOING_COLUMNS, "Sent", MOMENTS)


@app.command()
def refusals(
    ctx: typer.Context,
    peer: str | None = typer.Option(None, "--peer", help="One peer, by id, name or origin."),
    limit: int = typer.Option(100, "--limit", min=1, max=500),
    as_json: bool = JsonOption,
) -> None:
    """Notices this installation refused, newest first, each with its reason."""
    from custos.access.service import operator
    from custos.federation.service import FederationService

    with open_store(ctx) as store:
        peer_id = resolve_peer(store, peer) if peer else None
        found = FederationService(store).refusals(by=operator(store), peer_id=peer_id, limit=limit)
    emit(plain(found), as_json, None if as_json else REFUSAL_COLUMNS, "Refusals", MOMENTS)


def _cosigned(size: int | None, at: Any) -> str:
    """A size cosigned and when, as a person reads it: 1,204 at 2026-12-03 16:45 UTC."""
    if not size:
        return units.MISSING
    return f"{units.count(size)} at {units.timestamp(at)}" if at else units.count(size)


def _status_row(found: PeerStatus) -> dict[str, Any]:
    return {
        "peer": found.peer.name,
        "status": found.peer.status if found.peer.flag is None else f"flagged: {found.peer.flag}",
        "our log cosigned": _cosigned(found.our_size_cosigned, found.our_cosigned_at),
        "its log cosigned": _cosigned(found.their_size_cosigned, found.their_cosigned_at),
        "pending": found.pending,
        "last acknowledged": units.timestamp(found.last_acknowledged_at),
        "last received": units.timestamp(found.last_received_at),
        "last error": found.last_error or "",
    }


@app.command()
def status(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Where the exchange with each peer stands: the size of this log it last cosigned, the size
    of its log this installation last cosigned, notices pending, the last exchanged, the last
    error."""
    from custos.access.service import operator
    from custos.federation.service import FederationService

    with open_store(ctx) as store:
        found = FederationService(store).status(by=operator(store))
    if as_json:
        emit(plain(found), True)
        return
    table([_status_row(row) for row in found], STATUS_COLUMNS, "Peers", {"pending": units.count})


@app.command()
def sync(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Run one round now, rather than at the server's next: each active peer cosigns this log's
    newest checkpoint, then receives the notices pending for it."""
    from rich.progress import Progress

    from custos.federation.sync import Sender

    with open_store(ctx) as store, Progress(console=console, transient=True) as progress:
        progress.add_task("witnessing and sending", total=None)
        rounds = [dataclasses.asdict(peer_round) for peer_round in Sender(store).run()]
    if as_json:
        emit(rounds, True)
        return
    if not rounds:
        console.print("no active peers: nothing to witness or send", highlight=False)
        return
    rows = [{**row, "peer": row["name"], "refused": len(row["refused"])} for row in rounds]
    table(rows, ROUND_COLUMNS, "Round", {"cosigned_size": units.count})
    for row in rounds:
        for refused in row["refused"]:
            console.print(f"[red]✗[/red] {row['name']}: {refused}", highlight=False, soft_wrap=True)


from custos.cli.standards_cmds import register  # noqa: E402

register(app)
