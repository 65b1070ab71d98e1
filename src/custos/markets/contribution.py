"""What market supervision adds to an installation: dependency assessments, merger reviews and
remedies, fallback plans and public-interest designations."""

from custos.markets.model import (
    DEPENDENCIES_ASSESSED,
    FALLBACK_PLAN_FILED,
    MARKETS_KINDS,
    MERGER_REVIEWED,
    PUBLIC_INTEREST_DESIGNATED,
    REMEDY_IMPOSED,
)
from custos.store import Command, Contribution
from custos.store import markets_views as mv

CONTRIBUTION = Contribution(
    name="markets",
    kinds=MARKETS_KINDS,
    projections={
        DEPENDENCIES_ASSESSED: mv.assessed,
        MERGER_REVIEWED: mv.merger_reviewed,
        REMEDY_IMPOSED: mv.remedy_imposed,
        FALLBACK_PLAN_FILED: mv.fallback_plan_filed,
        PUBLIC_INTEREST_DESIGNATED: mv.public_interest_designated,
    },
    routers=("custos.api.markets_routes:router",),
    commands=(
        Command(
            "markets",
            "custos.cli.markets_cmds:app",
            "Market structure: concentration per layer, single points of failure, merger review.",
        ),
    ),
)
