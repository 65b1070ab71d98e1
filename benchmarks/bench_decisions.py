"""The decision point in-process: decisions per second on a warm index.

1,000 models, each licensed to its provider for the EU and finance; requests mix allowed and
denied answers (a jurisdiction or sector outside the scope, an unlicensed deployer).
"""

from __future__ import annotations

import argparse
import random
import time

from benchmarks.common import row, scratch_store
from custos.access.service import operator
from custos.licensing.decision import Context, DecisionPoint
from custos.licensing.model import LicenceApplication, LicenceStep, Transition
from custos.licensing.service import LicensingService
from custos.registry.model import ModelRegistration, OrganisationRegistered
from custos.registry.service import RegistryService


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--decisions", type=int, default=300_000)
    args = parser.parse_args()
    store = scratch_store("decisions")
    by = operator(store)
    registry, licensing = RegistryService(store), LicensingService(store)
    pairs = []
    for index in range(args.models):
        org = registry.register_organisation(
            OrganisationRegistered.model_validate({"name": f"Provider {index}", "jurisdiction": "FR"}), by=by
        )
        model_id = registry.register_model(
            ModelRegistration.model_validate({"name": f"Model {index}", "provider_id": org.id}), by=by
        ).id
        application = {
            "applicant_id": org.id,
            "model_id": model_id,
            "term_months": 12,
            "scope": {"jurisdictions": ["EU"], "sectors": ["finance"], "max_users": 1_000_000},
        }
        licence = licensing.apply(LicenceApplication.model_validate(application), by=by)
        licensing.decide(licence.id, Transition.GRANT, LicenceStep(), by=by)
        pairs.append((org.id, model_id))
    point = DecisionPoint(store, refresh_interval=0.1)
    chance = random.Random(3)
    contexts = [Context("DE", "finance", 500), Context("US", "finance", 5), Context("FR", "health", 5)]
    requests = [
        (
            chance.choice(pairs)[0] if chance.random() < 0.9 else "stranger",
            chance.choice(pairs)[1],
            chance.choice(contexts),
        )
        for _ in range(args.decisions)
    ]
    for deployer, model, context in requests[:10_000]:
        point.decide(deployer, model, context)
    started = time.perf_counter()
    allowed = sum(point.decide(deployer, model, context).allow for deployer, model, context in requests)
    elapsed = time.perf_counter() - started
    store.close()
    row(
        f"decisions in-process, warm index ({args.models:,} licensed models)",
        f"{args.decisions / elapsed:,.0f} decisions/s "
        f"({elapsed / args.decisions * 1e6:.1f} µs each; {allowed:,} allowed)",
        ">= 100,000/s",
    )


if __name__ == "__main__":
    main()
