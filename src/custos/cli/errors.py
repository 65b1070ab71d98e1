"""The CLI's error boundary: a one-line message and exit code 2, a traceback only with ``-v``."""

from __future__ import annotations

import sys
import traceback
from typing import Any

import typer
from typer.core import TyperGroup

from custos.cli.output import errors
from custos.core.errors import CustosError

USAGE_EXIT = 2


class CustosGroup(TyperGroup):
    """The root command group; every subcommand runs inside its ``invoke``."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            message = _message(exc)
            if message is None:
                raise
            _report(ctx, message)
        raise typer.Exit(USAGE_EXIT)


def _message(exc: Exception) -> str | None:
    """The line for an error a person can act on; None for anything else (a bug, or click's own)."""
    if isinstance(exc, CustosError):
        return f"error: {exc.diagnostics()}"
    # SQLAlchemy is imported by the commands that use the store; one that never did cannot fail in it.
    database = sys.modules.get("sqlalchemy.exc")
    if database is not None and isinstance(exc, database.SQLAlchemyError):
        return f"error: the database refused the operation: {getattr(exc, 'orig', None) or exc}"
    if isinstance(exc, OSError):
        return f"error: {exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
    return None


def _report(ctx: Any, message: str) -> None:
    if getattr(ctx.obj, "verbose", False):
        errors.print(traceback.format_exc(), highlight=False, markup=False)
    errors.print(message, highlight=False, markup=False, soft_wrap=True)
