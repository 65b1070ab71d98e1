"""The OpenAPI document as clients and fuzzers read it: every problem a route may answer, and
whether a route needs a token at all.

FastAPI documents neither: it adds its own validation-error schema where Custos answers an RFC
9457 problem, and marks every route that reads a bearer token as requiring one, although most
reading routes are open to the public (a token only widens what they show).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from custos.access.model import Role
from custos.access.permissions import Permission, allows
from custos.api.problems import ERROR_RESPONSES, Problem

BEARER = "HTTPBearer"


def _security(operation: dict[str, Any]) -> list[dict[str, list[str]]]:
    """The operation's security: optional where the public may call it (an empty requirement
    beside the bearer one), as documented by ``require``'s scope, the route's permission."""
    needs: list[dict[str, list[str]]] = operation.get("security") or []
    scopes = [scope for requirement in needs for scope in requirement.get(BEARER, [])]
    if scopes and all(allows(Role.PUBLIC, Permission(scope)) for scope in scopes):
        return [{}, *needs]
    return needs


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        # One schema per model for requests and answers alike: a client generator then meets one
        # ``Money``, not a ``Money-Input`` and a ``Money-Output`` that differ only in how an
        # amount may be written. Answers omit what they do not carry (``exclude_unset``), which
        # is what a field's default says in the validation schema.
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            separate_input_output_schemas=False,
        )
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        for unused in ("HTTPValidationError", "ValidationError"):  # FastAPI's 422, replaced below
            schemas.pop(unused, None)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                responses.pop("422", None)  # FastAPI's own validation schema: Custos answers a Problem
                for status, response in ERROR_RESPONSES.items():
                    responses.setdefault(str(status), response)
                if "security" in operation:
                    operation["security"] = _security(operation)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
