"""Foundations shared by every package: canonical JSON, digests, ids, clock, errors, jurisdictions."""

from custos.core.canonical import canonical_json, sha256, sha256_hex
from custos.core.clock import Clock, FixedClock, SystemClock, utc
from custos.core.errors import (
    Conflict,
    CustosError,
    Forbidden,
    IntegrityFailure,
    InvalidInput,
    NotFound,
    Unauthenticated,
    Unavailable,
)
from custos.core.ids import new_id
from custos.core.jurisdictions import Jurisdiction, jurisdiction

__all__ = [
    "Clock",
    "Conflict",
    "CustosError",
    "FixedClock",
    "Forbidden",
    "IntegrityFailure",
    "InvalidInput",
    "Jurisdiction",
    "NotFound",
    "SystemClock",
    "Unauthenticated",
    "Unavailable",
    "canonical_json",
    "jurisdiction",
    "new_id",
    "sha256",
    "sha256_hex",
    "utc",
]
