"""The CLI's error boundary: a one-line message and exit code 2, a traceback only with ``-v``."""

from __future__ import annotations

import traceback
from typing import Any

import sqlalchemy.exc
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
        except CustosError as exc:
            _report(ctx, f"error: {exc.diagnostics()}")
        except sqlalchemy.exc.SQLAlchemyError as exc:
            _report(ctx, f"error: the database refused the operation: {getattr(exc, 'orig', None) or exc}")
        except OSError as exc:
            _report(ctx, f"error: {exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""))
        raise typer.Exit(USAGE_EXIT)


def _report(ctx: Any, message: str) -> None:
    if getattr(ctx.obj, "verbose", False):
        errors.print(traceback.format_exc(), highlight=False, markup=False)
    errors.print(message, highlight=False, markup=False, soft_wrap=True)
