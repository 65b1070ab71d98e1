"""Licence conditions kept or lapsed, and the sweep that suspends on a lapse.

Pinned from src/custos/licensing/compliance.py and docs/licensing.md: a condition naming an
obligation lapses when that obligation, on the licensed model, is open past its due date (the
reason giving the day it fell due), and not when it is discharged, waived, not yet due or was
never attached; a condition naming evidence lapses until a filing of that kind about the model
or the licence is on file; the sweep checks granted licences only and suspends, automatically
and with the lapsed conditions as the reason, exactly those whose lapsed conditions say
``suspend_on_lapse``.

The obligation comes from a one-rule pack: a model above 1e25 FLOP must notify within 14 days.
The passport is filed at the test clock's 2026-11-02 09:30, so the duty falls due on 2026-11-16
at 09:30 (worked out by hand).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from custos.core.clock import FixedClock
from custos.licensing.compliance import lapsed_conditions, sweep
from custos.licensing.model import LicenceApplication, LicenceStep, Transition
from custos.licensing.service import LicensingService
from custos.licensing.views import ConditionCheck, LapsedCondition
from custos.markets.requests import FallbackPlanRequest
from custos.markets.service import MarketsService
from custos.passports.model import Passport
from custos.policy.service import PolicyService
from custos.registry.model import ModelRegistration
from custos.registry.service import RegistryService
from custos.store import Store
from custos.store import licensing_views as lv
from custos.store._tables import filings
from tests.unit.policy.unit_pack import unit_pack
from tests.unit.registry.world import Parties

KEY = "unit-pack/big-model/notify"
DUE = datetime(2026, 11, 16, 23, 0, tzinfo=UTC)  # 14 days after 2 November, at the day's end in Brussels

PACK = unit_pack("unit-pack", "A pack for the compliance sweep")

ON_TIME: dict[str, Any] = {"id": "notify-on-time", "description": "Notify on time", "obligation": KEY}
PASSPORT: dict[str, Any] = {
    "id": "passport",
    "description": "A passport on file",
    "evidence": "passport.filed",
}


def big_model(store: Store, world: Parties) -> None:
    """The pack active and the model above its threshold: the duty is open, due on ``DUE``."""
    PolicyService(store).load(PACK, origin="unit-pack.yaml", by=world.supervisor)
    RegistryService(store).file_passport(
        world.model,
        Passport.model_validate({"provenance": {"source": "manual"}, "compute": {"training_flop": 3e25}}),
        by=world.supervisor,
    )


def granted(
    store: Store, world: Parties, conditions: list[dict[str, Any]], *, holder: str | None = None
) -> str:
    licensing = LicensingService(store)
    application = {
        "applicant_id": holder or world.deployer,
        "model_id": world.model,
        "scope": {"jurisdictions": ["EU"]},
        "term_months": 12,
    }
    applied = licensing.apply(LicenceApplication.model_validate(application), by=world.supervisor)
    step = LicenceStep.model_validate({"conditions": conditions})
    return licensing.decide(applied.id, Transition.GRANT, step, by=world.supervisor).id


def lapsed(store: Store, licence_id: str, now: datetime) -> list[LapsedCondition]:
    with store.read() as conn:
        row = lv.licence(conn, licence_id)
        assert row is not None
        return lapsed_conditions(conn, row, now)


def status(store: Store, licence_id: str) -> tuple[str, str | None]:
    with store.read() as conn:
        row = lv.licence(conn, licence_id)
    assert row is not None
    return row["status"], row["reason"]


# --- obligation conditions ------------------------------------------------------------------------


def test_an_overdue_open_obligation_lapses_its_condition_with_the_date(store: Store, world: Parties) -> None:
    big_model(store, world)
    licence = granted(store, world, [ON_TIME])
    assert lapsed(store, licence, DUE) == []  # due at that moment, not yet past it
    late = DUE + timedelta(seconds=1)
    assert lapsed(store, licence, late) == [
        LapsedCondition.model_validate(
            {
                **ON_TIME,
                "evidence": None,
                "freshness": None,
                "suspend_on_lapse": False,
                "why": f"obligation {KEY} is overdue since 2026-11-16",
            }
        )
    ]


def test_an_obligation_not_yet_due_keeps_its_condition(store: Store, world: Parties) -> None:
    big_model(store, world)
    licence = granted(store, world, [ON_TIME])
    assert lapsed(store, licence, datetime(2026, 11, 3, tzinfo=UTC)) == []


def test_a_waived_obligation_keeps_its_condition(store: Store, world: Parties) -> None:
    big_model(store, world)
    licence = granted(store, world, [ON_TIME])
    policy = PolicyService(store)
    (row,) = [o for o in policy.obligations(world.supervisor) if o.key == KEY]
    policy.waive(row.id, "notified by letter", by=world.supervisor)
    assert lapsed(store, licence, DUE + timedelta(days=30)) == []


def test_a_discharged_obligation_keeps_its_condition(store: Store, world: Parties) -> None:
    """A pack whose duty a passport discharges: the passport that attaches it discharges it."""
    discharging = PACK.replace(
        "deadline: {within: 14}", "deadline: {within: 14}\n    discharged_by: [passport.filed]"
    )
    PolicyService(store).load(discharging, origin="unit-pack.yaml", by=world.supervisor)
    RegistryService(store).file_passport(
        world.model,
        Passport.model_validate({"provenance": {"source": "manual"}, "compute": {"training_flop": 3e25}}),
        by=world.supervisor,
    )
    (row,) = PolicyService(store).obligations(world.supervisor)
    assert (row.key, row.status) == (KEY, "discharged")
    licence = granted(store, world, [ON_TIME])
    assert lapsed(store, licence, DUE + timedelta(days=30)) == []


def test_an_obligation_never_attached_keeps_its_condition(store: Store, world: Parties) -> None:
    """Below the threshold the duty never applies, so there is nothing to be late with."""
    PolicyService(store).load(PACK, origin="unit-pack.yaml", by=world.supervisor)
    RegistryService(store).file_passport(
        world.model,
        Passport.model_validate({"provenance": {"source": "manual"}, "compute": {"training_flop": 5e24}}),
        by=world.supervisor,
    )
    licence = granted(store, world, [ON_TIME])
    assert lapsed(store, licence, DUE + timedelta(days=30)) == []


def test_only_the_licensed_models_obligation_counts(store: Store, world: Parties) -> None:
    """The same duty overdue on another model does not lapse this licence's condition."""
    PolicyService(store).load(PACK, origin="unit-pack.yaml", by=world.supervisor)
    registry = RegistryService(store)
    other = registry.register_model(
        ModelRegistration.model_validate({"name": "Other", "provider_id": world.provider}),
        by=world.supervisor,
    )
    registry.file_passport(
        other.id,
        Passport.model_validate({"provenance": {"source": "manual"}, "compute": {"training_flop": 3e25}}),
        by=world.supervisor,
    )
    licence = granted(store, world, [ON_TIME])
    assert lapsed(store, licence, DUE + timedelta(days=30)) == []


