"""A custodian's side, on its own machine: its share is opened in memory only, to check it
against its commitment before confirming custody, or to re-encrypt it to a release's one-time
recipient when approving. The share never leaves the machine in the clear."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from securesystemslib.signer import Signer

from custos.escrow import custody
from custos.escrow.model import ReleaseApproved
from custos.escrow.shares import open_share, reseal_share
from custos.escrow.views import ReleaseView, ShareView


def _opened(share: ShareView, identity: str) -> str:
    return open_share(
        share.envelope,
        identity,
        deposit=share.reference,
        custodian_id=share.appointment_id,
        commitment=share.commitment,
    )


def confirm_custody(share: ShareView, identity: str, signer: Signer, now: datetime) -> dict[str, Any]:
    """The signed confirmation that the share opens with ``identity`` and matches its commitment."""
    _opened(share, identity)
    statement = custody.confirmation(share.deposit_id, share.appointment_id, share.commitment, now)
    return custody.sign(statement, signer)


def approve_release(
    release: ReleaseView, share: ShareView, identity: str, signer: Signer, now: datetime
) -> ReleaseApproved:
    """The approval of a release: the share, checked, re-encrypted to the release's recipient,
    with the signed statement naming that envelope."""
    if share.deposit_id != release.deposit_id:
        from custos.core.errors import InvalidInput

        raise InvalidInput(
            f"the share is of deposit {share.deposit_id}; release {release.id} concerns {release.deposit_id}"
        )
    envelope = reseal_share(_opened(share, identity), release.recipient)
    statement = custody.sign(custody.approval(release.id, share.appointment_id, envelope, now), signer)
    return ReleaseApproved(
        release_id=release.id, appointment_id=share.appointment_id, envelope=envelope, statement=statement
    )
