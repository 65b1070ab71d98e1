"""The record of a training-data manifest, its canonical bytes, and a record as revealed.

A manifest is JSON Lines, one record per document, file or shard. Each record is committed to
by the hash of its RFC 8785 canonical bytes with a salt of its own, so the commitment says
nothing about a record until the provider reveals it with its salt. The record is strict (a
string is a string, a boolean a boolean, a date ``YYYY-MM-DD``): the same line must commit to
the same bytes whoever parses it, and a lenient coercion would let two readings differ.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StringConstraints

from custos.core.canonical import canonical_json

#: The dimensions a provider declares the composition of its data set along.
COMPOSITION_DIMENSIONS: tuple[str, ...] = ("source_type", "licence", "language")

#: Patterns and bounds of the record's fields, shared with the commitment's fast path so the two
#: cannot drift apart. Patterns are matched whole (``fullmatch``), as pydantic's engine does.
SOURCE_TYPE_PATTERN = r"[a-z][a-z0-9_-]{0,39}"
LANGUAGE_PATTERN = r"[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*"
CONTENT_HASH_PATTERN = r"sha256:[0-9a-f]{64}"
DATE_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
ID_MAX, SOURCE_MAX, LICENCE_MAX = 1000, 2000, 200

_DATE = re.compile(DATE_PATTERN)


def _iso_date(value: Any) -> Any:
    """Accept a ``date`` or a ``YYYY-MM-DD`` string only: no timestamps, no datetimes, no week dates."""
    if type(value) is date:
        return value
    if isinstance(value, str) and _DATE.fullmatch(value):
        return date.fromisoformat(value)
    raise ValueError("must be a calendar date written YYYY-MM-DD")


class ManifestRecord(BaseModel):
    """One document, file or shard of a training data set, as the provider describes it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=ID_MAX)]
    source: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=SOURCE_MAX)]
    source_type: Annotated[str, StringConstraints(strict=True, pattern=f"^{SOURCE_TYPE_PATTERN}$")]
    licence: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=LICENCE_MAX)]
    language: Annotated[str, StringConstraints(strict=True, pattern=f"^{LANGUAGE_PATTERN}$")]
    collected_on: Annotated[date, BeforeValidator(_iso_date), Field(strict=True)]
    pii: StrictBool
    opt_out: StrictBool
    content_hash: Annotated[str, StringConstraints(strict=True, pattern=f"^{CONTENT_HASH_PATTERN}$")]


#: The record's field names, the exact key set of a manifest line.
RECORD_FIELDS: frozenset[str] = frozenset(ManifestRecord.model_fields)


def record_bytes(record: ManifestRecord) -> bytes:
    """The RFC 8785 canonical JSON of a record: what its leaf hashes, after its salt."""
    return canonical_json(record.model_dump(mode="json"))


class RevealedRecord(BaseModel):
    """A record the provider reveals from its committed manifest, with what proves it was committed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    index: int = Field(ge=0, description="the record's position in the manifest, from 0")
    record: ManifestRecord
    salt: str = Field(pattern="^[0-9a-f]{32}$", description="the record's 16-byte salt, hex")
    proof: tuple[Annotated[str, StringConstraints(pattern="^[0-9a-f]{64}$")], ...] = Field(
        description="RFC 9162 inclusion proof of the record's leaf, hex, leaf to root"
    )
