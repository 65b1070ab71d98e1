"""RFC 9457 problem details for every error, so clients never see a traceback or a bare 500."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, JsonValue
from starlette.exceptions import HTTPException as StarletteHTTPException

from custos.core.errors import CustosError

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("custos.api")


class Problem(BaseModel):
    """An RFC 9457 problem document: what every error answers, never a traceback."""

    type: str = Field("about:blank", description="Always about:blank: the status and title say it all.")
    title: str = Field(examples=["Invalid input"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["limit: Input should be less than or equal to 500"])
    evidence: dict[str, JsonValue] | None = Field(None, description="What the refusal rests on.")
    errors: list[dict[str, str]] | None = Field(None, description="Each invalid field (422 only).")


# What any route may answer besides its success, documented once for all of them.
ERRORS = {
    400: "The request cannot be read (a malformed body or encoding).",
    401: "No token, or one that is unknown, revoked or expired (WWW-Authenticate: Bearer).",
    403: "The caller's role does not permit this.",
    404: "Nothing of that id, or nothing the caller may see.",
    405: "The route does not take this method (the Allow header lists those it takes).",
    409: "The record's current state does not allow it.",
    413: "The body is larger than the route accepts.",
    422: "The input is invalid: each problem is named, with its location.",
    503: "Not available right now (Retry-After says when to retry).",
}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for status, description in ERRORS.items()
}


def problem(
    status: int, title: str, detail: str, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if status == 503:
        headers["Retry-After"] = "1"
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _document(app: FastAPI) -> None:
    """Every operation lists the problems it may answer, with the Problem schema."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    responses = operation.setdefault("responses", {})
                    responses.pop("422", None)  # FastAPI's own validation schema: ours is a Problem
                    for status, response in ERROR_RESPONSES.items():
                        responses.setdefault(str(status), response)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI) -> None:
    _document(app)

    @app.exception_handler(CustosError)
    async def _custos(_: Request, exc: CustosError) -> JSONResponse:
        extra = {"evidence": exc.evidence} if exc.evidence else {}
        return problem(exc.status, exc.title, exc.message, **extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"location": ".".join(str(p) for p in error["loc"]), "reason": error["msg"]}
            for error in exc.errors()
        ]
        detail = "; ".join(f"{e['location']}: {e['reason']}" for e in errors)
        return problem(422, "Invalid input", detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Not found", 405: "Method not allowed", 413: "Too large"}
        return problem(exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail), exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return problem(500, "Internal error", "an unexpected error occurred; it has been logged")