# --- evidence conditions --------------------------------------------------------------------------


def test_an_evidence_condition_lapses_until_a_filing_of_that_kind_about_the_model(
    store: Store, world: Parties, clock: FixedClock
) -> None:
    licence = granted(store, world, [PASSPORT])
    assert [(c.id, c.why) for c in lapsed(store, licence, clock.now())] == [
        ("passport", "no passport.filed filing is on file")
    ]
    RegistryService(store).file_passport(
        world.model, Passport.model_validate({"provenance": {"source": "manual"}}), by=world.supervisor
    )
    assert lapsed(store, licence, clock.now()) == []


def test_evidence_about_another_model_does_not_count(store: Store, world: Parties, clock: FixedClock) -> None:
    registry = RegistryService(store)
    other = registry.register_model(
        ModelRegistration.model_validate({"name": "Other", "provider_id": world.provider}),
        by=world.supervisor,
    )
    registry.file_passport(
        other.id, Passport.model_validate({"provenance": {"source": "manual"}}), by=world.supervisor
    )
    licence = granted(store, world, [PASSPORT])
    assert [c.id for c in lapsed(store, licence, clock.now())] == ["passport"]


def test_evidence_about_the_licence_itself_counts(store: Store, world: Parties, clock: FixedClock) -> None:
    """The grant is a filing about the licence: evidence of that kind is on file once granted."""
    condition = {"id": "granted", "description": "The grant on file", "evidence": "licence.granted"}
    licence = granted(store, world, [condition])
    assert lapsed(store, licence, clock.now()) == []


# --- the sweep ------------------------------------------------------------------------------------


def suspensions(store: Store) -> list[dict[str, Any]]:
    with store.read() as conn:
        rows = conn.execute(
            select(filings.c.document).where(filings.c.kind == "licence.suspended").order_by(filings.c.idx)
        ).scalars()
        return [json.loads(document) for document in rows]


