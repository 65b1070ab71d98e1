"""Escrow on each backend: a deposit's custody checks and its release kept in the views, whose
times compare across zones, and rebuilt identically by replaying the log."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from custos.core.clock import FixedClock
from custos.escrow.custodian import approve_release, confirm_custody
from custos.escrow.model import EscrowOpened, ReleaseRequested
from custos.escrow.opening import open_release
from custos.escrow.shares import new_release_identity
from custos.registry.model import ModelRegistration, OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import Store
from tests.store.test_registry import SUPERVISOR
from tests.store.test_replay import views_of
from tests.unit.escrow.escrowed import escrow
from tests.unit.registry.world import Parties


def parties(store: Store) -> Parties:
    registry = RegistryService(store)
    provider, deployer, rival = (
        registry.register_organisation(
            OrganisationRegistered.model_validate({"name": name, "jurisdiction": code, "country": code}),
            by=SUPERVISOR,
        ).id
        for name, code in (("Lab SA", "FR"), ("Bank AG", "DE"), ("Rival SpA", "IT"))
    )
    model = registry.register_model(
        ModelRegistration.model_validate({"name": "Frontier", "provider_id": provider}), by=SUPERVISOR
    )
    return Parties(SUPERVISOR, provider, deployer, rival, model.id)


def test_custody_and_release_round_trip_and_replay(store: Store, clock: FixedClock, tmp_path: Path) -> None:
    kept = escrow(store, parties(store), tmp_path)
    deposit = kept.file(threshold=2)
    first, second, third = kept.custodians
    clock.advance(timedelta(days=10))
    share = kept.service.share(deposit.id, by=first.actor)
    kept.service.confirm(
        deposit.id, confirm_custody(share, first.identity, first.key, clock.now()), by=first.actor
    )
    assert kept.service.audit(deposit.id, by=SUPERVISOR).passed
    clock.advance(timedelta(days=85))  # the second and third custodians are overdue, the first is not
    swept = kept.service.sweep(by=SUPERVISOR)
    assert sorted(h.appointment_id for h in swept.missed) == sorted(c.appointment.id for c in (second, third))
    assert kept.service.sweep(by=SUPERVISOR).missed == ()
    identity, recipient = new_release_identity()
    release = kept.service.request_release(
        ReleaseRequested.model_validate(
            {"deposit_id": deposit.id, "grounds": "court_order", "statement": "Order of the court."}
            | {"recipient": recipient}
        ),
        by=SUPERVISOR,
    )
    for custodian in (first, third):
        held = kept.service.share(deposit.id, by=custodian.actor)
        kept.service.approve(
            approve_release(release, held, custodian.identity, custodian.key, clock.now()), by=custodian.actor
        )
    opened = open_release(kept.service.package(release.id, by=SUPERVISOR), identity, tmp_path / "out")
    kept.service.record_opening(
        EscrowOpened(release_id=release.id, outcome="opened", verified=tuple(c.name for c in opened)),
        by=SUPERVISOR,
    )
    view = kept.service.get(deposit.id, by=SUPERVISOR)
    assert view.opened_at == clock.now() and view.last_audit is not None and view.last_audit.passed
    before = views_of(store)
    store.replay()
    assert views_of(store) == before
