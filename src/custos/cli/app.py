"""The ``custos`` command line."""

from __future__ import annotations

from pathlib import Path

import typer

from custos.cli.context import CliState
from custos.cli.lazy import Lazy, LazyGroup
from custos.core.settings import load_settings

#: Every command, in the order ``custos --help`` lists them; each is imported when it runs. The
#: contributions declare them (``custos.installation``); importing those to list them would cost
#: ``--help`` the store and every payload model, so this table mirrors them, and a test holds
#: the two equal.
COMMANDS = {
    "init": Lazy(
        "custos.cli.serve_cmds:init",
        "Create the database, the log's signing key and an empty log, and register the authority.",
    ),
    "serve": Lazy(
        "custos.cli.serve_cmds:serve", "Serve the dashboard, the REST API and the transparency log."
    ),
    "demo": Lazy(
        "custos.cli.demo_cmd:demo",
        "Set up the demonstration (once): Epoch AI's models, the policy packs, a synthetic financial "
        "world, a stress test; then serve the dashboard and the API.",
    ),
    "db": Lazy(
        "custos.cli.db_cmds:app", "The database: migrations, replay and checking the views against the log."
    ),
    "ledger": Lazy("custos.cli.ledger_cmds:app", "The transparency log."),
    "actors": Lazy("custos.cli.access_cmds:actors", "Actors: people and systems with a role."),
    "tokens": Lazy(
        "custos.cli.token_cmds:app", "API tokens: list and revoke them (issue with `custos actors token`)."
    ),
    "orgs": Lazy(
        "custos.cli.access_cmds:orgs", "Registering organisations (list them with `custos registry orgs`)."
    ),
    "registry": Lazy(
        "custos.cli.registry_cmds:app", "The registry of organisations, models, passports and deployments."
    ),
    "policy": Lazy("custos.cli.policy_cmds:app", "Policy packs and the obligations they attach."),
    "licence": Lazy("custos.cli.licence_cmds:app", "Licences: applications, decisions, suspensions."),
    "rollout": Lazy("custos.cli.rollout_cmds:app", "Phased rollouts of licensed models."),
    "decide": Lazy(
        "custos.cli.licence_cmds:decision",
        "May this deployer serve this request with this model, now? Exit code 1 when denied.",
    ),
    "incident": Lazy("custos.cli.incident_cmds:app", "Incidents involving models."),
    "risk": Lazy(
        "custos.cli.risk_cmds:app",
        "Systemic stress tests: dependency networks, correlated failures, contagion.",
    ),
    "audit": Lazy("custos.cli.audit_cmds:app", "Auditors, engagements and signed attestations."),
    "finding": Lazy("custos.cli.finding_cmds:app", "Red-team findings, their clocks and escalation."),
    "peers": Lazy("custos.cli.peers_cmds:app", "Peer installations: notices and witnessing."),
    "escrow": Lazy(
        "custos.cli.escrow_cmds:app", "Custodial escrow of model weights: deposits, checks, release."
    ),
    "provenance": Lazy(
        "custos.cli.provenance_cmds:app",
        "Dataset commitments, sampling audits, compute plausibility and private aggregates.",
    ),
    "markets": Lazy(
        "custos.cli.markets_cmds:app",
        "Market structure: concentration per layer, single points of failure, merger review.",
    ),
    "buffers": Lazy(
        "custos.cli.buffers_cmds:app",
        "Capital and insurance held against AI deployments, verified against the latest stress run.",
    ),
    "pool": Lazy(
        "custos.cli.pool_cmds:app",
        "The liability pool: contributions called from stress tests, claims, payouts, recoveries.",
    ),
    "monitor": Lazy(
        "custos.cli.monitor_cmds:app",
        "Continuous monitoring: telemetry from deployers, alerts, correlated outages across firms.",
    ),
    "labour": Lazy(
        "custos.cli.labour_cmds:app",
        "Labour: occupations exposed to language models, displacement scenarios, safety-net costs.",
    ),
}


class Custos(LazyGroup):
    """The root group: the error boundary, over commands imported on first use."""

    lazy = COMMANDS


app = typer.Typer(
    cls=Custos,
    help="Custos: supervisory infrastructure for systemic AI risk.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
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


def main() -> None:
    app()
