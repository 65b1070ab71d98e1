"""``custos peers import-pack`` and ``custos peers import-accreditations``: take over a peer's
policy pack version or its auditor accreditations, proved against the peer's log, as the
operator (a supervisor of the installation)."""

from __future__ import annotations

import typer

from custos.cli.context import open_store
from custos.cli.output import JsonOption, console, emit, plain
from custos.cli.resolve import resolve_peer

ACCREDITATION_COLUMNS = ("id", "organisation_id", "valid_until", "recognised_from")
ORGANISATION_COLUMNS = ("id", "name", "registered")
#: How a person reads where an accreditation came from (the peer's log) and an organisation's fate.
FORMATS = {
    "recognised_from": lambda found: found["origin"] if found else "",
    "registered": lambda registered: "registered now" if registered else "already here",
}


def import_pack(
    ctx: typer.Context,
    peer: str = typer.Argument(..., help="The peer, by id, name or origin."),
    pack_id: str = typer.Argument(..., help="The pack's id at the peer."),
    version: str | None = typer.Option(
        None, "--version", help="Its version; the one active there if left out."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Load here a peer's pack version, once proved against the peer's log."""
    from custos.access.service import operator
    from custos.federation.standards import StandardsService

    with open_store(ctx) as store:
        imported = StandardsService(store).import_pack(
            resolve_peer(store, peer), pack_id, version, by=operator(store)
        )
    emit(plain(imported), as_json)


def import_accreditations(
    ctx: typer.Context,
    peer: str = typer.Argument(..., help="The peer, by id, name or origin."),
    organisation: str | None = typer.Option(
        None, "--organisation", help="Only this auditor's accreditations, by the peer's id for it."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Accredit here the auditors the peer accredits, once each accreditation is proved against the
    peer's log; an auditor's organisation is registered by its name unless one of that name is."""
    from custos.access.service import operator
    from custos.federation.standards import StandardsService

    with open_store(ctx) as store:
        imported = StandardsService(store).import_accreditations(
            resolve_peer(store, peer), organisation, by=operator(store)
        )
    if as_json:
        emit(plain(imported), True)
        return
    emit(
        plain(imported.organisations),
        False,
        columns=ORGANISATION_COLUMNS,
        title="Organisations",
        formats=FORMATS,
    )
    emit(
        plain(imported.accredited), False, columns=ACCREDITATION_COLUMNS, title="Accredited", formats=FORMATS
    )
    for filing_id in imported.already:
        console.print(f"already recognised here: the peer's filing {filing_id}", highlight=False)


def register(app: typer.Typer) -> None:
    """Attach the commands to the ``peers`` group."""
    app.command("import-pack")(import_pack)
    app.command("import-accreditations")(import_accreditations)
