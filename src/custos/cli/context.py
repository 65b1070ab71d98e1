"""What every command needs: the installation's settings and, when it exists, its open store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import typer

from custos.core.settings import Settings

if TYPE_CHECKING:
    from custos.store import Store


@dataclass
class CliState:
    settings: Settings
    verbose: bool = False


def state(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    value: CliState = root.obj
    return value


@contextmanager
def open_store(ctx: typer.Context) -> Iterator[Store]:
    """The open store; if the command grew the log, a signed checkpoint of it when it finishes.

    Without one, ``ledger status`` and anyone reading the log from outside would see the last
    checkpoint the server or an earlier command signed, however much was filed since.
    """
    from custos.installation import open_store as open_installation  # only commands that need it pay

    store = open_installation(state(ctx).settings)
    try:
        size = store.tiles.stored_size()
        yield store
        if store.tiles.stored_size() > size:
            store.publish_checkpoint()
    finally:
        store.close()
