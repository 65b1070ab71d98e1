"""Rollouts as a state machine, driven through the real service and decision point: promotion
and rollback move exactly as the plan allows, and the subjects a stage admits are exactly those
whose bucket is within its percentage, so promotion never drops a subject already admitted."""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from custos.core import Conflict
from custos.licensing.decision import Context, DecisionPoint
from custos.licensing.model import LicenceStep, Transition
from custos.licensing.rollout import RolloutPlanned, included
from custos.licensing.rollout_service import RolloutService
from tests.store.test_registry import SUPERVISOR
from tests.unit.licensing.world import applied_licence

SUBJECTS = [f"subject-{i}" for i in range(150)]


class Rollout(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.world = applied_licence()
        self.world.licensing.decide(self.world.licence, Transition.GRANT, LicenceStep(), by=SUPERVISOR)
        self.rollouts = RolloutService(self.world.store)
        self.point = DecisionPoint(self.world.store)
        self.shares: list[int] = []
        self.stage = 0

    @initialize(shares=st.lists(st.integers(1, 100), min_size=1, max_size=4, unique=True).map(sorted))
    def plan(self, shares: list[int]) -> None:
        stages = [
            {"name": f"stage-{i}", "percentage": p, "gates": {"no_serious_incident": False}}
            for i, p in enumerate(shares)
        ]
        self.rollouts.plan(
            self.world.licence, RolloutPlanned.model_validate({"stages": stages}), by=SUPERVISOR
        )
        self.shares = shares

    def admitted(self) -> set[str]:
        ask = self.point.decide
        return {
            key
            for key in SUBJECTS
            if ask(self.world.provider, self.world.model, Context("FR", subject_key=key)).allow
        }

    @rule()
    def promote(self) -> None:
        if self.stage + 1 >= len(self.shares):
            with pytest.raises(Conflict, match="last stage"):
                self.rollouts.promote(self.world.licence, "go", by=SUPERVISOR)
            return
        before = self.admitted()
        self.stage = self.rollouts.promote(self.world.licence, "go", by=SUPERVISOR).stage
        assert before <= self.admitted()

    @rule(to=st.integers(0, 4))
    def roll_back(self, to: int) -> None:
        if to >= self.stage:
            with pytest.raises(Conflict, match="earlier stage"):
                self.rollouts.rollback(self.world.licence, to, "back", by=SUPERVISOR)
            return
        self.stage = self.rollouts.rollback(self.world.licence, to, "back", by=SUPERVISOR).stage
        assert self.stage == to

    @rule()
    def hold(self) -> None:
        assert self.rollouts.hold(self.world.licence, "wait", by=SUPERVISOR).stage == self.stage

    @invariant()
    def the_stage_admits_exactly_its_share(self) -> None:
        if not self.shares:
            return
        share = self.shares[self.stage]
        assert self.rollouts.status(self.world.licence).percentage == share
        assert self.admitted() == {k for k in SUBJECTS if included(self.world.licence, k, share)}

    def teardown(self) -> None:
        self.world.store.verify()
        self.world.store.close()


Rollout.TestCase.settings = settings(max_examples=12, stateful_step_count=10, deadline=None)
TestRollout = Rollout.TestCase
