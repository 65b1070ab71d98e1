"""A model in escrow: three appointed custodians, a small real model folder sealed into a vault
directory, and the deposit filed by its provider.

Built on the parties' installation (tests.unit.registry.world). The model's passport declares the
parameters its safetensors shards hold and a training compute above the baseline pack's systemic
threshold, so the pack attaches the weight-escrow duty. Each custodian has its own age identity and
signing key, as it would on its own machine.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from cryptography.hazmat.primitives.asymmetric import ed25519
from safetensors.numpy import save_file
from securesystemslib.signer import CryptoSigner

from custos.access.model import Principal, Role
from custos.escrow.depositing import DepositPlan, prepare_deposit
from custos.escrow.model import CustodianAppointed, EscrowDeposited
from custos.escrow.service import EscrowService
from custos.escrow.shares import new_release_identity
from custos.escrow.views import CustodianView, DepositView
from custos.policy.pack import BUILTIN
from custos.policy.service import PolicyService
from custos.registry.model import OrganisationRegistered, Passport
from custos.registry.service import RegistryService
from custos.store import Store
from tests.unit.assurance.audits import public
from tests.unit.registry.world import Parties, acting

BASELINE = (BUILTIN / "custos-baseline.yaml").read_text(encoding="utf-8")
WEIGHT_ESCROW = "custos-baseline/systemic-risk-model/weight-escrow"
#: The shards' tensors: 3 chunks of ciphertext for the first shard, 1 for the second.
SHAPES = {"model-00001-of-00002.safetensors": (640, 1024), "model-00002-of-00002.safetensors": (64, 64)}
PARAMETERS = sum(rows * columns for rows, columns in SHAPES.values())


@dataclass
class Custodian:
    organisation: str
    appointment: CustodianView
    identity: str
    key: CryptoSigner

    @property
    def actor(self) -> Principal:
        return acting(Role.CUSTODIAN, self.organisation, "FR")


@dataclass
class Escrow:
    store: Store
    parties: Parties
    service: EscrowService
    custodians: list[Custodian]
    folder: Path
    vault: Path
    deposit: DepositView | None = None
    payloads: list[EscrowDeposited] = field(default_factory=list)

    def plan(self, threshold: int = 2, **changes: Any) -> DepositPlan:
        with self.store.read() as conn:
            from custos.store import registry_views as rv

            passport = rv.current_passport(conn, self.parties.model)
        assert passport is not None
        terms: dict[str, Any] = {
            "model_id": self.parties.model,
            "passport_version": passport["version"],
            "declared_parameters": float(PARAMETERS),
            "paths": (self.folder,),
            "vault": str(self.vault),
            "reference": f"deposit-{secrets.token_hex(4)}",
            "custodians": tuple(c.appointment for c in self.custodians),
            "threshold": threshold,
        } | changes
        return DepositPlan(**terms)

    def seal(self, threshold: int = 2, **changes: Any) -> EscrowDeposited:
        payload = prepare_deposit(self.plan(threshold, **changes))
        self.payloads.append(payload)
        return payload

    def file(self, threshold: int = 2, **changes: Any) -> DepositView:
        self.deposit = self.service.deposit(self.seal(threshold, **changes), by=self.parties.provider_actor)
        return self.deposit


def model_folder(root: Path) -> Path:
    """A Hugging Face style folder: two safetensors shards, a configuration and a tokenizer."""
    root.mkdir(parents=True, exist_ok=True)
    generator = np.random.default_rng(7)
    for number, (name, shape) in enumerate(SHAPES.items()):
        tensor = generator.standard_normal(shape).astype(np.float32)
        save_file({f"layers.{number}.weight": tensor}, str(root / name))
    (root / "config.json").write_text('{"model_type": "frontier", "hidden_size": 1024}\n')
    (root / "tokenizer.json").write_text('{"version": "1.0", "model": {"type": "BPE", "vocab": {}}}\n')
    return root


def file_passport(store: Store, parties: Parties, parameters: float = PARAMETERS) -> None:
    RegistryService(store).file_passport(
        parties.model,
        Passport.model_validate(
            {"provenance": {"source": "manual"}, "compute": {"training_flop": 3e25, "parameters": parameters}}
        ),
        by=parties.provider_actor,
    )


def escrow(store: Store, parties: Parties, tmp_path: Path, custodians: int = 3) -> Escrow:
    """The baseline pack loaded, the model's passport filed, and ``custodians`` appointed."""
    PolicyService(store).load(BASELINE, origin="custos-baseline.yaml", by=parties.supervisor)
    file_passport(store, parties)
    registry = RegistryService(store)
    service = EscrowService(store)
    appointed = []
    for number in range(custodians):
        organisation = registry.register_organisation(
            OrganisationRegistered.model_validate(
                {"name": f"Custodian {number}", "jurisdiction": "FR", "country": "FR", "kinds": ["custodian"]}
            ),
            by=parties.supervisor,
        ).id
        identity, recipient = new_release_identity()
        key = CryptoSigner(ed25519.Ed25519PrivateKey.generate())
        appointment = service.appoint(
            CustodianAppointed.model_validate(
                {
                    "organisation_id": organisation,
                    "recipient": recipient,
                    "keys": [public(key)],
                    "confirm_every_days": 90,
                    "valid_from": date(2026, 1, 1).isoformat(),
                    "valid_until": date(2029, 12, 31).isoformat(),
                }
            ),
            by=parties.supervisor,
        )
        appointed.append(Custodian(organisation, appointment, identity, key))
    return Escrow(store, parties, service, appointed, model_folder(tmp_path / "model"), tmp_path / "vault")
