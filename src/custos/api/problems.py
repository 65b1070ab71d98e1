"""RFC 9457 problem details for every error, so clients never see a traceback or a bare 500."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
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
    evidence: dict[str, Any] | None = Field(None, description="What the refusal rests on.")
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


def _allowed(request: Request, named: str | None) -> str:
    """Every method the path takes. Starlette names only those of the first route that matched,
    and a path's GET and POST are often two routes: the OpenAPI document knows them all. As
    OpenAPI matches, a concrete path is taken before a templated one that would also match."""
    table = getattr(request.app.state, "methods_by_path", None)
    if table is None:
        table = [
            (
                re.compile("^" + re.sub(r"\{[^}/]+\}", "[^/]+", path) + "$"),
                path.count("{"),
                {method.upper() for method in operations},
            )
            for path, operations in request.app.openapi().get("paths", {}).items()
        ]
        request.app.state.methods_by_path = table
    matching = [
        (templated, methods) for pattern, templated, methods in table if pattern.match(request.url.path)
    ]
    fewest = min((templated for templated, _ in matching), default=0)
    found = {method for templated, methods in matching if templated == fewest for method in methods}
    if not found:  # a route outside the document (the pages): Starlette's own answer
        found = {method.strip() for method in (named or "").split(",") if method.strip()}
    return ", ".join(sorted(found))


def install(app: FastAPI) -> None:

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
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Not found", 405: "Method not allowed", 413: "Too large"}
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = _allowed(request, headers.get("Allow"))
        return problem(exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail), headers)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return problem(500, "Internal error", "an unexpected error occurred; it has been logged")
