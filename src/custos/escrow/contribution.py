"""What escrow adds to an installation: custodians, deposits, custody checks and releases."""

from custos.escrow.alerts import custody_incidents
from custos.escrow.model import (
    CONFIRMATION_MISSED,
    CUSTODIAN_APPOINTED,
    CUSTODIAN_WITHDRAWN,
    CUSTODY_CONFIRMED,
    ESCROW_AUDITED,
    ESCROW_DEPOSITED,
    ESCROW_KINDS,
    ESCROW_OPENED,
    RELEASE_APPROVED,
    RELEASE_REQUESTED,
)
from custos.store import Command, Contribution, Hook
from custos.store import escrow_views as ev

CONTRIBUTION = Contribution(
    name="escrow",
    kinds=ESCROW_KINDS,
    projections={
        CUSTODIAN_APPOINTED: ev.appointed,
        CUSTODIAN_WITHDRAWN: ev.custodian_withdrawn,
        ESCROW_DEPOSITED: ev.deposited,
        ESCROW_AUDITED: ev.audited,
        CUSTODY_CONFIRMED: ev.custody_confirmed,
        CONFIRMATION_MISSED: ev.confirmation_missed,
        RELEASE_REQUESTED: ev.release_requested,
        RELEASE_APPROVED: ev.release_approved,
        ESCROW_OPENED: ev.opened,
    },
    # A failed storage audit, or a missed confirmation that leaves the deposit short of its
    # quorum, is reported as a hazard about the model.
    hooks=(
        Hook(
            "escrow.custody_incidents",
            custody_incidents,
            observes=frozenset({ESCROW_AUDITED, CONFIRMATION_MISSED}),
        ),
    ),
    routers=("custos.api.escrow_routes:router",),
    commands=(
        Command(
            "escrow",
            "custos.cli.escrow_cmds:app",
            "Custodial escrow of model weights: deposits, checks, release.",
        ),
    ),
)
