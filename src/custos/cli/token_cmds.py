"""``custos tokens``: the API tokens issued to actors, listed and revoked.

Issuing stays under ``custos actors token``, since a token is issued to an actor.
"""

from __future__ import annotations

import typer

from custos.access.service import TOKEN_CACHE_SECONDS, AccessService
from custos.cli.context import open_store
from custos.cli.output import JsonOption, commands, emit
from custos.core import units

app = commands("API tokens: list and revoke them (issue with `custos actors token`).")

COLUMNS = ["id", "actor_name", "status", "expires_at", "last_used_at"]
TIMES = {name: units.timestamp for name in ("created_at", "expires_at", "last_used_at", "revoked_at")}
# Tokens and actors are printed from their Python dump (``model_dump()``), so ``--json`` writes
# their times as it always has (``2099-12-31 00:00:00+00:00``) and tables format them.


@app.command("list")
def list_tokens(
    ctx: typer.Context,
    actor: str | None = typer.Option(None, "--actor", help="Only this actor's tokens (its id)."),
    as_json: bool = JsonOption,
) -> None:
    """Every token with its actor, status, expiry and last use; never a secret (``--json`` adds
    the actor's id and when each was created and revoked)."""
    with open_store(ctx) as store:
        tokens = AccessService(store).tokens(actor)
    emit([token.model_dump() for token in tokens], as_json, COLUMNS, formats=TIMES)


@app.command(
    "revoke", help=f"Revoke one token. A running server refuses it within {TOKEN_CACHE_SECONDS:g} s."
)
def revoke(ctx: typer.Context, token_id: str, as_json: bool = JsonOption) -> None:
    with open_store(ctx) as store:
        revoked = AccessService(store).revoke_token(token_id)
    emit(revoked.model_dump(), as_json, formats=TIMES)
