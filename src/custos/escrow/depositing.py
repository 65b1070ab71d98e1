"""Making a deposit on the provider's machine: the plaintext and the data key never leave it.

The components are gathered and their weight shards checked for exportability against the
passport's parameter count; a fresh 256-bit data key seals every component into the escrow store
(one read of each file, hashing while encrypting); the key is split k-of-n, each share encrypted
to its custodian; what comes out is the filing's payload, which holds no share in the clear and
no key. If anything fails, nothing is left in the store.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from custos.core.canonical import canonical_json, sha256_hex
from custos.core.errors import InvalidInput
from custos.escrow.components import Component, Role, gather, recognise
from custos.escrow.model import EscrowDeposited
from custos.escrow.sealing import Plain, SealedDeposit, seal_deposit
from custos.escrow.shares import SealedShare, split_key
from custos.escrow.stream import Progress
from custos.escrow.vault import Vault
from custos.escrow.views import CustodianView
from custos.escrow.weight_formats import DEFAULT_TOLERANCE, Exportability, check_tolerance, require_exportable
from custos.filings import parse

#: The data key's size: AES-256.
KEY_BYTES = 32


@dataclass(frozen=True)
class DepositPlan:
    """What the provider asks for: whose model, which files, which custodians and how many needed."""

    model_id: str
    passport_version: int
    declared_parameters: float | None
    paths: tuple[Path, ...]
    vault: str
    reference: str
    custodians: tuple[CustodianView, ...]
    threshold: int
    passport_file: Path | None = None
    tolerance: float = DEFAULT_TOLERANCE


def default_reference(model_id: str) -> str:
    """A reference no other deposit has: the model and 64 random bits."""
    return f"{model_id}-{secrets.token_hex(8)}"


def manifest_digest(sealed: SealedDeposit) -> str:
    """SHA-256 of the canonical manifest (RFC 8785): each component's name, role, format, size
    and plaintext digest, in deposit order."""
    manifest = [
        {"name": c.name, "role": c.role, "format": c.format, "size": c.size, "sha256": c.sha256}
        for c in sealed.components
    ]
    return sha256_hex(canonical_json({"components": manifest}))


def _components(plan: DepositPlan) -> list[Component]:
    found = gather(list(plan.paths))
    if plan.passport_file is not None and not any(c.role is Role.PASSPORT for c in found):
        found.append(recognise(plan.passport_file.name, plan.passport_file))
    return found


def prepare_deposit(
    plan: DepositPlan, *, workers: int = 2, progress: Progress | None = None
) -> EscrowDeposited:
    """Seal the plan's components into the store and return the deposit filing's payload."""
    check_tolerance(plan.tolerance)
    components = _components(plan)
    exportability = require_exportable(components, plan.declared_parameters, plan.tolerance)
    recipients = [(custodian.id, custodian.recipient) for custodian in plan.custodians]
    key = secrets.token_bytes(KEY_BYTES)
    vault = Vault(plan.vault)
    sealed = seal_deposit(
        vault,
        plan.reference,
        key,
        plan.model_id,
        [Plain(c.name, c.source, c.role.value, c.format.value) for c in components],
        workers=workers,
        progress=progress,
    )
    try:
        shares = split_key(key, plan.reference, recipients, plan.threshold)
        del key  # the shares are all that remain of it
        return _payload(plan, sealed, shares, components, exportability)
    except BaseException:
        vault.discard(plan.reference)
        raise


def _payload(
    plan: DepositPlan,
    sealed: SealedDeposit,
    shares: Sequence[SealedShare],
    components: Sequence[Component],
    exportability: Exportability,
) -> EscrowDeposited:
    """The deposit filing's payload: what was sealed, committed to, and split."""
    return parse(
        EscrowDeposited,
        {
            "model_id": plan.model_id,
            "passport_version": plan.passport_version,
            "vault": plan.vault,
            "reference": plan.reference,
            "components": [
                {
                    "name": c.name,
                    "role": c.role,
                    "format": c.format,
                    "size": c.size,
                    "first_chunk": c.first_chunk,
                    "chunks": c.chunk_count,
                }
                for c in sealed.components
            ],
            "digests": {c.name: c.sha256 for c in sealed.components},
            "manifest_digest": manifest_digest(sealed),
            "chunks": sealed.total_chunks,
            "chunk_root": sealed.chunk_root,
            "threshold": plan.threshold,
            "holders": [{"appointment_id": s.custodian_id, "commitment": s.commitment} for s in shares],
            "shares": [{"appointment_id": s.custodian_id, "envelope": s.envelope} for s in shares],
            "exportability": {
                "shards": len([c for c in components if c.role is Role.WEIGHTS]),
                "parameters": exportability.counted,
                "declared": exportability.declared,
                "tolerance": exportability.tolerance,
                "within_tolerance": exportability.ok if exportability.checked else None,
            },
        },
        "deposit",
    )


def custodians_named(available: Sequence[CustodianView], wanted: Sequence[str]) -> tuple[CustodianView, ...]:
    """The appointments in force named (by appointment id, or by organisation id when the
    organisation holds one appointment in force), in that order."""
    chosen = []
    for name in wanted:
        matches = [c for c in available if name in (c.id, c.organisation_id) and c.in_force]
        if not matches:
            raise InvalidInput(f"no custodian in force is appointed as {name!r}")
        if len(matches) > 1:
            raise InvalidInput(
                f"organisation {name} holds {len(matches)} appointments in force: name one by its "
                f"appointment id ({', '.join(c.id for c in matches)})"
            )
        chosen.append(matches[0])
    return tuple(chosen)
