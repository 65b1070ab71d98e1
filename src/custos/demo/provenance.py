"""Seed the demonstration's provenance audits: a synthetic training-data manifest committed for the
demo provider's largest model, a supervisor's sample of it answered and audited, a training-run
declaration consistent with the model's registered compute, the cloud's statement of chip-hours
and their reconciliation, and two private releases from a privacy budget.

The manifest is synthetic (the model's real corpus is not public): twenty thousand records of web
pages, books and code under a mix of licences and languages, a few with reserved rights or
personal data, so the sample's findings show what the audit finds. The manifest and its salt key
are kept in the installation's ``provenance`` directory, where a provider would keep them, so
``custos provenance reveal`` can answer a new sample.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import numpy as np

from custos.access.model import Principal
from custos.demo.seed import largest_model
from custos.provenance.commitment import commit_manifest, new_key, reveal, write_key
from custos.provenance.findings import declared_shares
from custos.provenance.model import (
    BudgetSet,
    ComputeSold,
    DatasetCommitted,
    PublishRequest,
    ReconcileRequest,
    RecordsRevealed,
    RunDeclared,
    SampleRequest,
)
from custos.provenance.plausibility import Precision, peak_flops_at
from custos.provenance.service import ProvenanceService
from custos.store import Store
from custos.store import registry_views as rv

Say = Callable[[str], None]
RECORDS = 20_000
DATASET = "Synthetic web, books and code corpus"
SOURCES = {"web": 0.7, "books": 0.2, "code": 0.1}
LICENCES = {"unknown": 0.45, "CC-BY-4.0": 0.25, "MIT": 0.1, "CC-BY-SA-4.0": 0.1, "LicenseRef-publisher": 0.1}
LANGUAGES = {"en": 0.6, "de": 0.1, "fr": 0.1, "es": 0.1, "zh": 0.1}
#: Shares of records with reserved rights and with personal data.
OPT_OUT_RATE, PII_RATE = 0.002, 0.001
#: The declared run: chips, precision and utilisation; its chip-hours follow from the compute.
CHIP, CHIPS, PRECISION, UTILISATION = "NVIDIA H100 SXM5 80GB", 20_000, Precision.BF16, 0.35
#: The cloud states slightly more chip-hours than the run used: within the 10% tolerance.
SOLD_OVER_DECLARED = 1.03


def _pick(rng: np.random.Generator, shares: dict[str, float], count: int) -> list[str]:
    return list(rng.choice(list(shares), size=count, p=list(shares.values())))


def write_manifest(path: Path) -> None:
    """The synthetic manifest, one JSON record per line, the same on every run."""
    rng = np.random.default_rng(2026)
    kinds, licences, languages = (_pick(rng, s, RECORDS) for s in (SOURCES, LICENCES, LANGUAGES))
    opt_out, pii = rng.random(RECORDS) < OPT_OUT_RATE, rng.random(RECORDS) < PII_RATE
    with path.open("w", encoding="utf-8") as out:
        for i in range(RECORDS):
            record = {
                "id": f"{kinds[i]}/shard-{i // 1000:03d}/item-{i:06d}",
                "source": f"https://{kinds[i]}.example.org/items/{i}",
                "source_type": kinds[i],
                "licence": licences[i],
                "language": languages[i],
                "collected_on": f"2024-{1 + i % 12:02d}-15",
                "pii": bool(pii[i]),
                "opt_out": bool(opt_out[i]),
                "content_hash": "sha256:" + hashlib.sha256(f"synthetic item {i}".encode()).hexdigest(),
            }
            out.write(json.dumps(record) + "\n")


def seed_provenance(store: Store, by: Principal, vendor: str, say: Say) -> None:
    """Commit, sample, reveal and audit; declare the run, state and reconcile its compute; publish."""
    service = ProvenanceService(store)
    folder = store.settings.home / "provenance"
    folder.mkdir(parents=True, exist_ok=True)
    manifest, key_file = folder / "manifest.jsonl", folder / "manifest.jsonl.key"
    write_manifest(manifest)
    key = new_key()
    write_key(key_file, key)
    model = largest_model(store, by)
    with store.read() as conn:
        passport = rv.current_passport(conn, model)
        registered = rv.model(conn, model)
        vendor_id = rv.organisations_named(conn, [vendor])[vendor]
    assert passport is not None and registered is not None
    named = [d["name"] for d in json.loads(passport["content"]).get("datasets", [])]
    built = commit_manifest(manifest, key)
    commitment = service.commit(
        DatasetCommitted(
            model_id=model,
            dataset=named[0] if named else DATASET,
            root=built.root.hex(),
            record_count=built.count,
            composition=declared_shares(built.composition),
        ),
        by=by,
    )
    sample = service.request_sample(SampleRequest(commitment_id=commitment.id), by=by)
    records = tuple(reveal(manifest, key, list(sample.reveal)))
    audit = service.reveal(RecordsRevealed(sample_id=sample.id, records=records), by=by)
    flop = float(registered["training_flop"])
    chip_hours = flop / (3600 * peak_flops_at(CHIP, PRECISION) * UTILISATION)
    days = max(int(chip_hours / CHIPS / 24) + 1, 1)
    ended = store.clock.now().date() - timedelta(days=400)
    started = ended - timedelta(days=days - 1)
    service.declare_run(
        RunDeclared.model_validate(
            {
                "model_id": model,
                "chips": [{"chip": CHIP, "quantity": CHIPS, "chip_hours": chip_hours}],
                "started_on": started.isoformat(),
                "ended_on": ended.isoformat(),
                "precision": PRECISION.value,
                "utilisation": UTILISATION,
                "cloud_vendor": vendor,
                "cloud_vendor_id": vendor_id,
            }
        ),
        by=by,
    )
    seller = Principal(by.actor_id, by.name, by.role, vendor_id, by.jurisdiction)
    service.sell(
        ComputeSold(
            customer_id=registered["provider_id"],
            period_start=started,
            period_end=ended,
            chip_hours=chip_hours * SOLD_OVER_DECLARED,
            chip=CHIP,
        ),
        by=seller,
    )
    reconciled = service.reconcile(
        ReconcileRequest(
            customer_id=registered["provider_id"], vendor_id=vendor_id, period_start=started, period_end=ended
        ),
        by=by,
    )
    service.set_budget(
        BudgetSet(epsilon=3.0, reason="Yearly budget of the public portal's aggregates."), by=by
    )
    service.publish(PublishRequest(statistic="training-compute", epsilon=1.0), by=by)
    service.publish(PublishRequest(statistic="dataset-licences", epsilon=0.5), by=by)
    say(
        f"Committed a synthetic manifest of {built.count:,} records, audited a sample of {audit.sampled} "
        f"({audit.outcome}), declared and reconciled a training run ({reconciled.status}), and published "
        "two private aggregates."
    )
