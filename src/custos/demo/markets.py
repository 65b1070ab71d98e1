"""Seed the demonstration's market supervision: a public-interest designation, the dependency
network's single points of failure filed as an assessment (the packs attach a fallback-plan duty
to each linchpin), a merger review of two hosts with a remedy, and a public-interest what-if.

The designated model is real and so are its grounds: BLOOM was trained by the BigScience open
research workshop on the French public supercomputer Jean Zay under a GENCI compute grant, and
its weights are published under the BigScience RAIL licence. The merger is hypothetical: the
second- and fifth-largest compute owners in Epoch AI's estimates.
"""

from __future__ import annotations

from collections.abc import Callable

from custos.access.model import Principal
from custos.core import units
from custos.markets.model import RemedyKind
from custos.markets.requests import DesignationRequest, MergerRequest, RemedyRequest, WhatIfRequest
from custos.markets.service import MarketsService
from custos.store import Store

PUBLIC_INTEREST_MODEL = "BLOOM-176B"
GROUNDS = (
    "Trained by the BigScience open research workshop on the French public supercomputer Jean Zay "
    "under a GENCI compute grant; weights published under the BigScience RAIL licence."
)
ACQUIRER, TARGET = "Microsoft", "Oracle"


def seed_markets(store: Store, by: Principal, say: Callable[[str], None]) -> None:
    service = MarketsService(store)
    service.designate(DesignationRequest(model=PUBLIC_INTEREST_MODEL, grounds=GROUNDS), by=by)
    assessment = service.assess(by=by)
    named = ", ".join(assessment.linchpin_names) or "none"
    say(
        f"Dependency assessment filed: {len(assessment.linchpins)} linchpin(s) above "
        f"{units.percent(assessment.threshold)} of exposure ({named})."
    )
    review = service.review_merger(MergerRequest(acquirer=ACQUIRER, target=TARGET), by=by)
    service.impose_remedy(
        review.id,
        RemedyRequest(
            remedy=RemedyKind.FALLBACK,
            terms="Offer every deployment the merged firm hosts a tested fallback host of another provider.",
        ),
        by=by,
    )
    largest = max((c for c in review.layers if c.sector is None), key=lambda change: change.delta_hhi)
    stress = review.stress
    assert stress is not None  # a review re-runs the stress test
    before, after = (
        units.money(value, "EUR")
        for value in (stress.pre_expected_shortfall_eur, stress.post_expected_shortfall_eur)
    )
    say(
        f"Merger review {ACQUIRER} + {TARGET}: HHI up by at most {units.number(largest.delta_hhi)} "
        f"({largest.title}); "
        f"expected shortfall ({units.percent(stress.level)}) {before} → {after}; a fallback remedy imposed."
    )
    what_if = service.what_if(WhatIfRequest(sector="finance", model=PUBLIC_INTEREST_MODEL), by=by)
    say(
        f"If {units.count(what_if.deployments)} finance deployments could fail over to {what_if.model}, "
        f"the expected shortfall would fall by {units.money(-what_if.change_eur, 'EUR')}."
    )
