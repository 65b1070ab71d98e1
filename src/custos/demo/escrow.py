"""Seed the demonstration's escrow: three synthetic custodians, a deposit of stand-in weights for
the demo provider's largest model, its first storage audit, one custodian's confirmation, and a
release drill one approval short of its quorum.

The weights are a stand-in (two small safetensors shards of random numbers, said so in their
configuration): the real model's weights are not public, and its passport declares no parameter
count, so the shards' inventory is recorded unchecked. The custodians' age identities and signing
keys are kept in the installation's ``keys`` directory, and the drill's one-time identity beside
them, so the demo's custodians can confirm and approve with ``custos escrow``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

from custos.access.model import Principal, Role
from custos.access.service import AccessService
from custos.assurance.keys import generate_key, signer_from_file
from custos.demo.seed import largest_model, registered_organisation
from custos.escrow.custodian import approve_release, confirm_custody
from custos.escrow.depositing import DepositPlan, default_reference, prepare_deposit
from custos.escrow.model import CustodianAppointed, ReleaseRequested
from custos.escrow.service import EscrowService
from custos.escrow.shares import new_release_identity
from custos.registry.exports import export_model
from custos.registry.model import OrganisationKind
from custos.registry.service import RegistryService
from custos.store import Store
from custos.store import registry_views as rv

Say = Callable[[str], None]
CUSTODIANS = (
    ("Helvetia Vault Trust (synthetic)", "CH"),
    ("Nordic Key Custody (synthetic)", "SE"),
    ("Atlantic Escrow Services (synthetic)", "IE"),
)
THRESHOLD = 2


def _secret(path: Path, text: str) -> None:
    """Write a secret file readable by its owner only, never overwriting one."""
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as out:
        out.write(text)


def _stand_in_weights(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    generator = np.random.default_rng(2026)
    for number, shape in enumerate(((1024, 768), (768, 256))):
        tensors = {f"layers.{number}.weight": generator.standard_normal(shape).astype(np.float32)}
        save_file(tensors, str(folder / f"model-0000{number + 1}-of-00002.safetensors"))
    configuration = {"model_type": "stand-in", "note": "Synthetic stand-in weights for the demonstration."}
    (folder / "config.json").write_text(json.dumps(configuration, indent=1) + "\n", encoding="utf-8")
    (folder / "tokenizer.json").write_text('{"version": "1.0", "model": {"type": "BPE", "vocab": {}}}\n')


def seed_escrow(store: Store, by: Principal, say: Say) -> str:
    """Appoint the custodians and deposit, audit, confirm and start a release drill; the token of
    the first custodian's officer, for the demo's sign-ins."""
    home = store.settings.home
    keys = home / "keys"
    registry = RegistryService(store)
    escrow = EscrowService(store)
    today = store.clock.now().date()
    appointed, identities, officers = [], [], []
    access = AccessService(store)
    for number, (name, country) in enumerate(CUSTODIANS, start=1):
        organisation = registered_organisation(registry, by, name, country, OrganisationKind.CUSTODIAN.value)
        identity, recipient = new_release_identity()  # an X25519 identity like any other
        _secret(keys / f"custodian-{number}.age", f"{identity}\n")
        key = generate_key(keys / f"custodian-{number}.key")
        terms = {"organisation_id": organisation, "recipient": recipient, "keys": [key]}
        terms |= {"valid_from": (today - timedelta(days=30)).isoformat()}
        terms |= {"valid_until": (today + timedelta(days=3 * 365)).isoformat()}
        appointed.append(escrow.appoint(CustodianAppointed.model_validate(terms), by=by))
        identities.append(identity)
        actor = access.add_actor(f"Custody officer ({name})", Role.CUSTODIAN, organisation, by=by)
        officers.append(Principal(actor.id, actor.name, Role.CUSTODIAN, organisation, actor.jurisdiction))
    model = largest_model(store, by)
    with store.read() as conn:
        passport = rv.current_passport(conn, model)
    assert passport is not None  # the imported model has one
    declared = (json.loads(passport["content"]).get("compute") or {}).get("parameters")
    folder = home / "escrow" / "stand-in-weights"
    _stand_in_weights(folder)
    text, _ = export_model(registry, by, model, "cyclonedx")
    passport_file = home / "escrow" / "passport.cdx.json"
    passport_file.write_text(text, encoding="utf-8")
    plan = DepositPlan(
        model_id=model,
        passport_version=passport["version"],
        declared_parameters=declared,
        paths=(folder,),
        vault=str(home / "escrow" / "vault"),
        reference=default_reference(model),
        custodians=tuple(appointed),
        threshold=THRESHOLD,
        passport_file=passport_file,
    )
    deposit = escrow.deposit(prepare_deposit(plan), by=by)
    escrow.audit(deposit.id, by=by)
    now = store.clock.now()
    first_share = escrow.share(deposit.id, by=officers[0])
    signer = signer_from_file(keys / "custodian-1.key")
    escrow.confirm(deposit.id, confirm_custody(first_share, identities[0], signer, now), by=officers[0])
    drill, recipient = new_release_identity()
    _secret(keys / "release-drill.age", f"{drill}\n")
    release = escrow.request_release(
        ReleaseRequested.model_validate(
            {
                "deposit_id": deposit.id,
                "grounds": "other",
                "statement": "Synthetic: a yearly drill of the release procedure.",
                "recipient": recipient,
            }
        ),
        by=by,
    )
    escrow.approve(approve_release(release, first_share, identities[0], signer, now), by=officers[0])
    say(
        f"Appointed {len(appointed)} custodians; deposited stand-in weights of one model "
        f"({THRESHOLD} of {len(appointed)} to open), audited it, and started a release drill."
    )
    return access.issue_token(officers[0].actor_id or "")
