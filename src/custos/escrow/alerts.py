"""Custody failures become incidents: a storage audit that fails, or a missed confirmation that
leaves fewer confirmed custodians than the threshold, is reported as an AI hazard about the model
(OECD 2024: an event that could plausibly lead to harm: here, weights that could not be
recovered when needed), so it gets the incident's handling, clocks and sharing with peers.
"""

from __future__ import annotations

from collections.abc import Sequence

from custos.access.filer import file_as
from custos.access.model import system
from custos.core.clock import FixedClock
from custos.escrow.model import CONFIRMATION_MISSED, ESCROW_AUDITED
from custos.filings import Filing
from custos.oversight.model import INCIDENT_REPORTED
from custos.store import UnitOfWork
from custos.store import filing_views as fv

CUSTODY = system("escrow-custody", "escrow custody checks")


def _failed_before(uow: UnitOfWork, filing: Filing) -> bool:
    """Whether the deposit's audit before this one failed too: its incident is open already."""
    earlier = [
        filed
        for filed in fv.contents(uow.conn, [filing.subject], [ESCROW_AUDITED.name])
        if filed.id < filing.id and filed.content["deposit_id"] == filing.content["deposit_id"]
    ]
    return bool(earlier) and not earlier[-1].content["passed"]


def _summary(uow: UnitOfWork, filing: Filing) -> str | None:
    content = filing.content
    if filing.kind == ESCROW_AUDITED.name and not content["passed"] and not _failed_before(uow, filing):
        failed = "; ".join(f"chunk {f['index']}: {f['reason']}" for f in content["failures"][:20])
        return f"The storage audit of escrow deposit {content['deposit_id']} failed ({failed})."
    if filing.kind == CONFIRMATION_MISSED.name and content["quorum_at_risk"] and content["rung"] == 1:
        return (
            f"Custodian appointment {content['appointment_id']} missed its custody confirmation of escrow "
            f"deposit {content['deposit_id']}, due {content['due_at']}: {content['live']} custodians remain "
            "confirmed, fewer than the deposit's threshold."
        )
    return None


def custody_incidents(uow: UnitOfWork, batch: Sequence[Filing]) -> None:
    """Report a hazard about the model for each custody failure in the batch: an audit that fails
    after one that passed (not each audit of a store still failing), or a missed confirmation
    that puts the quorum at risk."""
    incidents = []
    for filing in batch:
        summary = _summary(uow, filing)
        if summary is None:
            continue
        incidents.append(
            file_as(
                CUSTODY,
                INCIDENT_REPORTED,
                {
                    "model_ids": [filing.subject],
                    "severity": "hazard",
                    "occurred_at": filing.filed_at.isoformat(),
                    "discovered_at": filing.filed_at.isoformat(),
                    "reporter_role": "supervisor",
                    "summary": summary,
                },
                owner=filing.organisation,
                subject=filing.subject,
                clock=FixedClock(filing.filed_at),  # dated at the filing, as derived filings are
                jurisdiction=filing.jurisdiction,
            )
        )
    uow.file(*incidents)
