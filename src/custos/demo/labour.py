"""Seed the demonstration's labour run after the stress test, so the Labour page has a run to show:
the shipped ``registry-linked`` scenario (the gradual path, adoption driven by the registry's
deployments) with the ``us-baseline`` programme design. The demonstration registry's deployments
then move each occupation group by the sectors that employ it, and the levy falls on the world's
deployers in proportion to their deployments' labour exposure.
"""

from __future__ import annotations

from collections.abc import Callable

from custos.access.model import Principal
from custos.core import units
from custos.labor.requests import RunRequest
from custos.labor.service import LabourService
from custos.store import Store

SEED = 20261204


def seed_labour(store: Store, by: Principal, say: Callable[[str], None]) -> None:
    run = LabourService(store).run(
        RunRequest(scenario="registry-linked", programmes="us-baseline", seed=SEED), by=by
    )
    results = run.results
    deployments = sum(run.deployments_per_sector.values())
    say(
        f"Labour run '{run.scenario}' with '{run.programmes}' ({units.count(deployments)} registered "
        f"deployments driving adoption): {units.count(results.horizon_displaced_workers_p50)} workers "
        f"displaced over {results.years[0]}–{results.years[-1]} (median), safety nets costing "
        f"{units.money(results.horizon_total_cost_usd_p50, 'USD')}."
    )
