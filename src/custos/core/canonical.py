"""Canonical JSON (RFC 8785, JSON Canonicalization Scheme) and SHA-256 digests.

Digests of filings must be reproducible by anyone, in any language, so the bytes hashed are
the JCS form produced by the ``rfc8785`` package rather than ``json.dumps`` with sorted keys,
which differs from JCS on number formatting and string escaping.
"""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785

from custos.core.errors import InvalidInput


def canonical_json(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of a JSON-compatible value."""
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise InvalidInput(f"value cannot be canonicalised as JSON: {exc}") from exc


def sha256(data: bytes) -> bytes:
    """SHA-256 of ``data``."""
    return hashlib.sha256(data).digest()


def sha256_hex(data: bytes) -> str:
    """SHA-256 of ``data`` as lower-case hex, the form digests take in JSON."""
    return hashlib.sha256(data).hexdigest()
