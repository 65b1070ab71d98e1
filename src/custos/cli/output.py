"""How commands report: Rich tables for people, ``--json`` for programs, one line for errors."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from custos.core import units

console = Console()
errors = Console(stderr=True)

#: Turns a value into the text a person reads (see ``custos.core.units``).
Format = Callable[[Any], str]

JsonOption = typer.Option(False, "--json", help="Print JSON instead of a table.")
ReasonOption = typer.Option(..., "--reason", help="Why: it goes on the record with the filing.")


def commands(help: str) -> typer.Typer:
    """A command group with plain-text help.

    Typer's Rich help prints a value type even for flags (``--json <bool>``), as if they took one.
    """
    return typer.Typer(help=help, no_args_is_help=True, rich_markup_mode=None)


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _text(value: Any, fmt: Format | None = None) -> str:
    if fmt is not None:
        return fmt(value)
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if _is_number(value):
        return units.count(value) if isinstance(value, int) else units.number(value)
    return str(value)


def _is_id(column: str) -> bool:
    return column == "id" or column.endswith("_id")


def table(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    title: str | None = None,
    formats: Mapping[str, Format] | None = None,
) -> None:
    """Rows as a table that never cuts a cell short: ids stay whole where they fit and fold where
    they cannot, so they can be copied; figures are right-aligned."""
    formats = formats or {}
    view = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False)
    for column in columns:
        values = [row.get(column) for row in rows]
        numeric = column in formats or all(_is_number(v) for v in values if v is not None)
        if _is_id(column):
            whole = max((len(str(v)) for v in values if v), default=None) if column == "id" else None
            view.add_column(column, no_wrap=True, overflow="fold", min_width=whole)
        elif numeric and values:
            view.add_column(column, justify="right", no_wrap=True, overflow="fold")
        else:
            view.add_column(column, overflow="fold")
    for row in rows:
        view.add_row(*(_text(row.get(column), formats.get(column)) for column in columns))
    console.print(view)


def emit(
    data: Any,
    as_json: bool,
    columns: Sequence[str] | None = None,
    title: str | None = None,
    formats: Mapping[str, Format] | None = None,
) -> None:
    """Print ``data`` as JSON, as a table (a list of rows) or as key/value lines (a mapping).

    ``formats`` say how a person reads a field (``units.flop``, ``units.timestamp``...); JSON keeps
    the values as they are.
    """
    if as_json:
        print_json(data)
    elif columns is not None:
        table(data, columns, title, formats)
    elif isinstance(data, dict):
        formats = formats or {}
        for key, value in data.items():
            text = _text(value, formats.get(key))
            console.print(f"[bold]{key}[/bold]: {escape(text)}", highlight=False, soft_wrap=True)
    else:
        console.print(data, highlight=False, soft_wrap=True)
