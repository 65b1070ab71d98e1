"""Routes that answer with read models as their reader may see them.

A service leaves a field the reader may not see unset, so these routes write answers with
``exclude_unset``: a withheld amount is absent, never null. A route that files answers 201 with
what was filed. Naming that once keeps a route's declaration to its path and its model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.types import DecoratedCallable


def reading(router: APIRouter, path: str, model: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
    """``GET path``, answering ``model`` as the reader may see it."""
    return router.get(path, response_model=model, response_model_exclude_unset=True)


def filing(router: APIRouter, path: str, model: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
    """``POST path``, which files and answers 201 with ``model`` as the filer may see it."""
    return router.post(path, status_code=201, response_model=model, response_model_exclude_unset=True)
