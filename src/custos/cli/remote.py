"""Where a command acts: on the installation's own files as its operator, or through an
installation's API as the actor a token was issued to.

The commands a provider, custodian, auditor or vendor runs on its own machine take ``--url`` and
``--token``; without them a command acts locally as the operator (a supervisor).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer

from custos.cli.context import open_store
from custos.core.errors import InvalidInput

if TYPE_CHECKING:
    from custos.access.model import Principal
    from custos.client import CustosClient
    from custos.store import Store

UrlOption = typer.Option(
    None, "--url", help="Act through the installation's API at URL (with --token), not on the local store."
)
TokenOption = typer.Option(
    None, "--token", envvar="CUSTOS_TOKEN", help="Your API token, for --url.", show_default=False
)


def connect(url: str, token: str | None) -> CustosClient:
    """A client of the installation at ``url``, acting as the actor ``token`` was issued to, or
    as the public without one."""
    from custos.client import CustosClient

    return CustosClient(url, token)


def remote(url: str | None, token: str | None) -> tuple[str, str] | None:
    """(url, token) when the command acts through an API; None when it acts on the local store."""
    if url is None:
        return None
    if not token:
        raise InvalidInput("--url needs --token (or CUSTOS_TOKEN): the API acts as the token's actor")
    return url, token


@contextmanager
def local_operator(ctx: typer.Context) -> Iterator[tuple[Store, Principal]]:
    """The local store and its operator (a supervisor of the installation)."""
    from custos.access.service import operator

    with open_store(ctx) as store:
        yield store, operator(store)


@contextmanager
def acting(
    ctx: typer.Context,
    url: str | None,
    token: str | None,
    local: Callable[[Store, Principal], Any],
    *,
    public: bool = False,
) -> Iterator[Any]:
    """The installation a command acts on: a client of its API with ``--url``, else what ``local``
    makes of the local store and its operator (a class with the client's methods). A ``public``
    read goes through the API with or without a token: the API serves it to anyone."""
    if public and url is not None:
        with connect(url, token or None) as client:
            yield client
        return
    api = remote(url, token)
    if api:
        with connect(*api) as client:
            yield client
    else:
        with local_operator(ctx) as (store, by):
            yield local(store, by)
