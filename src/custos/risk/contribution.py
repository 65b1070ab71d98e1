"""What the stress tests add to an installation: runs and participations as filings."""

from custos.risk.filings import STRESS_TEST_COMPLETED, STRESS_TEST_PARTICIPATED
from custos.store import Command, Contribution

CONTRIBUTION = Contribution(
    name="risk",
    # A run's figures live in its results files; the filings are the record and need no view.
    kinds=(STRESS_TEST_COMPLETED, STRESS_TEST_PARTICIPATED),
    routers=("custos.api.risk_routes:router",),
    commands=(
        Command(
            "risk",
            "custos.cli.risk_cmds:app",
            "Systemic stress tests: dependency networks, correlated failures, contagion.",
        ),
    ),
)
