"""Commands imported only when they run or show their help.

The command modules pull in the store, the registry's formats, the risk engine and the demo;
importing them all made ``custos --help`` take seconds. The root group lists every command from
a table of names and one-line helps, and imports a command's module when it is invoked.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import typer

from custos.cli.errors import CustosGroup
from custos.cli.output import commands


@dataclass(frozen=True)
class Lazy:
    """A command by where it lives (``module:attribute``, a Typer group or a function)."""

    target: str
    help: str

    def load(self, name: str) -> Any:
        """The click command Typer builds for the target, under ``name``."""
        module, _, attribute = self.target.partition(":")
        found: typer.Typer | Callable[..., Any] = getattr(importlib.import_module(module), attribute)
        if isinstance(found, typer.Typer):
            command: Any = typer.main.get_group(found)  # a group even when it holds one command
        else:
            single = commands(self.help)
            single.command(name)(found)
            command = typer.main.get_command(single)
        command.name = name
        return command


class LazyGroup(CustosGroup):
    """A group whose subcommands come from ``lazy``, each imported on first use."""

    lazy: ClassVar[Mapping[str, Lazy]] = {}

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self.commands, *(name for name in self.lazy if name not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            self.commands[cmd_name] = self.lazy[cmd_name].load(cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """List the commands from the table, importing none of them."""
        with formatter.section("Commands"):
            formatter.write_dl([(name, entry.help) for name, entry in self.lazy.items()])

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """Suggest the nearest commands for a mistyped one (Typer only knows those already loaded)."""
        name = args[0] if args else ""
        if name and not name.startswith("-") and name not in self.lazy:
            close = difflib.get_close_matches(name, list(self.lazy))
            if close:
                ctx.fail(f"No such command {name!r}. Did you mean {', '.join(map(repr, close))}?")
        return super().resolve_command(ctx, args)
