"""What the policy package adds to an installation: packs, obligations, and their re-evaluation.

The re-evaluation observes every other package's filings: any of them may change a subject's
facts or discharge an obligation. An installation records it, so a store composed without this
contribution refuses to file what it would have to re-evaluate.
"""

from custos.policy.hook import re_evaluate
from custos.policy.model import (
    KINDS,
    OBLIGATION_ATTACHED,
    OBLIGATION_DISCHARGED,
    OBLIGATION_LAPSED,
    OBLIGATION_UNDETERMINED,
    OBLIGATION_WAIVED,
    PACK_LOADED,
)
from custos.store import Command, Contribution, Hook
from custos.store import policy_views as pv

CONTRIBUTION = Contribution(
    name="policy",
    kinds=KINDS,
    projections={
        PACK_LOADED: pv.pack_loaded,
        OBLIGATION_ATTACHED: pv.obligation_recorded,
        OBLIGATION_UNDETERMINED: pv.obligation_recorded,
        OBLIGATION_LAPSED: pv.obligation_closed,
        OBLIGATION_DISCHARGED: pv.obligation_closed,
        OBLIGATION_WAIVED: pv.obligation_closed,
    },
    hooks=(Hook("policy.re_evaluate", re_evaluate),),
    routers=("custos.api.policy_routes:router",),
    commands=(
        Command("policy", "custos.cli.policy_cmds:app", "Policy packs and the obligations they attach."),
    ),
)
