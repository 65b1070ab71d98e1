"""What provenance audits add to an installation: commitments, sampling audits, training-run
declarations, compute statements and their reconciliation, and private aggregates."""

from custos.provenance.model import (
    AGGREGATE_PUBLISHED,
    BUDGET_SET,
    COMPUTE_SOLD,
    DATASET_COMMITTED,
    PROVENANCE_KINDS,
    RECONCILED,
    RECORDS_REVEALED,
    RUN_DECLARED,
    SAMPLE_AUDITED,
    SAMPLE_REQUESTED,
)
from custos.store import Command, Contribution
from custos.store import provenance_views as pv

CONTRIBUTION = Contribution(
    name="provenance",
    kinds=PROVENANCE_KINDS,
    projections={
        DATASET_COMMITTED: pv.committed,
        SAMPLE_REQUESTED: pv.sample_requested,
        RECORDS_REVEALED: pv.revealed,
        SAMPLE_AUDITED: pv.audited,
        RUN_DECLARED: pv.run_declared,
        COMPUTE_SOLD: pv.compute_sold,
        RECONCILED: pv.reconciled,
        BUDGET_SET: pv.budget_set,
        AGGREGATE_PUBLISHED: pv.published,
    },
    routers=("custos.api.provenance_routes:router",),
    commands=(
        Command(
            "provenance",
            "custos.cli.provenance_cmds:app",
            "Dataset commitments, sampling audits, compute plausibility and private aggregates.",
        ),
    ),
)
