"""The policy engine: one pipeline from the active packs to the filings they imply.

Pinned from src/custos/policy/engine.py and docs/architecture.md ("The walk of a passport
filing", step 6): the engine files only differences (a second run over an unchanged registry
files nothing); a dry run files nothing and returns what it would file; ``must_exist`` refuses a
run naming no existing subject; packs the caller already read are the ones evaluated; a
deadline counts from the filing that triggered the evaluation (else from the run's time); an
open obligation is discharged by a filing of a kind in its ``discharged_by``, any such filing for
a one-off duty, only one made since the period began for a recurring one, whose discharge opens
the next period (``closing_filing``); and packs compile once per text.

Packs are made active here by filing ``policy.pack_loaded`` directly, which (being a policy
filing) does not run the engine, so each test decides when the engine runs. Due dates are worked
out by hand from the packs' ``within`` and the clock.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from custos.access.filer import file_as
from custos.core.clock import FixedClock
from custos.core.errors import NotFound
from custos.filings import Filing
from custos.passports.model import Passport
from custos.policy.engine import EngineRun, PolicyEngine, active_packs, closing_filing, compiled
from custos.policy.model import OBLIGATION_DISCHARGED, OBLIGATION_WAIVED, PACK_LOADED
from custos.policy.reconcile import ENGINE
from custos.registry.service import RegistryService
from custos.store import Store
from custos.store import policy_views as pv
from tests.conftest import TEST_NOW
from tests.unit.policy.unit_pack import unit_pack
from tests.unit.registry.world import Parties, log_size

KEY = "unit-engine/big-model/notify"

PACK = unit_pack("unit-engine", "A pack for the engine's tests", discharged_by="passport.filed")

#: The same duty, falling due 30 days after it attaches and again every year once discharged.
YEARLY = PACK.replace("deadline: {within: 14}", "deadline: {within: 30, recurring: yearly}")
#: The same duty, discharged by nothing a test files.
UNDISCHARGED = PACK.replace("discharged_by: [passport.filed]", "discharged_by: [stress_test.participated]")


def activate(store: Store, world: Parties, text: str, version: str = "1.0.0") -> None:
    """Make a pack version active without running the engine (policy filings do not trigger it)."""
    with store.transaction() as uow:
        uow.file(
            file_as(
                world.supervisor,
                PACK_LOADED,
                {"pack": "unit-engine", "version": version, "title": "t", "jurisdiction": "EU", "text": text},
                owner="operator",
                subject="unit-engine",
                clock=store.clock,
                jurisdiction="EU",
            )
        )


def passport(store: Store, world: Parties, flop: float) -> None:
    RegistryService(store).file_passport(
        world.model,
        Passport.model_validate({"provenance": {"source": "manual"}, "compute": {"training_flop": flop}}),
        by=world.supervisor,
    )


def run(store: Store, subject_ids: list[str] | None, **kwargs: Any) -> EngineRun:
    with store.transaction() as uow:
        return PolicyEngine(uow, store.clock).run(subject_ids, **kwargs)


def kinds(result: EngineRun) -> list[str]:
    return [f.kind for f in result.filings]


def obligation(store: Store, world: Parties) -> dict[str, Any]:
    with store.read() as conn:
        return pv.obligations_of(conn, [world.model])[(KEY, world.model)]


# --- only differences ------------------------------------------------------------------------


def test_a_second_run_files_nothing(store: Store, world: Parties) -> None:
    passport(store, world, 3e25)
    activate(store, world, UNDISCHARGED)
    first = run(store, None)
    assert (first.subjects, kinds(first)) == (1, ["obligation.attached"])
    size = log_size(store)
    assert run(store, None) == EngineRun(1, [])
    assert run(store, [world.model]) == EngineRun(1, [])
    assert log_size(store) == size


def test_a_changed_fact_files_only_its_consequence(store: Store, world: Parties) -> None:
    """Below the threshold, the attached obligation lapses (the hook runs the engine after the
    passport); an engine run afterwards has nothing left to file."""
    passport(store, world, 3e25)
    activate(store, world, UNDISCHARGED)
    run(store, None)
    passport(store, world, 5e24)
    assert obligation(store, world)["status"] == "lapsed"
    assert run(store, None) == EngineRun(1, [])


def test_a_dry_run_files_nothing_and_says_what_it_would(store: Store, world: Parties) -> None:
    passport(store, world, 3e25)
    activate(store, world, UNDISCHARGED)
    size = log_size(store)
    dry = run(store, None, dry_run=True)
    assert (dry.subjects, kinds(dry)) == (1, ["obligation.attached"])
    assert log_size(store) == size
    with store.read() as conn:
        assert pv.obligations_of(conn, [world.model]) == {}
    assert run(store, None, dry_run=True).filings[0].content["key"] == KEY  # still to do
    real = run(store, None)
    assert kinds(real) == ["obligation.attached"]
    assert log_size(store) == size + 1


def test_a_dry_run_does_not_discharge(store: Store, world: Parties) -> None:
    """The discharge pass is a filing too: a dry run stops before it."""
    passport(store, world, 3e25)
    activate(store, world, PACK)
    assert kinds(run(store, [world.model], dry_run=True)) == ["obligation.attached"]
    assert kinds(run(store, [world.model])) == ["obligation.attached", "obligation.discharged"]


# --- which subjects ------------------------------------------------------------------------------


def test_must_exist_refuses_naming_no_existing_subject(store: Store, world: Parties) -> None:
    activate(store, world, UNDISCHARGED)
    size = log_size(store)
    with pytest.raises(NotFound, match=r"no organisation, model or deployment among \['NOPE', 'NOTHING'\]"):
        run(store, ["NOPE", "NOTHING"], must_exist=True)
    assert run(store, ["NOPE"]) == EngineRun(0, [])
    assert log_size(store) == size


def test_must_exist_accepts_one_existing_subject_among_unknown_ids(store: Store, world: Parties) -> None:
    activate(store, world, UNDISCHARGED)
    result = run(store, ["NOPE", world.model], must_exist=True)
    assert (result.subjects, kinds(result)) == (1, ["obligation.undetermined"])


def test_the_packs_a_caller_read_are_the_ones_evaluated(store: Store, world: Parties) -> None:
    """With no active pack a run counts the one registered model and files nothing (there is no
    rule); packs the caller already read replace reading them again, so an empty list files
    nothing even once a pack is active, and the active pack applies when none are given."""
    assert run(store, None) == EngineRun(1, [])
    activate(store, world, UNDISCHARGED)
    assert run(store, None, packs=[]) == EngineRun(1, [])
    result = run(store, None)
    assert (result.subjects, kinds(result)) == (1, ["obligation.undetermined"])


# --- deadlines -------------------------------------------------------------------------------------


def test_a_deadline_counts_from_the_triggering_filing(store: Store, world: Parties) -> None:
    """Triggered by a filing of 2026-10-20 08:00, 14 days: due 2026-11-03 08:00, whatever the
    clock says (2026-11-02 09:30, which alone would give 2026-11-16 09:30)."""
    passport(store, world, 3e25)
    activate(store, world, UNDISCHARGED)
    trigger = file_as(
        world.supervisor,
        PACK_LOADED,
        {"pack": "p", "version": "1.0.0", "title": "t", "jurisdiction": "EU", "text": "x"},
        owner=world.provider,
        subject=world.model,
        clock=FixedClock(datetime(2026, 10, 20, 8, 0, tzinfo=UTC)),
    )
    (attached,) = run(store, [world.model], triggers={world.model: trigger}).filings
    assert attached.content["due_at"] == "2026-11-03T23:00:00+00:00"  # the end of 3 November in Brussels
    assert attached.content["trigger"] == trigger.id


def test_without_a_trigger_a_deadline_counts_from_the_run(store: Store, world: Parties) -> None:
    passport(store, world, 3e25)
    activate(store, world, UNDISCHARGED)
    (attached,) = run(store, [world.model]).filings
    assert attached.content["due_at"] == "2026-11-16T23:00:00+00:00"
    assert attached.content["trigger"] is None


def test_after_a_filing_the_deadline_counts_from_that_filing(
    store: Store, world: Parties, clock: FixedClock
) -> None:
    """The after-filing hook: a passport filed on 2026-11-10 at 12:00 attaches the duty, due at
    the end of 2026-11-24 in Brussels (Regulation 1182/71 Art. 3), naming the passport as its
    trigger."""
    activate(store, world, UNDISCHARGED)
    run(store, None)
    clock.set(datetime(2026, 11, 10, 12, 0, tzinfo=UTC))
    passport(store, world, 3e25)
    row = obligation(store, world)
    record = json.loads(row["record"])
    assert (row["status"], record["due_at"]) == ("open", "2026-11-24T23:00:00+00:00")
    with store.read() as conn:
        found = store.filing(conn, record["trigger"])
    assert found is not None and found[0].kind == "passport.filed" and found[0].subject == world.model


# --- discharges ------------------------------------------------------------------------------------


def test_a_filing_of_a_discharging_kind_discharges_a_one_off_duty(store: Store, world: Parties) -> None:
    """Any passport about the model discharges it, even one filed before the duty attached."""
    passport(store, world, 3e25)
    activate(store, world, PACK)
    with store.read() as conn:
        evidence = pv.latest_filings(conn, [world.model], ["passport.filed"])[(world.model, "passport.filed")]
    attached, discharged = run(store, [world.model]).filings
    assert (attached.kind, discharged.kind) == ("obligation.attached", "obligation.discharged")
    assert discharged.content == {
        "key": KEY,
        "reason": "discharged by a filing of the subject",
        "evidence": evidence,
        "next_due_at": None,
    }
    assert (discharged.actor, discharged.organisation, discharged.jurisdiction) == (
        "policy-engine",
        world.provider,
        "EU",
    )
    assert obligation(store, world)["status"] == "discharged"
    assert run(store, [world.model]) == EngineRun(1, [])


def test_discharge_covers_only_the_subjects_named(store: Store, world: Parties) -> None:
    """``discharge=[]`` reconciles the model but discharges nothing; ``None`` means the same
    subjects as the run."""
    passport(store, world, 3e25)
    activate(store, world, PACK)
    assert kinds(run(store, [world.model], discharge=[])) == ["obligation.attached"]
    assert obligation(store, world)["status"] == "open"
    assert kinds(run(store, [world.model])) == ["obligation.discharged"]


def test_a_kind_not_in_discharged_by_discharges_nothing(store: Store, world: Parties) -> None:
    passport(store, world, 3e25)
    activate(store, world, UNDISCHARGED)
    assert kinds(run(store, [world.model])) == ["obligation.attached"]
    passport(store, world, 4e25)
    assert obligation(store, world)["status"] == "open"


def test_a_recurring_duty_is_discharged_only_by_a_filing_of_its_period_which_opens_the_next(
    store: Store, world: Parties, clock: FixedClock
) -> None:
    """Attached on 2026-11-02 09:30 with 30 days: due at the end of 2026-12-02 in Brussels. The
    passport filed before the period began does not discharge it; one filed on 2026-11-20 does,
    and the next period falls due a year after the previous due date, with the duty open."""
    passport(store, world, 3e25)
    activate(store, world, YEARLY)
    assert kinds(run(store, [world.model])) == ["obligation.attached"]
    assert json.loads(obligation(store, world)["record"])["due_at"] == "2026-12-02T23:00:00+00:00"
    clock.set(datetime(2026, 11, 20, tzinfo=UTC))
    passport(store, world, 3e25)
    row = obligation(store, world)
    closed = json.loads(row["closed"])
    assert row["status"] == "open"
    assert closed["next_due_at"] == "2027-12-02T23:00:00+00:00"
    assert row["due_at"].replace(tzinfo=UTC) == datetime(2027, 12, 2, 23, 0, tzinfo=UTC)
    assert run(store, [world.model]) == EngineRun(1, [])  # the same passport does not count twice


# --- closing filings ------------------------------------------------------------------------------


def closing_row(recurring: str | None, due_at: datetime | None) -> dict[str, Any]:
    return {
        "key": KEY,
        "owner_id": "LAB",
        "subject_id": "MODEL-1",
        "due_at": due_at,
        "record": json.dumps({"recurring": recurring, "jurisdiction": "US-CA"}),
    }


@pytest.mark.parametrize(
    ("recurring", "due", "following"),
    [
        ("yearly", datetime(2026, 3, 1, tzinfo=UTC), "2027-03-01T00:00:00+00:00"),
        ("quarterly", datetime(2026, 11, 30, 12, tzinfo=UTC), "2027-02-28T12:00:00+00:00"),
        ("monthly", datetime(2027, 1, 31, tzinfo=UTC), "2027-02-28T00:00:00+00:00"),
        ("monthly", datetime(2028, 1, 31, tzinfo=UTC), "2028-02-29T00:00:00+00:00"),
    ],
)
def test_discharging_a_recurring_duty_names_the_next_due_date(
    recurring: str, due: datetime, following: str
) -> None:
    """The same day a period later, or the month's last day when it is shorter."""
    filing = closing_filing(
        closing_row(recurring, due), OBLIGATION_DISCHARGED, {"reason": "done"}, ENGINE, FixedClock(TEST_NOW)
    )
    assert filing.content == {"key": KEY, "reason": "done", "evidence": None, "next_due_at": following}
    assert (filing.subject, filing.organisation, filing.jurisdiction, filing.actor) == (
        "MODEL-1",
        "LAB",
        "US-CA",
        "policy-engine",
    )


