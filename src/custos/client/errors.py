"""What the client raises: the API's problem documents as Custos errors, never an httpx error.

Each answer with an error status becomes a :class:`CustosApiError` carrying the document's
``status``, ``title`` and ``detail`` (and ``errors``, each invalid field by location). For the
statuses Custos itself raises, the class also derives from the matching
:mod:`custos.core.errors` kind, so code written against the services in-process (``except
NotFound``) reads the same over HTTP. A server that could not be reached, or did not answer in
time, is a :class:`CustosConnectionError`: there is no document to carry.
"""

from __future__ import annotations

from typing import Any

import httpx

from custos.core.errors import (
    Conflict,
    CustosError,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthenticated,
    Unavailable,
)


class CustosApiError(CustosError):
    """The API answered with a problem document (RFC 9457)."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        errors: tuple[dict[str, str], ...] = (),
        evidence: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail, evidence=evidence)
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors

    @property
    def fields(self) -> tuple[str, ...]:
        """The location of each invalid field (``body.content.name``), for a 422."""
        return tuple(error.get("location", "") for error in self.errors)

    def __str__(self) -> str:
        return f"{self.status} {self.title}: {self.detail}"


class UnauthenticatedError(CustosApiError, Unauthenticated):
    """401: no token where one is needed, or one that is unknown, expired or revoked."""


class ForbiddenError(CustosApiError, Forbidden):
    """403: the caller's role does not permit this."""


class NotFoundError(CustosApiError, NotFound):
    """404: nothing of that id, or nothing the caller may see."""


class ConflictError(CustosApiError, Conflict):
    """409: what is recorded does not allow it."""


class InvalidInputError(CustosApiError, InvalidInput):
    """422: the request is invalid; ``errors`` names each field."""


class UnavailableError(CustosApiError, Unavailable):
    """503: busy; retry later."""


class CustosConnectionError(Unavailable):
    """No answer: the server could not be reached, or did not answer in time."""


_BY_STATUS: dict[int, type[CustosApiError]] = {
    401: UnauthenticatedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    422: InvalidInputError,
    503: UnavailableError,
}


def problem_error(response: httpx.Response) -> CustosApiError:
    """The error an answer with an error status stands for. A body that is not a problem document
    (a proxy's page, say) still gives the status, its reason phrase, and the start of the text."""
    try:
        document = response.json()
    except ValueError:
        document = None
    if not isinstance(document, dict):
        text = response.text.strip()[:500]
        return _BY_STATUS.get(response.status_code, CustosApiError)(
            response.status_code, response.reason_phrase or "Error", text or response.reason_phrase
        )
    status = document.get("status")
    errors = document.get("errors") or ()
    evidence = document.get("evidence")
    return _BY_STATUS.get(response.status_code, CustosApiError)(
        status if isinstance(status, int) else response.status_code,
        str(document.get("title") or response.reason_phrase or "Error"),
        str(document.get("detail") or ""),
        errors=tuple(dict(error) for error in errors if isinstance(error, dict)),
        evidence=evidence if isinstance(evidence, dict) else None,
    )
