"""Opening a released deposit, on the supervisor's machine: the approved shares are opened with
the release's one-time identity and checked against their commitments, the data key is rebuilt
(refused below the threshold, or with a foreign or corrupted share, naming the custodian), and
every component is decrypted chunk by chunk and checked against the manifest."""

from __future__ import annotations

from pathlib import Path

from custos.core.errors import InvalidInput
from custos.escrow.sealing import OpenedComponent, SealedComponent, object_name, open_deposit
from custos.escrow.shares import open_share, recover_key
from custos.escrow.stream import Progress
from custos.escrow.vault import Vault
from custos.escrow.views import ReleasePackage


def recover(package: ReleasePackage, identity: str) -> bytes:
    """The deposit's data key from the approved shares, each checked first."""
    deposit = package.deposit
    if deposit.reference is None:
        raise InvalidInput(
            "the release package lacks the deposit's reference: only supervisors open releases"
        )
    commitments = {holder.appointment_id: holder.commitment for holder in deposit.holders}
    opened = {
        share.appointment_id: open_share(
            share.envelope,
            identity,
            deposit=deposit.reference,
            custodian_id=share.appointment_id,
            commitment=share.commitment,
        )
        for share in package.shares
    }
    return recover_key(
        opened, deposit=deposit.reference, commitments=commitments, threshold=deposit.threshold
    )


def open_release(
    package: ReleasePackage,
    identity: str,
    target: Path,
    *,
    workers: int = 2,
    progress: Progress | None = None,
) -> list[OpenedComponent]:
    """Rebuild the key and decrypt every component into ``target``, each checked against the manifest."""
    deposit = package.deposit
    if deposit.vault is None or deposit.reference is None or deposit.digests is None:
        raise InvalidInput(
            "the release package lacks the deposit's store and digests: only supervisors open releases"
        )
    key = recover(package, identity)
    components = [
        SealedComponent(
            name=c.name,
            role=c.role.value,
            format=c.format,
            size=c.size,
            sha256=deposit.digests[c.name],
            object_name=object_name(position),
            first_chunk=c.first_chunk,
            chunk_count=c.chunks,
        )
        for position, c in enumerate(deposit.components)
    ]
    target.mkdir(parents=True, exist_ok=True)
    return open_deposit(
        Vault(deposit.vault),
        deposit.reference,
        key,
        deposit.model_id,
        components,
        deposit.chunk_root,
        target,
        workers=workers,
        progress=progress,
    )
