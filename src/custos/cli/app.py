"""The ``custos`` command line."""

from __future__ import annotations

from pathlib import Path

import typer

from custos.cli import (
    access_cmds,
    db_cmds,
    demo_cmd,
    incident_cmds,
    ledger_cmds,
    licence_cmds,
    policy_cmds,
    registry_cmds,
    risk_cmds,
    rollout_cmds,
    serve_cmds,
)
from custos.cli.context import CliState
from custos.cli.errors import CustosGroup
from custos.core.settings import load_settings

app = typer.Typer(
    cls=CustosGroup,
    help="Custos: supervisory infrastructure for systemic AI risk.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def root(
    ctx: typer.Context,
    home: Path | None = typer.Option(
        None, "--home", envvar="CUSTOS_HOME", help="Data directory (default ./.custos).", show_default=False
    ),
    verbose: bool = typer.Option(False, "-v", "--verbose", help="Show tracebacks on errors."),
) -> None:
    ctx.obj = CliState(load_settings(home), verbose)


serve_cmds.register(app)
demo_cmd.register(app)
app.add_typer(db_cmds.app, name="db")
app.add_typer(access_cmds.actors, name="actors")
app.add_typer(access_cmds.orgs, name="orgs")
app.add_typer(ledger_cmds.app, name="ledger")
app.add_typer(registry_cmds.app, name="registry")
app.add_typer(policy_cmds.app, name="policy")
app.add_typer(licence_cmds.app, name="licence")
app.add_typer(rollout_cmds.app, name="rollout")
app.add_typer(incident_cmds.app, name="incident")
app.add_typer(risk_cmds.app, name="risk")
app.command("decide")(licence_cmds.decision)


def main() -> None:
    app()
