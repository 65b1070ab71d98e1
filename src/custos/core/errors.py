"""The single error root of Custos and its kinds.

Every error says what went wrong and what the caller can do about it. Interfaces map the kinds
onto their own channel: an HTTP status with an RFC 9457 problem document, or a CLI message with
exit code 2. Nothing else should escape to a user.
"""

from __future__ import annotations

from typing import Any


class CustosError(Exception):
    """Root of every error Custos raises on purpose."""

    status: int = 400
    title: str = "Bad request"

    def __init__(self, message: str, *, evidence: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.evidence = evidence or {}

    def diagnostics(self) -> str:
        """A one-paragraph explanation fit to show a person."""
        if not self.evidence:
            return self.message
        details = "; ".join(f"{key}: {value}" for key, value in self.evidence.items())
        return f"{self.message} ({details})"


class InvalidInput(CustosError):
    """The request or file is malformed; nothing was stored."""

    status = 422
    title = "Invalid input"


class NotFound(CustosError):
    status = 404
    title = "Not found"


class Conflict(CustosError):
    """The request contradicts what is already recorded (a duplicate, an illegal transition)."""

    status = 409
    title = "Conflict"


class Unauthenticated(CustosError):
    status = 401
    title = "Unauthenticated"


class Forbidden(CustosError):
    status = 403
    title = "Forbidden"


class Unavailable(CustosError):
    """Back-pressure or a missing dependency; the caller may retry later."""

    status = 503
    title = "Unavailable"


class IntegrityFailure(CustosError):
    """Stored data does not match what was committed to: tampering or corruption.

    ``evidence`` names the first index, tile or checkpoint that does not match.
    """

    status = 500
    title = "Integrity failure"
