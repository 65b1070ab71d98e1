"""Salted field commitments and views of a filing that a reader can check against the log.

field digest  = SHA-256(JCS([salt, name, value, visibility]))
filing digest = SHA-256(JCS({envelope..., "fields": sorted field digests}))

A viewer entitled to some fields receives them with their salts plus the digests of the fields
withheld; recomputing the filing digest and comparing it with the ledger entry proves the view
is the filed one, without revealing anything withheld.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict

from custos.core.canonical import canonical_json, sha256_hex
from custos.core.errors import IntegrityFailure


def field_digest(salt: str, name: str, value: Any, visibility: str) -> str:
    return sha256_hex(canonical_json([salt, name, value, str(visibility)]))


def filing_digest(envelope: dict[str, Any], field_digests: Iterable[str]) -> str:
    return sha256_hex(canonical_json({**envelope, "fields": sorted(field_digests)}))


class Disclosure(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: Any
    salt: str
    visibility: str


class FilingView(BaseModel):
    """What one viewer is shown of a filing: the envelope, the disclosed fields, the rest as digests."""

    model_config = ConfigDict(frozen=True)

    envelope: dict[str, Any]
    disclosed: dict[str, Disclosure]
    withheld: list[str]
    digest: str

    def content(self) -> dict[str, Any]:
        return {name: item.value for name, item in self.disclosed.items()}


def verify_view(view: FilingView, ledger_entry: bytes | None = None) -> None:
    """Raise :class:`IntegrityFailure` unless the view recomputes to its digest (and to the entry's)."""
    digests = [field_digest(d.salt, name, d.value, d.visibility) for name, d in view.disclosed.items()]
    computed = filing_digest(view.envelope, [*digests, *view.withheld])
    if computed != view.digest:
        raise IntegrityFailure("the filing's fields do not recompute to its digest")
    if ledger_entry is not None and canonical_json({**view.envelope, "digest": computed}) != ledger_entry:
        raise IntegrityFailure("the filing does not match its ledger entry")
