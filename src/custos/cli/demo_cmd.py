"""``custos demo``: the real registry, a synthetic financial world, a stress test, the dashboard."""

from __future__ import annotations

import json
import os
import time

import typer

from custos.access.service import operator
from custos.cli.context import state
from custos.cli.output import console
from custos.cli.serve_cmds import DEFAULT_ORIGIN, port_free, serve
from custos.core import units
from custos.demo import seed
from custos.demo.assurance import seed_assurance
from custos.demo.buffers import seed_buffers
from custos.demo.escrow import seed_escrow
from custos.demo.incidents import seed_incidents
from custos.demo.labour import seed_labour
from custos.demo.markets import seed_markets
from custos.demo.monitoring import seed_monitoring, start_live_outage
from custos.demo.pool import seed_pool
from custos.demo.provenance import seed_provenance
from custos.installation import create_installation, open_store
from custos.store import Store

TOKENS = "demo-tokens.json"


def demo(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    no_serve: bool = typer.Option(False, "--no-serve", help="Set up and print, but do not serve."),
) -> None:
    """Set up the demonstration (once): Epoch AI's models, the policy packs, a synthetic financial
    world, a stress test; then serve the dashboard and the API."""
    settings = state(ctx).settings
    if not no_serve:
        port_free(host, port)  # before a minute of seeding, not after it
    fresh = not (settings.home / "keys" / "log.key").exists()
    started = time.monotonic()
    if fresh:
        store = create_installation(
            settings, origin=DEFAULT_ORIGIN, authority="European AI Office", jurisdiction_code="EU"
        )
    else:
        store = open_store(settings)
    try:
        if fresh:
            _seed(store)
        size, note = store.publish_checkpoint()
    finally:
        store.close()
    console.print(f"\nSigned checkpoint of the log ({units.count(size)} entries):", style="bold")
    typer.echo(note, nl=False)
    tokens_file = settings.home / TOKENS
    if tokens_file.exists():
        console.print("\nSign in to the dashboard with one of these API tokens:", style="bold")
        for role, token in json.loads(tokens_file.read_text(encoding="utf-8")).items():
            typer.echo(f"  {role}: {token}")
    else:
        console.print("\nIssue a token to sign in with: custos actors token ACTOR_ID", highlight=False)
    console.print(f"Ready in {units.seconds(time.monotonic() - started)}.", highlight=False)
    if not no_serve:
        console.print(
            f"Dashboard: http://{host}:{port}/   public portal: http://{host}:{port}/portal", style="bold"
        )
        console.print(
            "Live telemetry replays the last half hour; a host fails ten simulated minutes in (about "
            "40 seconds from now): watch the Monitoring page.",
            highlight=False,
        )
        start_live_outage(lambda: open_store(settings))
        serve(
            ctx,
            host=host,
            port=port,
            checkpoint_interval=5.0,
            decision_log_rate=0.0,
            risk_scheduler=None,
            risk_memory_limit=4.0,
        )


def _seed(store: Store) -> None:
    by = operator(store)
    with console.status("importing Epoch AI's model table and evaluating the policy packs"):
        seed.seed_registry(store, by, console.print)
    with console.status("adding the synthetic financial world and its deployments"):
        world = seed.seed_world(store, by, console.print)
    tokens = seed.issue_tokens(store, by, world)
    with console.status("accrediting an audit firm, filing its attestation and a red-team finding"):
        tokens["auditor"] = seed_assurance(store, by, console.print)
    with console.status("reporting two incidents"):
        seed_incidents(store, by, console.print)
    with console.status("appointing custodians and placing stand-in weights in escrow"):
        tokens["custodian"] = seed_escrow(store, by, console.print)
    with console.status("committing a training-data manifest, auditing a sample, publishing aggregates"):
        seed_provenance(store, by, max(world.hosts, key=world.hosts.__getitem__), console.print)
    with console.status("assessing single points of failure, reviewing a merger"):
        seed_markets(store, by, console.print)
    path = store.settings.home / TOKENS
    path.write_text(json.dumps(tokens, indent=1), encoding="utf-8")
    os.chmod(path, 0o600)
    with console.status("running the stress test"):
        status = seed.run_stress_test(store, by)
    headline = status.headline
    assert headline is not None  # a finished run has its figures
    console.print(
        f"Stress test '{status.scenario}': expected loss {units.money(headline.expected_loss, 'EUR')}, "
        f"expected shortfall (99%) {units.money(headline.expected_shortfall['0.99'], 'EUR')}, "
        f"expected defaults {units.number(headline.expected_defaults)}.",
        highlight=False,
    )
    with console.status("running a labour scenario on the registry's deployments"):
        seed_labour(store, by, lambda text: console.print(text, highlight=False))
    with console.status("declaring capital and insurance against the run"):
        seed_buffers(store, by, lambda text: console.print(text, highlight=False))
    with console.status("calling contributions to the liability pool, paying a claim"):
        seed_pool(store, by, lambda text: console.print(text, highlight=False))
    with console.status("enrolling deployments in continuous monitoring and sending their telemetry"):
        seed_monitoring(store, by, lambda text: console.print(text, highlight=False))
