"""What buffers add to an installation: capital declarations and insurance policies."""

from custos.buffers.model import BUFFER_DECLARED, BUFFERS_KINDS, INSURANCE_BOUND
from custos.store import Command, Contribution
from custos.store import buffers_views as bv

CONTRIBUTION = Contribution(
    name="buffers",
    kinds=BUFFERS_KINDS,
    projections={BUFFER_DECLARED: bv.declared, INSURANCE_BOUND: bv.bound},
    routers=("custos.api.buffers_routes:router",),
    commands=(
        Command(
            "buffers",
            "custos.cli.buffers_cmds:app",
            "Capital and insurance held against AI deployments, verified against the latest stress run.",
        ),
    ),
)