def test_the_sweep_suspends_only_licences_whose_lapsed_conditions_say_so(
    store: Store, world: Parties, clock: FixedClock
) -> None:
    """Three granted licences, a day after the duty fell due: one with a suspending condition
    lapsed (suspended, automatically, with the reason), one with a non-suspending condition
    lapsed (reported, left granted), one whose conditions hold (not reported)."""
    big_model(store, world)
    suspending = granted(store, world, [{**ON_TIME, "suspend_on_lapse": True}])
    reported = granted(store, world, [ON_TIME], holder=world.rival)
    kept = granted(
        store,
        world,
        [
            {
                "id": "granted",
                "description": "The grant on file",
                "evidence": "licence.granted",
                "suspend_on_lapse": True,
            }
        ],
        holder=world.provider,
    )
    clock.set(datetime(2026, 11, 17, tzinfo=UTC))
    why = f"obligation {KEY} is overdue since 2026-11-16"
    report = sweep(store, by=world.supervisor)
    assert sorted((entry.licence_id, entry.suspended) for entry in report) == sorted(
        [(suspending, True), (reported, False)]
    )
    assert all([c.why for c in entry.lapsed] == [why] for entry in report)
    reason = f"condition lapsed: notify-on-time: {why}"
    assert status(store, suspending) == ("suspended", reason)
    assert status(store, reported)[0] == "granted"
    assert status(store, kept)[0] == "granted"
    (suspension,) = suspensions(store)
    assert suspension["subject"] == suspending
    assert suspension["content"] == {"reason": reason, "automatic": True}


def test_the_sweep_names_every_suspending_condition_and_checks_only_granted_licences(
    store: Store, world: Parties, clock: FixedClock
) -> None:
    """Both suspending conditions are named, in the licence's order, the non-suspending one is
    not; a second sweep leaves the now suspended licence alone."""
    big_model(store, world)
    conditions: list[dict[str, Any]] = [
        {**ON_TIME, "suspend_on_lapse": True},
        {"id": "audit", "description": "An audit", "evidence": "stress_test.participated"},
        {**PASSPORT, "id": "incident-log", "evidence": "incident.reported", "suspend_on_lapse": True},
    ]
    licence = granted(store, world, conditions)
    clock.set(datetime(2026, 11, 20, tzinfo=UTC))
    (entry,) = sweep(store, by=world.supervisor)
    assert [c.id for c in entry.lapsed] == ["notify-on-time", "audit", "incident-log"]
    assert status(store, licence) == (
        "suspended",
        f"condition lapsed: notify-on-time: obligation {KEY} is overdue since 2026-11-16; "
        "incident-log: no incident.reported filing is on file",
    )
    assert sweep(store, by=world.supervisor) == []
    assert len(suspensions(store)) == 1


def test_the_sweep_reports_each_lapsed_condition_as_granted_with_why(
    store: Store, world: Parties, clock: FixedClock
) -> None:
    """The report is the read model the API and the command line write: each lapsed condition
    with every term it was granted with, and why it lapsed."""
    big_model(store, world)
    licence = granted(store, world, [ON_TIME])
    clock.set(datetime(2026, 11, 17, tzinfo=UTC))
    (entry,) = sweep(store, by=world.supervisor)
    assert isinstance(entry, ConditionCheck) and all(isinstance(c, LapsedCondition) for c in entry.lapsed)
    assert entry.model_dump(mode="json", exclude_unset=True) == {
        "licence_id": licence,
        "lapsed": [
            {
                **ON_TIME,
                "evidence": None,
                "freshness": None,
                "suspend_on_lapse": False,
                "why": f"obligation {KEY} is overdue since 2026-11-16",
            }
        ],
        "suspended": False,
    }


def test_a_sweep_before_anything_lapsed_changes_nothing(store: Store, world: Parties) -> None:
    big_model(store, world)
    licence = granted(store, world, [{**ON_TIME, "suspend_on_lapse": True}])
    assert sweep(store, by=world.supervisor) == []
    assert status(store, licence) == ("granted", None)


def test_evidence_about_the_holder_keeps_a_condition_a_merger_remedy_sets(
    store: Store, world: Parties
) -> None:
    """A remedy binds the merged firm, not one model: its fallback plan, filed about the firm,
    holds the condition of the firm's licence; a rival's plan, or one of another kind, does not."""
    condition = {
        "id": "merger-fallback",
        "description": "A tested fallback, as the merger remedy asks",
        "evidence": "markets.fallback_plan_filed",
        "freshness": {"accept": {"plan": ["fallback"]}},
    }
    licence = granted(store, world, [condition])
    now = store.clock.now()
    assert lapsed(store, licence, now)[0].why == "no markets.fallback_plan_filed filing is on file"
    markets = MarketsService(store)
    plan = {"summary": "s", "tested_on": now.date(), "valid_until": now.date() + timedelta(days=365)}
    markets.file_fallback_plan(
        FallbackPlanRequest.model_validate({"plan": "fallback", **plan, "organisation_id": world.rival}),
        by=world.supervisor,
    )
    assert lapsed(store, licence, now) != []
    markets.file_fallback_plan(
        FallbackPlanRequest.model_validate({"plan": "escrow", **plan, "organisation_id": world.deployer}),
        by=world.supervisor,
    )
    assert "its plan is escrow" in lapsed(store, licence, now)[0].why
    markets.file_fallback_plan(
        FallbackPlanRequest.model_validate({"plan": "fallback", **plan, "organisation_id": world.deployer}),
        by=world.supervisor,
    )
    assert lapsed(store, licence, now) == []
