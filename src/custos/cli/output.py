"""How commands report: Rich tables for people, ``--json`` for programs, one line for errors."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

console = Console()
errors = Console(stderr=True)

JsonOption = typer.Option(False, "--json", help="Print JSON instead of a table.")
ReasonOption = typer.Option(..., "--reason", help="Why: it goes on the record with the filing.")


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str], title: str | None = None) -> None:
    view = Table(title=title)
    for column in columns:
        view.add_column(column)
    for row in rows:
        view.add_row(*(str(row.get(column, "")) for column in columns))
    console.print(view)


def emit(data: Any, as_json: bool, columns: Sequence[str] | None = None, title: str | None = None) -> None:
    """Print ``data`` as JSON, as a table (a list of rows) or as key/value lines (a mapping)."""
    if as_json:
        print_json(data)
    elif columns is not None:
        table(data, columns, title)
    elif isinstance(data, dict):
        for key, value in data.items():
            console.print(f"[bold]{key}[/bold]: {value}", highlight=False, soft_wrap=True)
    else:
        console.print(data, highlight=False, soft_wrap=True)
