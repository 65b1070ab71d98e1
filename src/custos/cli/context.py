"""What every command needs: the installation's settings and, when it exists, its open store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import typer

from custos.core.settings import Settings
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
    store = Store.open(state(ctx).settings)
    try:
        yield store
    finally:
        store.close()
