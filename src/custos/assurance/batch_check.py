"""Checking a batch of envelopes against their evidence, in whichever process runs it.

Re-verification sends batches to worker processes, so this module imports only the checks
(no store, no SQLAlchemy): a worker starts in the time it takes to load the verification code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from custos.assurance.verification import AttestationRefused, Evidence, check

#: One envelope to check and what the log says it is checked against.
Item = tuple[Mapping[str, Any], Evidence]

#: What checking one envelope found: (why it is refused, or None; whether its validity ended).
Outcome = tuple[str | None, bool]


def ready() -> None:
    """A worker's first task: by the time it returns, the worker has loaded the checks."""


def check_batch(items: Sequence[Item], now: datetime) -> list[Outcome]:
    """Each envelope checked as on ``now``, as a record is audited: an expired attestation still
    verifies (and says so); any other failing check is its refusal."""
    outcomes: list[Outcome] = []
    for envelope, evidence in items:
        try:
            verified = check(envelope, evidence, now, current=False)
        except AttestationRefused as refused:
            outcomes.append((refused.message, False))
        else:
            outcomes.append((None, verified.expired))
    return outcomes
