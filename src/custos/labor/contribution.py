"""What the labour instrument adds to an installation: runs as filings, listed in a view."""

from custos.labor.filings import LABOUR_KINDS, LABOUR_RUN_COMPLETED
from custos.store import Command, Contribution
from custos.store import labour_views as lv

CONTRIBUTION = Contribution(
    name="labor",
    kinds=LABOUR_KINDS,
    projections={LABOUR_RUN_COMPLETED: lv.run_completed},
    routers=("custos.api.labour_routes:router",),
    commands=(
        Command(
            "labour",
            "custos.cli.labour_cmds:app",
            "Labour: occupations exposed to language models, displacement scenarios, safety-net costs.",
        ),
    ),
)
