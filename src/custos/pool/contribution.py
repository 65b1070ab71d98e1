"""What the liability pool adds to an installation: calls, payments, claims, assessments,
payouts, subrogations and recoveries."""

from custos.pool.model import POOL_KINDS
from custos.store import Command, Contribution
from custos.store import pool_views as pv

CONTRIBUTION = Contribution(
    name="pool",
    kinds=POOL_KINDS,
    # Every pool kind is listed alike (its kind, owner and what it refers to); amounts stay in
    # the filings, where the balance is summed from.
    projections=dict.fromkeys(POOL_KINDS, pv.recorded),
    routers=("custos.api.pool_routes:router",),
    commands=(
        Command(
            "pool",
            "custos.cli.pool_cmds:app",
            "The liability pool: contributions called from stress tests, claims, payouts, recoveries.",
        ),
    ),
)
