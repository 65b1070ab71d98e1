"""The REST API (FastAPI): the transparency log in tlog-tiles layout and the /v1 JSON API."""

from custos.api.app import create_app

__all__ = ["create_app"]
