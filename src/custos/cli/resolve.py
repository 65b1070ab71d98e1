"""Organisations, models and deployments named on the command line by id or by name.

People know "Bank AG" and "GPT-4o", not ULIDs, so every option that names one of them takes
either. A name matches in any case; a name that matches several is refused with the candidates,
since acting on the wrong model is worse than asking.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from custos.core.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from custos.store import Store

ORGANISATION = ("organisation",)
MODEL = ("model",)
DEPLOYMENT = ("deployment",)
SUBJECT = ("model", "deployment")
ANY = ("model", "deployment", "organisation")

#: How many candidates an ambiguous name lists.
SHOWN = 5

_LISTING = {"organisation": "orgs", "model": "models", "deployment": "deployments"}


def resolve(store: Store, reference: str, kinds: tuple[str, ...]) -> str:
    """The id of the one organisation, model or deployment (of ``kinds``) that ``reference``
    identifies or names. Among names differing only in case, the one written exactly wins."""
    from custos.store import registry_views

    with store.read() as conn:
        found = [
            row
            for kind in kinds
            for row in registry_views.named_or_identified(conn, kind, reference, SHOWN + 1)
        ]
    by_id = [row for row in found if row["id"] == reference]
    exact = [row for row in found if row["name"] == reference]
    chosen = by_id or (exact if len(exact) == 1 else found)
    if len(chosen) == 1:
        return str(chosen[0]["id"])
    what = " or ".join([", ".join(kinds[:-1]), kinds[-1]] if len(kinds) > 1 else kinds)
    if not chosen:
        searches = " or ".join(f"`custos registry {_LISTING[kind]} --search TEXT`" for kind in kinds)
        raise NotFound(f"no {what} {reference!r} (by id or name); find it with {searches}")
    lines = [_candidate(row) for row in chosen[:SHOWN]]
    if len(chosen) > SHOWN:
        lines.append("  ...")
    raise InvalidInput(f"{reference!r} names more than one {what}; give the id:\n" + "\n".join(lines))


def resolve_optional(store: Store, reference: str | None, kinds: tuple[str, ...]) -> str | None:
    """As :func:`resolve`, for an option that may be left out."""
    return None if reference is None else resolve(store, reference, kinds)


def _candidate(row: dict[str, Any]) -> str:
    details = [row[key] for key in ("version", "owner") if row.get(key)]
    suffix = f" ({', '.join(details)})" if details else ""
    return f"  {row['id']}  {row['kind']} {row['name']}{suffix}"


def resolve_peer(store: Store, reference: str) -> str:
    """The id of the peer installation that ``reference`` identifies, names (in any case) or
    whose log's origin it is. An installation has few peers, so they are all read."""
    from custos.store import federation_views

    with store.read() as conn:
        peers = federation_views.peers(conn)
    by_id = [row for row in peers if reference in (row["id"], row["origin"])]
    named = [row for row in peers if row["name"].casefold() == reference.casefold()]
    exact = [row for row in named if row["name"] == reference]
    chosen = by_id or (exact if len(exact) == 1 else named)
    if len(chosen) == 1:
        return str(chosen[0]["id"])
    if not chosen:
        raise NotFound(f"no peer {reference!r} (by id, name or origin); see `custos peers list`")
    lines = [f"  {row['id']}  {row['name']} ({row['origin']}, {row['status']})" for row in chosen[:SHOWN]]
    raise InvalidInput(f"{reference!r} names more than one peer; give the id:\n" + "\n".join(lines))
