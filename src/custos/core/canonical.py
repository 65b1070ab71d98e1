"""Canonical JSON (RFC 8785, JSON Canonicalization Scheme) and SHA-256 digests.

Digests of filings must be reproducible by anyone, in any language, so the bytes hashed are the
JCS form, as the ``rfc8785`` package produces it. That package is pure Python and slow, so
values that JCS and the standard library's encoder provably write alike take a fast path:
no floats (ES6 number formatting differs from Python's), integers exactly representable as
doubles, and keys within the Basic Multilingual Plane (so code-point order is UTF-16 order).
String escaping is the same in both: short forms for ``\\b \\t \\n \\f \\r``, ``\\u00xx``
for other controls, nothing else. A property test holds the fast path to ``rfc8785``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import rfc8785

from custos.core.errors import InvalidInput

_SAFE_INTEGER = 2**53
_SURROGATES = "\ud800"  # the first code point whose UTF-16 order differs from code-point order
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _plain(value: Any) -> bool:
    """True when the standard encoder writes ``value`` exactly as JCS does."""
    if isinstance(value, str) or value is None or isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -_SAFE_INTEGER < value < _SAFE_INTEGER
    if isinstance(value, dict):
        return all(
            isinstance(key, str) and (not key or max(key) < _SURROGATES) and _plain(item)
            for key, item in value.items()
        )
    if isinstance(value, list | tuple):
        return all(_plain(item) for item in value)
    return False


def canonical_json(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of a JSON-compatible value."""
    try:
        if _plain(value):
            return _ENCODER.encode(value).encode("utf-8")
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise InvalidInput(f"value cannot be canonicalised as JSON: {exc}") from exc


def sha256(data: bytes) -> bytes:
    """SHA-256 of ``data``."""
    return hashlib.sha256(data).digest()


def sha256_hex(data: bytes) -> str:
    """SHA-256 of ``data`` as lower-case hex, the form digests take in JSON."""
    return hashlib.sha256(data).hexdigest()
