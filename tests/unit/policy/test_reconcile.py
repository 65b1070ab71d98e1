"""``reconcile``: from a rule's outcome and an obligation's previous status to the filing, if any.

Pinned from src/custos/policy/reconcile.py and docs/policy.md ("Loading, evaluating, versions"):
the engine files only differences. For each (obligation, subject):

=================  ===========  ============  ==========  ==========  ======  ============
outcome \\ status   (none)       undetermined  lapsed      open        waived  discharged
=================  ===========  ============  ==========  ==========  ======  ============
holds (true)       attached     attached      attached    --          --      --
unknown (None)     undetermined --            undetermined undetermined --     --
fails (false)      --           lapsed        --          lapsed      lapsed  lapsed
=================  ===========  ============  ==========  ==========  ======  ============

A holding rule is attached again over an open, waived or discharged one only when a new pack
version words it differently. An obligation whose rule or pack is gone lapses with the reason
(unless it already lapsed). Deadlines count from the triggering filing, else from now. The
subjects, packs and previous rows are built by hand, so no store is involved.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custos.core.clock import FixedClock
from custos.filings import Filing
from custos.policy.facts import SubjectKind
from custos.policy.model import OBLIGATION_ATTACHED
from custos.policy.pack import Pack, load_pack
from custos.policy.reconcile import reconcile
from custos.policy.subjects import Subject
from tests.unit.policy.unit_pack import unit_pack

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
KEY = "unit-pack/big-model/notify"

PACK = unit_pack("unit-pack", "A pack for reconciliation")

#: The facts that make the rule hold, fail, or stay unknown (no compute figure).
FACTS: dict[bool | None, dict[str, Any]] = {
    True: {"training_flop": 3e25},
    False: {"training_flop": 5e24},
    None: {},
}

#: The record of the obligation as version 1.0.0 words it, written out from PACK by hand.
WORDING: dict[str, Any] = {
    "pack_version": "1.0.0",
    "jurisdiction": "EU",
    "title": "Notify the authority",
    "severity": "medium",
    "cite": {"document": "The Unit Act", "article": "Art. 1"},
    "discharged_by": [],
    "standing_event": None,
    "recurring": None,
}


def subject(value: bool | None, dates: dict[str, str | None] | None = None) -> Subject:
    facts = FACTS[value]
    return Subject("MODEL-1", SubjectKind.MODEL, "LAB", {"central": facts, "upper_bound": facts}, dates or {})


def row(status: str, **record: Any) -> dict[str, Any]:
    """A previous obligations-view row, as far as reconcile reads it."""
    return {"status": status, "record": json.dumps({**WORDING, **record})}


@cache
def pack(text: str) -> Pack:
    """Each pack text compiled once for the module (packs are immutable)."""
    return load_pack(text)


def run(
    value: bool | None,
    existing: dict[tuple[str, str], dict[str, Any]] | None = None,
    text: str = PACK,
    **kwargs: Any,
) -> list[Filing]:
    return reconcile([pack(text)], [subject(value)], existing or {}, clock=FixedClock(NOW), **kwargs)


TABLE: list[tuple[bool | None, str | None, str | None]] = [
    (True, None, "obligation.attached"),
    (True, "undetermined", "obligation.attached"),
    (True, "lapsed", "obligation.attached"),
    (True, "open", None),
    (True, "waived", None),
    (True, "discharged", None),
    (None, None, "obligation.undetermined"),
    (None, "undetermined", None),
    (None, "lapsed", "obligation.undetermined"),
    (None, "open", "obligation.undetermined"),
    (None, "waived", None),
    (None, "discharged", None),
    (False, None, None),
    (False, "undetermined", "obligation.lapsed"),
    (False, "lapsed", None),
    (False, "open", "obligation.lapsed"),
    (False, "waived", "obligation.lapsed"),
    (False, "discharged", "obligation.lapsed"),
]


@pytest.mark.parametrize(("value", "previous", "expected"), TABLE)
def test_what_is_filed_for_each_outcome_and_previous_status(
    value: bool | None, previous: str | None, expected: str | None
) -> None:
    existing = {} if previous is None else {(KEY, "MODEL-1"): row(previous)}
    filings = run(value, existing)
    assert [f.kind for f in filings] == ([expected] if expected else [])
    for filing in filings:
        assert (filing.subject, filing.organisation, filing.actor, filing.jurisdiction) == (
            "MODEL-1",
            "LAB",
            "policy-engine",
            "EU",
        )
        assert filing.content["key"] == KEY
        assert filing.filed_at == NOW


def test_a_rule_that_no_longer_holds_lapses_with_that_reason() -> None:
    (lapse,) = run(False, {(KEY, "MODEL-1"): row("open")})
    assert lapse.content == {
        "key": KEY,
        "reason": "the rule no longer holds for the subject",
        "evidence": None,
        "next_due_at": None,
    }


def test_an_attached_obligation_falls_due_fourteen_days_after_its_trigger() -> None:
    """The pack says ``within: 14`` calendar days from the trigger: the triggering filing's time
    when there is one (2026-10-20 08:00 → 2026-11-03 08:00), else now (→ 2026-11-16 09:30)."""
    trigger = Filing.model_validate(
        {
            "id": "01TRIGGER",
            "kind": "passport.filed",
            "actor": "a",
            "organisation": "LAB",
            "jurisdiction": "FR",
            "subject": "MODEL-1",
            "filed_at": datetime(2026, 10, 20, 8, 0, tzinfo=UTC),
            "content": {},
            "visibility": {},
            "salts": {},
        }
    )
    (triggered,) = run(True, triggers={"MODEL-1": trigger})
    assert triggered.content["due_at"] == "2026-11-03T23:00:00+00:00"  # the end of the day in Brussels
    assert triggered.content["trigger"] == "01TRIGGER"
    (untriggered,) = run(True)
    assert untriggered.content["due_at"] == "2026-11-16T23:00:00+00:00"
    assert untriggered.content["trigger"] is None


def test_the_attached_record_says_what_the_pack_says() -> None:
    (attached,) = run(True)
    content = attached.content
    assert {k: content[k] for k in WORDING} == WORDING
    assert (content["key"], content["subject_kind"]) == (KEY, "model")
    assert content["explanation"]["facts"] == {"training_flop": 3e25}


def test_an_undetermined_obligation_has_no_due_date_and_names_what_is_missing() -> None:
    (undetermined,) = run(None)
    assert undetermined.content["due_at"] is None
    assert undetermined.content["explanation"]["missing"] == ["training_flop"]


def test_a_deadline_from_the_release_date_counts_from_its_midnight() -> None:
    """``start: release_date`` with the model released on 2026-03-01: legally due at the end of
    2026-03-31, long past when the obligation attaches on 2026-11-02 09:30, so the pack's grace
    (30 days) makes it due at the end of 2026-12-02 in Brussels, and the record keeps both."""
    text = PACK.replace("deadline: {within: 14}", "deadline: {within: 30, start: release_date}")
    filings = reconcile(
        [load_pack(text)],
        [subject(True, {"release_date": "2026-03-01"})],
        {},
        clock=FixedClock(NOW),
    )
    content = filings[0].content
    assert content["due_at"] == "2026-12-02T23:00:00+00:00"
    assert content["legal_due_at"] == "2026-03-31T22:00:00+00:00"  # summer time in Brussels
    assert (content["starts_at"], content["starts_from"]) == ("2026-03-01T00:00:00+00:00", "release_date")


# --- new versions --------------------------------------------------------------------------


@pytest.mark.parametrize("previous", ["open", "waived", "discharged"])
def test_a_new_version_worded_differently_attaches_again(previous: str) -> None:
    reworded = PACK.replace("version: 1.0.0", "version: 1.1.0").replace(
        "title: Notify the authority", "title: Notify the competent authority"
    )
    (attached,) = run(True, {(KEY, "MODEL-1"): row(previous)}, text=reworded)
    assert attached.kind == OBLIGATION_ATTACHED.name
    assert (attached.content["pack_version"], attached.content["title"]) == (
        "1.1.0",
        "Notify the competent authority",
    )


def test_a_new_version_worded_alike_files_nothing() -> None:
    """Only the version (and an unrelated pack title) changed: the obligation reads the same."""
    same = PACK.replace("version: 1.0.0", "version: 1.1.0").replace(
        "title: A pack for reconciliation", "title: A pack for reconciliation, revised"
    )
    assert run(True, {(KEY, "MODEL-1"): row("open")}, text=same) == []


def test_the_same_version_with_another_wording_files_nothing() -> None:
    """Rewording is recognised only with a new version (loading the same version with other text
    is refused earlier, by the service)."""
    assert run(True, {(KEY, "MODEL-1"): row("open", title="An older title")}) == []


# --- obligations whose rule or pack is gone --------------------------------------------------


def test_an_obligation_of_a_rule_no_longer_in_the_pack_lapses() -> None:
    gone = "unit-pack/old-rule/notify"
    filings = run(True, {(KEY, "MODEL-1"): row("open"), (gone, "MODEL-1"): row("open")})
    assert [(f.kind, f.content["key"], f.content["reason"]) for f in filings] == [
        ("obligation.lapsed", gone, "the rule is no longer in the active pack")
    ]


def test_an_obligation_of_a_pack_no_longer_active_lapses_in_its_own_jurisdiction() -> None:
    gone = "california-sb53/frontier/report"
    filings = run(
        True, {(KEY, "MODEL-1"): row("open"), (gone, "MODEL-1"): row("undetermined", jurisdiction="US-CA")}
    )
    assert [(f.kind, f.content["key"], f.content["reason"], f.jurisdiction) for f in filings] == [
        ("obligation.lapsed", gone, "the pack is no longer active", "US-CA")
    ]


def test_an_obligation_already_lapsed_is_not_lapsed_again() -> None:
    gone = "retired-pack/rule/duty"
    assert run(True, {(KEY, "MODEL-1"): row("open"), (gone, "MODEL-1"): row("lapsed")}) == []


def test_another_subjects_obligations_are_left_alone() -> None:
    """Rows of subjects not being reconciled are never lapsed by this run."""
    assert run(True, {(KEY, "MODEL-1"): row("open"), (KEY, "MODEL-2"): row("open")}) == []


def test_the_tally_counts_outcomes_by_value() -> None:
    tally: Counter[bool | None] = Counter()
    pack = load_pack(PACK)
    subjects = [
        Subject(f"M{i}", SubjectKind.MODEL, "LAB", {"central": f, "upper_bound": f}, {})
        for i, f in enumerate([FACTS[True], FACTS[True], FACTS[None], FACTS[False]])
    ]
    reconcile([pack], subjects, {}, clock=FixedClock(NOW), tally=tally)
    assert tally == Counter({True: 2, None: 1, False: 1})


#: How the obligations view records each filing (docs/policy.md: obligations are open,
#: undetermined, lapsed, ...), written out here to replay reconcile's filings by hand.
RECORDED = {
    "obligation.attached": "open",
    "obligation.undetermined": "undetermined",
    "obligation.lapsed": "lapsed",
}


@given(values=st.lists(st.sampled_from([True, False, None]), min_size=1, max_size=8))
def test_any_history_of_outcomes_ends_reconciled(values: list[bool | None]) -> None:
    """Whatever sequence of outcomes a subject goes through, recording each run's filings leaves
    the status the last outcome implies (holds → open, unknown → undetermined, fails → lapsed or
    never attached), and running again with that outcome files nothing."""
    status: str | None = None
    for value in values:
        existing = {} if status is None else {(KEY, "MODEL-1"): row(status)}
        for filing in run(value, existing):
            status = RECORDED[filing.kind]
        again = {} if status is None else {(KEY, "MODEL-1"): row(status)}
        assert run(value, again) == []
    expected: str | None = {True: "open", None: "undetermined", False: "lapsed"}[values[-1]]
    if values[-1] is False and all(v is False for v in values):
        expected = None  # never attached, so nothing to lapse
    assert status == expected
