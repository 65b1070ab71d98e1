"""What licensing adds to an installation: licences, rollouts, recognitions and the decision point."""

from custos.licensing.decision import DECISION_LOGGED, licences_changed
from custos.licensing.model import KINDS, LICENCE_APPLIED, Transition
from custos.licensing.recognition import RECOGNITION_AGREED, RECOGNITION_ENDED
from custos.licensing.rollout import (
    ROLLOUT_HELD,
    ROLLOUT_METRICS,
    ROLLOUT_PLANNED,
    ROLLOUT_PROMOTED,
    ROLLOUT_ROLLED_BACK,
)
from custos.store import Command, Contribution, Hook
from custos.store import licensing_views as lv

_DECIDED = tuple(kind for transition, kind in KINDS.items() if transition is not Transition.VARY)
_MOVED = (ROLLOUT_PROMOTED, ROLLOUT_ROLLED_BACK, ROLLOUT_HELD)
_INDEXED = (
    LICENCE_APPLIED,
    *KINDS.values(),
    ROLLOUT_PLANNED,
    *_MOVED,
    ROLLOUT_METRICS,
    RECOGNITION_AGREED,
    RECOGNITION_ENDED,
)

CONTRIBUTION = Contribution(
    name="licensing",
    kinds=(*_INDEXED, DECISION_LOGGED),
    projections={
        LICENCE_APPLIED: lv.licence_applied,
        **{kind: lv.licence_decided for kind in _DECIDED},
        KINDS[Transition.VARY]: lv.licence_varied,
        ROLLOUT_PLANNED: lv.rollout_planned,
        **{kind: lv.rollout_moved for kind in _MOVED},
        RECOGNITION_AGREED: lv.recognition_agreed,
        RECOGNITION_ENDED: lv.recognition_ended,
    },
    # The decision point's in-memory index is rebuilt after these; it files nothing itself.
    hooks=(Hook("licensing.decision_index", licences_changed, observes=frozenset(_INDEXED), files=False),),
    hot_routers=("custos.api.decision_routes:router",),
    routers=("custos.api.licensing_routes:router",),
    commands=(
        Command("licence", "custos.cli.licence_cmds:app", "Licences: applications, decisions, suspensions."),
        Command("rollout", "custos.cli.rollout_cmds:app", "Phased rollouts of licensed models."),
        Command(
            "decide",
            "custos.cli.licence_cmds:decision",
            "May this deployer serve this request with this model, now? Exit code 1 when denied.",
        ),
    ),
)
