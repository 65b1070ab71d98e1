"""The REST API (FastAPI): the transparency log in tlog-tiles layout and the /v1 JSON API.

``create_app`` is imported on first use, so the API's request bodies and envelopes
(:mod:`custos.api.bodies`, :mod:`custos.api.envelopes`, pydantic only) can be imported by the
Python client without FastAPI or the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from custos.api.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from custos.api.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
