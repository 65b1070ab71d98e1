"""Filings: typed, immutable records of one act by one actor, with per-field visibility.

A filing commits to each of its fields with a salted digest, like an SD-JWT disclosure, and
the filing digest is taken over those field digests. The public ledger entry carries only the
envelope and that digest, so confidential content never reaches the log, and anyone shown some
fields of a filing (with their salts) and the digests of the rest can check it against the log.
"""

from custos.filings.commitment import FilingView, field_digest, verify_view
from custos.filings.model import (
    OWNER_FIELD,
    PUBLIC_FIELD,
    SUPERVISORS_FIELD,
    Filing,
    FilingKind,
    Visibility,
    parse,
    sent,
    shown_to,
)

__all__ = [
    "OWNER_FIELD",
    "PUBLIC_FIELD",
    "SUPERVISORS_FIELD",
    "Filing",
    "FilingKind",
    "FilingView",
    "Visibility",
    "field_digest",
    "parse",
    "sent",
    "shown_to",
    "verify_view",
]
