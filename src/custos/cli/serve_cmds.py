"""``custos init`` and ``custos serve``."""

from __future__ import annotations

import socket

import typer

from custos.cli.context import open_store, state
from custos.cli.output import JsonOption, console, emit
from custos.core import units
from custos.core.errors import InvalidInput
from custos.installation import create_installation
from custos.store import ledger_sql

DEFAULT_ORIGIN = "custos.local/log"


def init(
    ctx: typer.Context,
    origin: str = typer.Option(DEFAULT_ORIGIN, "--origin", help="The log's name in its checkpoints."),
    authority: str = typer.Option(
        "Supervisory Authority", "--authority", help="The organisation that runs this installation."
    ),
    jurisdiction: str = typer.Option("EU", "--jurisdiction", "-j", help="The authority's jurisdiction."),
    as_json: bool = JsonOption,
) -> None:
    """Create the database, the log's signing key and an empty log, and register the authority."""
    settings = state(ctx).settings
    store = create_installation(settings, origin=origin, authority=authority, jurisdiction_code=jurisdiction)
    try:
        data = {
            "home": str(settings.home),
            "database": store.engine.url.render_as_string(hide_password=True),
            "origin": origin,
            "log_key": store.log_signer.verifier.vkey,
            "authority": authority,
        }
    finally:
        store.close()
    emit(data, as_json)


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    checkpoint_interval: float = typer.Option(
        5.0, "--checkpoint-interval", min=0.0, help="Seconds between checkpoint signings (0: never)."
    ),
    decision_log_rate: float = typer.Option(
        0.0, "--decision-log-rate", min=0.0, max=1.0, help="Share of decisions filed for audit (1: all)."
    ),
    risk_scheduler: str | None = typer.Option(
        None,
        "--risk-scheduler",
        envvar="CUSTOS_RISK_SCHEDULER",
        help="Where stress tests started over HTTP run: 'local' (a Dask cluster here), tcp://host:port, "
        "or in the server's worker process (default).",
    ),
    risk_memory_limit: float = typer.Option(
        4.0,
        "--risk-memory-limit",
        envvar="CUSTOS_RISK_MEMORY_LIMIT",
        min=0.5,
        help="GiB of address space each stress test started over HTTP may use in its worker process.",
    ),
    federation_interval: float = typer.Option(
        2.0,
        "--federation-interval",
        min=0.0,
        help="Seconds between rounds with peers: witnessing and sending notices (0: never).",
    ),
) -> None:
    """Serve the dashboard, the REST API and the transparency log."""
    import uvicorn

    from custos.api import create_app

    port_free(host, port)
    with open_store(ctx) as store:
        with store.read() as conn:
            size = ledger_sql.tree_size(conn)
        console.print(
            f"Custos on http://{host}:{port}/ (dashboard; public portal at /portal; API docs at /docs) — "
            f"log of {units.count(size)} entries",
            highlight=False,
        )
        uvicorn.run(
            create_app(
                store,
                checkpoint_interval=checkpoint_interval or None,
                decision_log_rate=decision_log_rate,
                risk_scheduler=risk_scheduler,
                risk_memory_limit=int(risk_memory_limit * 2**30),
                federation_interval=federation_interval or None,
            ),
            host=host,
            port=port,
            log_level="warning",
        )


def port_free(host: str, port: int) -> None:
    """Refuse a port another program holds before saying anything is served on it."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        # as uvicorn binds: a port whose last server stopped a moment ago (its connections in
        # TIME_WAIT) is free; one a program listens on is not
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise InvalidInput(
                f"cannot serve on {host}:{port} ({exc.strerror}): choose another with --port"
            ) from exc
