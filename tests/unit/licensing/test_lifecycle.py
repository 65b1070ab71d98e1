"""The licence lifecycle as a state machine, driven through the real service: every transition
the table allows is accepted, every other is refused with a Conflict, and nothing else moves."""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from custos.core import Conflict
from custos.licensing.model import LIFECYCLE, LicenceStatus, LicenceStep, Transition
from tests.store.test_registry import SUPERVISOR
from tests.unit.licensing.world import applied_licence

TERMINAL = {LicenceStatus.REFUSED, LicenceStatus.REVOKED, LicenceStatus.EXPIRED}


def test_terminal_states_allow_nothing_and_every_state_is_reachable() -> None:
    assert all(not LIFECYCLE[state] for state in TERMINAL)
    reachable = {LicenceStatus.APPLIED}
    frontier = [LicenceStatus.APPLIED]
    while frontier:
        for target in LIFECYCLE[frontier.pop()].values():
            if target not in reachable:
                reachable.add(target)
                frontier.append(target)
    assert reachable == set(LicenceStatus)


class Lifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        world = applied_licence()
        self.store, self.service, self.licence = world.store, world.licensing, world.licence
        self.expected = LicenceStatus.APPLIED

    @rule(transition=st.sampled_from(list(Transition)))
    def attempt(self, transition: Transition) -> None:
        allowed = LIFECYCLE[self.expected]
        content = LicenceStep() if transition is Transition.GRANT else LicenceStep(reason="because")
        if transition not in allowed:
            with pytest.raises(Conflict):
                self.service.decide(self.licence, transition, content, by=SUPERVISOR)
            return
        result = self.service.decide(self.licence, transition, content, by=SUPERVISOR)
        self.expected = allowed[transition]
        assert result.status == self.expected.value

    @invariant()
    def the_view_agrees(self) -> None:
        assert self.service.show(SUPERVISOR, self.licence).status == self.expected.value

    def teardown(self) -> None:
        self.store.verify()
        self.store.close()


Lifecycle.TestCase.settings = settings(max_examples=15, stateful_step_count=12, deadline=None)
TestLifecycle = Lifecycle.TestCase
