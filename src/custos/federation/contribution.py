"""What federation adds to an installation: peers, notices both ways, and witnessing peers' logs."""

from custos.federation.model import (
    FEDERATION_KINDS,
    NOTICE_ACKNOWLEDGED,
    NOTICE_FLAGGED,
    NOTICE_RECEIVED,
    PEER_CLEARED,
    PEER_FLAGGED,
    PEER_RECOGNISED,
    PEER_WITHDRAWN,
    SHAREABLE,
)
from custos.federation.service import flag_for_peers
from custos.store import Command, Contribution, Hook
from custos.store import federation_views as fv

CONTRIBUTION = Contribution(
    name="federation",
    kinds=FEDERATION_KINDS,
    projections={
        PEER_RECOGNISED: fv.recognised,
        PEER_WITHDRAWN: fv.peer_step,
        PEER_FLAGGED: fv.peer_step,
        PEER_CLEARED: fv.peer_step,
        NOTICE_FLAGGED: fv.notice_flagged,
        NOTICE_RECEIVED: fv.notice_received,
        NOTICE_ACKNOWLEDGED: fv.notice_acknowledged,
    },
    # A shareable filing (an incident, a licence suspension, a red-team escalation) is flagged for
    # every peer whose scope covers it.
    hooks=(Hook("federation.notices", flag_for_peers, observes=frozenset(SHAREABLE)),),
    routers=("custos.api.federation_routes:router", "custos.api.standards_routes:router"),
    commands=(Command("peers", "custos.cli.peers_cmds:app", "Peer installations: notices and witnessing."),),
)
