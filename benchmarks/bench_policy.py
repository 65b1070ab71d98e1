"""Policy engine speed: bulk evaluation of every built-in pack over 100,000 models and 300,000
deployments, and the re-evaluation that follows one filing.

Bulk evaluation is measured as the engine runs it: reading every subject's facts from the
views, then every rule of every pack on each subject (CEL, memoised by the facts a rule reads).
Filing the differences is not timed here: in a running registry they are few, since each
filing is re-evaluated as it arrives.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace

from benchmarks.common import row, scratch_store
from benchmarks.synthetic_registry import build
from custos.access.service import operator
from custos.core.memory import collection_paused
from custos.installation import composition
from custos.passports.model import Passport
from custos.policy.engine import subjects_of
from custos.policy.evaluate import Evaluator
from custos.policy.pack import BUILTIN, builtin_packs
from custos.policy.service import PolicyService
from custos.registry.importers import import_shipped
from custos.registry.service import RegistryService
from custos.store import Composition, Hook, Store
from custos.store.registry_views import ModelQuery, PageRequest


def bulk(models: int, deployments: int) -> None:
    settings = build(models, deployments)
    store = Store.open(settings, composition())
    packs = builtin_packs()
    try:
        started = time.perf_counter()
        evaluator = Evaluator(packs)
        with store.read() as conn, collection_paused():  # as PolicyService.evaluate does
            subjects = subjects_of(conn, None, evaluator.reads())
            read = time.perf_counter() - started
            applies = unknown = evaluated = 0
            for subject in subjects:
                for outcome in evaluator.outcomes(subject.kind.value, subject.facts):
                    evaluated += 1
                    applies += outcome.value is True
                    unknown += outcome.value is None
        total = time.perf_counter() - started
    finally:
        store.close()
    row(
        f"bulk evaluation, 4 built-in packs, {models:,} models + {deployments:,} deployments",
        f"{total:.2f} s ({read:.2f} s reading facts; {evaluated:,} rule outcomes, {applies:,} apply, "
        f"{unknown:,} unknown)",
        "<= 10 s",
    )


def incremental(samples: int) -> None:
    """Time the engine's work after each passport filing, in a registry of Epoch's models with
    the four built-in packs: once for filings that change no obligation (the common case), once
    for filings that cross a threshold and so file the obligations that appear or lapse."""
    store = scratch_store("policy-incremental")
    by = operator(store)
    registry = RegistryService(store)
    import_shipped(registry, "epoch", by=by)
    policy = PolicyService(store)
    for path in sorted(BUILTIN.glob("*.yaml")):
        policy.load(path.read_text(encoding="utf-8"), origin=path.name, by=by)
    timings: list[float] = []

    def timed(run):  # type: ignore[no-untyped-def]
        def hook(uow, batch):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            run(uow, batch)
            if any(f.kind == "passport.filed" for f in batch):  # not the engine's own follow-up filings
                timings.append((time.perf_counter() - started) * 1000)

        return hook

    models = registry.models(by, ModelQuery(min_flop=1e20), PageRequest(limit=samples)).items
    composed = store.composition
    store.composition = Composition(
        *(
            replace(c, hooks=tuple(Hook(h.name, timed(h.run), h.observes, h.files) for h in c.hooks))
            for c in composed.contributions
        )
    )
    try:
        for label, flop in (("no obligation changes", None), ("crosses 10^25 FLOP", 3e25)):
            timings.clear()
            for model in models:
                filed = registry.model(by, model.id).passport
                assert filed is not None  # every model above the threshold has a passport
                current = filed.passport.model_dump(mode="json", exclude_unset=True)
                compute = (
                    {"training_flop": flop, "confidence": "likely"} if flop else current.get("compute", {})
                )
                registry.file_passport(
                    model.id, Passport.model_validate(dict(current, compute=compute)), by=by
                )
            timings.sort()
            row(
                f"re-evaluation after one filing, {label} (4 packs, 1,871 models)",
                f"median {statistics.median(timings):.2f} ms, "
                f"p95 {timings[int(0.95 * (len(timings) - 1))]:.2f} ms over {len(timings)} filings",
                "p95 <= 5 ms",
            )
    finally:
        store.composition = composed
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=100_000)
    parser.add_argument("--deployments", type=int, default=300_000)
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()
    incremental(args.samples)
    bulk(args.models, args.deployments)


if __name__ == "__main__":
    main()
