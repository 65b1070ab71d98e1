"""How commands report: Rich tables for people, ``--json`` for programs, one line for errors."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from custos.core import units

if TYPE_CHECKING:  # pydantic stays out of `custos --help`, which imports this module
    from pydantic import BaseModel

V = TypeVar("V", bound="BaseModel")
#: A command's answer: one read model or a list of them.
Answer = TypeVar("Answer", bound="BaseModel | Sequence[BaseModel]")

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


def plain(found: BaseModel | Sequence[BaseModel]) -> Any:
    """A read model, or a list of them, in the JSON form the API writes: a field withheld from
    the viewer is absent, never null."""
    if isinstance(found, Sequence):
        return [plain(item) for item in found]
    return found.model_dump(mode="json", exclude_unset=True)


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


ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")
SHARES = ("completeness", "share", "rate", "probability", "percentage_of")
PLAIN = ("year", "version", "line", "port")  # integers people write without separators


def _empty(value: Any) -> bool:
    """Nothing to show: no value, or a record or list holding only empty values."""
    if isinstance(value, Mapping):
        return all(_empty(item) for item in value.values())
    if isinstance(value, list | tuple):
        return all(_empty(item) for item in value)
    return value is None or value == ""


def _scalar(key: str, value: Any) -> str:
    """One value as a person writes it, guessing the unit from the field's name."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return units.timestamp(value) if ISO_MOMENT.match(value) else value
    if not _is_number(value):
        return str(value)
    if "flop" in key:
        return units.flop(value)
    if any(word in key for word in SHARES) and 0 <= float(value) <= 1:
        return units.percent(value)
    if isinstance(value, int):
        return str(value) if any(word in key for word in PLAIN) else units.count(value)
    figure = float(value)
    return units.scientific(figure) if figure and not 1e-3 <= abs(figure) < 1e6 else units.number(figure)


def _grow(tree: Tree, key: str, value: Any) -> None:
    label = f"[bold]{escape(key)}[/bold]"
    if isinstance(value, Mapping) and set(value) >= {"amount", "currency"}:
        tree.add(f"{label}: {escape(units.money(value['amount'], value['currency']))}")
    elif isinstance(value, Mapping):
        branch = tree.add(label)
        for name, item in value.items():
            if not _empty(item):
                _grow(branch, str(name), item)
    elif isinstance(value, list | tuple) and any(isinstance(item, Mapping) for item in value):
        branch = tree.add(label)
        for position, item in enumerate(value, start=1):
            _grow(branch, str(position), item)
    elif isinstance(value, list | tuple):
        tree.add(f"{label}: {escape(', '.join(_scalar(key, item) for item in value))}")
    else:
        tree.add(f"{label}: {escape(_scalar(key, value))}")


def _nested(value: Any) -> bool:
    """A value shown as an indented outline: a record (but not an amount), or a list of them."""
    if isinstance(value, Mapping):
        return not set(value) >= {"amount", "currency"}
    return isinstance(value, list | tuple) and any(isinstance(item, Mapping) for item in value)


def describe(data: Mapping[str, Any], formats: Mapping[str, Format] | None = None) -> None:
    """Print a record as an outline a person reads: nested fields indented, empty ones left out,
    and each figure with its unit (money with its currency and scale, shares as percentages,
    compute in FLOP, times in UTC); ``formats`` override the guess for top-level fields. A line
    of one field is never cut or folded by the printer (the terminal wraps it), so what it says
    can be copied whole."""
    for key, value in data.items():
        if _empty(value):
            continue
        if formats and key in formats:
            line = f"[bold]{escape(key)}[/bold]: {escape(formats[key](value))}"
        elif _nested(value):
            tree = Tree("", hide_root=True, guide_style="dim")
            _grow(tree, key, value)
            console.print(tree, highlight=False)
            continue
        else:
            outline = Tree("", hide_root=True)
            _grow(outline, key, value)
            line = str(outline.children[0].label)
        console.print(line, highlight=False, soft_wrap=True)


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
    elif isinstance(data, Mapping):
        describe(data, formats)
    else:
        console.print(data, highlight=False, soft_wrap=True)


def say(*lines: str) -> None:
    """Sentences for people, one a line: long ones stay whole (a terminal wraps them) and figures
    are not coloured as if they were code."""
    for line in lines:
        console.print(line, highlight=False, soft_wrap=True)


def print_lines(found: Sequence[V], as_json: bool, empty: str, line: Callable[[V], str]) -> None:
    """A listing: JSON, or one line a view (a table would fold figures among the ids)."""
    if as_json:
        emit(plain(list(found)), True)
        return
    if not found:
        console.print(empty, highlight=False)
    for view in found:
        console.print(line(view), highlight=False, soft_wrap=True)


def show(found: Answer, as_json: bool, render: Callable[[Answer], None]) -> None:
    """A command's answer: JSON as the API writes it, or what ``render`` prints for people."""
    if as_json:
        emit(plain(found), True)
        return
    render(found)


def print_line(found: V, as_json: bool, line: Callable[[V], str]) -> None:
    """One view: JSON, or one line (a table would fold figures among the ids)."""
    show(found, as_json, lambda view: console.print(line(view), highlight=False, soft_wrap=True))


def figures_table(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str], title: str | None, figures: Sequence[str]
) -> None:
    """A table whose ``figures`` columns hold figures already written with their units, aligned
    right as figures are."""
    table(rows, columns, title, dict.fromkeys(figures, str))