@pytest.mark.parametrize(
    ("recurring", "due", "kind"),
    [
        (None, datetime(2026, 3, 1, tzinfo=UTC), OBLIGATION_DISCHARGED),  # a one-off duty
        ("yearly", None, OBLIGATION_DISCHARGED),  # no due date to count from
        ("yearly", datetime(2026, 3, 1, tzinfo=UTC), OBLIGATION_WAIVED),  # a waiver ends it
    ],
)
def test_other_closings_open_no_next_period(recurring: str | None, due: datetime | None, kind: Any) -> None:
    filing: Filing = closing_filing(
        closing_row(recurring, due), kind, {"reason": "done"}, ENGINE, FixedClock(TEST_NOW)
    )
    assert filing.content["next_due_at"] is None
    assert filing.kind == kind.name


# --- compiled packs ------------------------------------------------------------------------------


def test_active_packs_compile_once_per_text(store: Store, world: Parties) -> None:
    """Reading the active packs twice compiles once; a new version's text compiles anew."""
    compiled.cache_clear()
    activate(store, world, UNDISCHARGED)
    with store.read() as conn:
        (first,) = active_packs(conn)
        (again,) = active_packs(conn)
    assert again is first
    assert (compiled.cache_info().misses, compiled.cache_info().hits) == (1, 1)
    assert first.document.version == "1.0.0"
    newer = UNDISCHARGED.replace("version: 1.0.0", "version: 1.1.0")
    activate(store, world, newer, version="1.1.0")
    with store.read() as conn:
        (current,) = active_packs(conn)
    assert current is not first and current.document.version == "1.1.0"
    assert compiled.cache_info().misses == 2


def test_compiled_is_keyed_by_the_text() -> None:
    assert compiled(PACK, "a@1") is compiled(PACK, "a@1")
    assert compiled(YEARLY, "a@1") is not compiled(PACK, "a@1")
    assert compiled(YEARLY, "a@1").obligation("notify").deadline.recurring == "yearly"
