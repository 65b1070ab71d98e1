"""Escrow end to end through the service: a real deposit sealed into a vault directory, its
custody checks, and a release opened at quorum; every refusal stores nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from custos.core.clock import FixedClock
from custos.core.errors import Conflict, Forbidden, InvalidInput
from custos.escrow import custodian as custodian_side
from custos.escrow.model import CustodianAppointed, EscrowOpened, ReleaseRequested
from custos.escrow.opening import open_release, recover
from custos.escrow.shares import new_release_identity, open_share
from custos.escrow.vault import Vault
from custos.escrow.views import ReleaseView
from custos.oversight.incidents import IncidentService
from custos.oversight.views import IncidentView
from custos.store import Store
from custos.store import policy_views as pv
from custos.store.incident_views import IncidentQuery
from tests.unit.escrow.escrowed import WEIGHT_ESCROW, Custodian, Escrow, escrow, file_passport
from tests.unit.registry.world import Parties, installed, log_size, store, world  # noqa: F401


@pytest.fixture
def kept(installed: tuple[Store, Parties], tmp_path: Path) -> Iterator[Escrow]:  # noqa: F811
    yield escrow(*installed, tmp_path)


def duty(kept: Escrow) -> str:
    with kept.store.read() as conn:
        state = pv.obligation_state(conn, WEIGHT_ESCROW, kept.parties.model)
    assert state is not None
    return str(state[0])


def hazards_of(kept: Escrow) -> list[IncidentView]:
    found = IncidentService(kept.store).list(IncidentQuery(), by=kept.parties.supervisor).incidents
    return [incident for incident in found if incident.severity == "hazard"]


def advance(kept: Escrow, delta: timedelta) -> None:
    clock = kept.store.clock
    assert isinstance(clock, FixedClock)
    clock.advance(delta)


# --- deposits ---------------------------------------------------------------------------------


def test_a_deposit_discharges_the_escrow_duty_until_the_next_passport_version(kept: Escrow) -> None:
    assert duty(kept) == "open"
    deposit = kept.file()
    assert duty(kept) == "discharged"
    assert (deposit.threshold, len(deposit.holders), deposit.live) == (2, 3, 3)
    assert deposit.chunks == 1 + 3 + 1 + 1  # config.json, the large shard, the small one, tokenizer.json
    assert deposit.exportability.within_tolerance is True
    file_passport(kept.store, kept.parties)  # version 2
    assert duty(kept) == "open"
    assert not kept.service.get(deposit.id, by=kept.parties.supervisor).current
    with pytest.raises(InvalidInput, match=r"passport version 1; model .* has passport version 2"):
        kept.service.deposit(kept.payloads[0].model_copy(), by=kept.parties.provider_actor)
    kept.file()
    assert duty(kept) == "discharged"


def test_a_deposit_is_refused_with_its_reason_and_nothing_is_stored(kept: Escrow) -> None:
    payload = kept.seal()
    before = log_size(kept.store)
    with pytest.raises(Forbidden, match="model's provider"):
        kept.service.deposit(payload, by=kept.parties.rival_actor)
    twice = [kept.custodians[0].appointment, kept.custodians[0].appointment]
    with pytest.raises(InvalidInput, match="named more than once"):
        kept.seal(custodians=tuple(twice))
    off = payload.model_copy(
        update={"exportability": payload.exportability.model_copy(update={"declared": 1e9})}
    )
    against = r"counted against 1 × 10\^9 parameters; passport version 1 declares 659,456"
    with pytest.raises(InvalidInput, match=against):
        kept.service.deposit(off, by=kept.parties.provider_actor)
    kept.service.withdraw(kept.custodians[2].appointment.id, "merged", by=kept.parties.supervisor)
    before = log_size(kept.store)
    with pytest.raises(InvalidInput, match="not in force"):
        kept.service.deposit(payload, by=kept.parties.provider_actor)
    assert log_size(kept.store) == before


def test_one_organisation_never_holds_two_shares_of_a_deposit(kept: Escrow) -> None:
    first = kept.custodians[0]
    again = kept.service.appoint(
        CustodianAppointed.model_validate(
            {
                **first.appointment.model_dump(
                    mode="json", include={"organisation_id", "keys", "valid_until"}
                ),
                "recipient": new_release_identity()[1],
                "valid_from": "2026-01-01",
            }
        ),
        by=kept.parties.supervisor,
    )
    payload = kept.seal(custodians=(first.appointment, again, kept.custodians[1].appointment))
    before = log_size(kept.store)
    with pytest.raises(InvalidInput, match=f"organisation {first.organisation} holds two shares"):
        kept.service.deposit(payload, by=kept.parties.provider_actor)
    assert log_size(kept.store) == before


def test_the_public_sees_a_deposit_but_not_where_it_is_nor_its_digests_nor_any_share(kept: Escrow) -> None:
    deposit = kept.file()
    public = kept.service.get(deposit.id, by=kept.parties.rival_actor)
    assert (public.vault, public.reference, public.digests) is not None and public.vault is None
    assert public.reference is None and public.digests is None
    assert "AGE ENCRYPTED" not in public.model_dump_json()
    supervised = kept.service.get(deposit.id, by=kept.parties.supervisor)
    assert supervised.digests is not None and set(supervised.digests) == {c.name for c in deposit.components}


def test_a_custodian_is_served_its_own_share_and_no_one_else_is(kept: Escrow) -> None:
    deposit = kept.file()
    first = kept.custodians[0]
    share = kept.service.share(deposit.id, by=first.actor)
    assert open_share(
        share.envelope,
        first.identity,
        deposit=share.reference,
        custodian_id=share.appointment_id,
        commitment=share.commitment,
    )
    with pytest.raises(Forbidden):
        kept.service.share(deposit.id, by=kept.parties.supervisor)
    with pytest.raises(Forbidden):
        kept.service.share(deposit.id, by=kept.parties.provider_actor)


def test_no_share_and_no_key_is_ever_stored_in_the_clear(kept: Escrow) -> None:
    deposit = kept.file()
    mnemonics = [
        open_share(
            (share := kept.service.share(deposit.id, by=c.actor)).envelope,
            c.identity,
            deposit=share.reference,
            custodian_id=share.appointment_id,
            commitment=share.commitment,
        )
        for c in kept.custodians
    ]
    identity, recipient = new_release_identity()
    release = request(kept, recipient)
    for custodian in kept.custodians[:2]:
        approve(kept, release, custodian)
    key = recover(kept.service.package(release.id, by=kept.parties.supervisor), identity)
    database = Path(kept.store.settings.database_url.removeprefix("sqlite:///"))
    stored = b"".join(path.read_bytes() for path in database.parent.glob(database.name + "*"))
    for mnemonic in mnemonics:
        assert " ".join(mnemonic.split()[:4]).encode() not in stored
    assert key not in stored and key.hex().encode() not in stored


# --- custody checks ---------------------------------------------------------------------------


def test_a_signed_confirmation_renews_custody_and_a_forged_one_is_refused(kept: Escrow) -> None:
    deposit = kept.file()
    first, second = kept.custodians[:2]
    share = kept.service.share(deposit.id, by=first.actor)
    advance(kept, timedelta(days=10))
    now = kept.store.clock.now()
    signed = custodian_side.confirm_custody(share, first.identity, first.key, now)
    before = log_size(kept.store)
    with pytest.raises(InvalidInput, match="signed by no key"):
        kept.service.confirm(
            deposit.id, custodian_side.confirm_custody(share, first.identity, second.key, now), by=first.actor
        )
    with pytest.raises(Forbidden):
        kept.service.confirm(deposit.id, signed, by=second.actor)
    assert log_size(kept.store) == before
    confirmed = kept.service.confirm(deposit.id, signed, by=kept.parties.supervisor)  # relayed
    holder = next(h for h in confirmed.holders if h.appointment_id == first.appointment.id)
    assert holder.confirmed_at == kept.store.clock.now()
    assert holder.due_at == kept.store.clock.now() + timedelta(days=90)


def test_a_share_that_does_not_open_to_its_commitment_cannot_be_confirmed(kept: Escrow) -> None:
    deposit = kept.file()
    first, second = kept.custodians[:2]
    mine = kept.service.share(deposit.id, by=first.actor)
    theirs = kept.service.share(deposit.id, by=second.actor)
    with pytest.raises(InvalidInput):
        custodian_side.confirm_custody(
            mine.model_copy(update={"envelope": theirs.envelope}),
            first.identity,
            first.key,
            kept.store.clock.now(),
        )


def test_an_intact_deposit_passes_its_audit_and_a_modified_chunk_fails_it_by_index(kept: Escrow) -> None:
    deposit = kept.file()
    passed = kept.service.audit(deposit.id, by=kept.parties.supervisor)
    assert passed.passed and passed.indices == tuple(range(deposit.chunks))  # all, at fewer than 16
    payload = kept.payloads[-1]
    target = kept.vault / payload.reference / "objects" / "component-0001.sealed"  # the large shard
    data = bytearray(target.read_bytes())
    data[(1 << 20) + 100] ^= 1  # chunk 1 of that component: chunk 2 of the deposit (after config.json)
    target.write_bytes(bytes(data))
    failed = kept.service.audit(deposit.id, by=kept.parties.supervisor)
    assert not failed.passed
    first_chunk = next(c.first_chunk for c in deposit.components if c.name.startswith("model-00001"))
    assert [f.index for f in failed.failures] == [first_chunk + 1]
    assert any(kept.parties.model in i.model_ids for i in hazards_of(kept)), (
        "a failed audit opens an incident"
    )


def test_the_audit_choice_is_recomputable_from_the_checkpoint(kept: Escrow) -> None:
    from custos.escrow.audit import chosen

    deposit = kept.file()
    audit = kept.service.audit(deposit.id, by=kept.parties.supervisor)
    assert list(audit.indices) == chosen(
        deposit.id, audit.checkpoint_size, bytes.fromhex(audit.checkpoint_root), deposit.chunks
    )


def test_missed_confirmations_escalate_and_a_quorum_at_risk_opens_an_incident(kept: Escrow) -> None:
    deposit = kept.file()
    first = kept.custodians[0]
    advance(kept, timedelta(days=60))
    share = kept.service.share(deposit.id, by=first.actor)
    kept.service.confirm(
        deposit.id,
        custodian_side.confirm_custody(share, first.identity, first.key, kept.store.clock.now()),
        by=first.actor,
    )
    advance(kept, timedelta(days=31))  # the two others are 91 days without confirming
    swept = kept.service.sweep(by=kept.parties.supervisor)
    assert sorted(h.appointment_id for h in swept.missed) == sorted(
        c.appointment.id for c in kept.custodians[1:]
    )
    assert all(h.missed == 1 for h in swept.missed)
    view = kept.service.get(deposit.id, by=kept.parties.supervisor)
    assert (view.live, view.quorum_at_risk) == (1, True)
    assert hazards_of(kept)
    assert kept.service.sweep(by=kept.parties.supervisor).missed == ()  # nothing more until the next period
    advance(kept, timedelta(days=90))  # a period on: the two miss again, the first misses once
    again = {h.appointment_id: h.missed for h in kept.service.sweep(by=kept.parties.supervisor).missed}
    assert again == {first.appointment.id: 1} | {c.appointment.id: 2 for c in kept.custodians[1:]}


# --- release ----------------------------------------------------------------------------------


def request(kept: Escrow, recipient: str) -> ReleaseView:
    assert kept.deposit is not None
    return kept.service.request_release(
        ReleaseRequested.model_validate(
            {
                "deposit_id": kept.deposit.id,
                "grounds": "insolvency",
                "statement": "The provider entered insolvency proceedings.",
                "recipient": recipient,
            }
        ),
        by=kept.parties.supervisor,
    )


def approve(kept: Escrow, release: ReleaseView, custodian: Custodian) -> ReleaseView:
    share = kept.service.share(release.deposit_id, by=custodian.actor)
    approval = custodian_side.approve_release(
        release, share, custodian.identity, custodian.key, kept.store.clock.now()
    )
    return kept.service.approve(approval, by=custodian.actor)


def test_a_release_opens_at_quorum_and_every_component_matches_the_original(
    kept: Escrow, tmp_path: Path
) -> None:
    kept.file(threshold=2)
    identity, recipient = new_release_identity()
    release = request(kept, recipient)
    with pytest.raises(Conflict, match="pending already"):
        request(kept, recipient)
    release = approve(kept, release, kept.custodians[0])
    assert not release.quorum
    with pytest.raises(InvalidInput, match="1 shares of the 2 needed"):
        open_release(
            kept.service.package(release.id, by=kept.parties.supervisor), identity, tmp_path / "early"
        )
    with pytest.raises(InvalidInput, match="1 approvals of the 2 needed"):
        kept.service.record_opening(
            EscrowOpened(release_id=release.id, outcome="opened", verified=()), by=kept.parties.supervisor
        )
    with pytest.raises(Conflict, match="approved this release already"):
        approve(kept, release, kept.custodians[0])
    release = approve(kept, release, kept.custodians[2])
    assert release.quorum and [a.organisation_id for a in release.approvals] == [
        kept.custodians[0].organisation,
        kept.custodians[2].organisation,
    ]
    opened = open_release(
        kept.service.package(release.id, by=kept.parties.supervisor), identity, tmp_path / "out"
    )
    for component in opened:
        assert component.path.read_bytes() == (kept.folder / component.name).read_bytes()
    done = kept.service.record_opening(
        EscrowOpened(release_id=release.id, outcome="opened", verified=tuple(c.name for c in opened)),
        by=kept.parties.supervisor,
    )
    assert done.status == "opened"
    assert kept.service.get(release.deposit_id, by=kept.parties.supervisor).opened_at is not None


def test_a_share_from_another_deposit_is_refused_naming_the_custodian(kept: Escrow, tmp_path: Path) -> None:
    kept.file()
    other = kept.seal()  # the same custodians, another key
    identity, recipient = new_release_identity()
    release = request(kept, recipient)
    approve(kept, release, kept.custodians[0])
    second = kept.custodians[1]
    foreign = next(s for s in other.shares if s.appointment_id == second.appointment.id)
    holder = next(h for h in other.holders if h.appointment_id == second.appointment.id)
    share = kept.service.share(release.deposit_id, by=second.actor).model_copy(
        update={"envelope": foreign.envelope, "commitment": holder.commitment, "reference": other.reference}
    )
    approval = custodian_side.approve_release(
        release, share, second.identity, second.key, kept.store.clock.now()
    )
    kept.service.approve(approval, by=second.actor)  # the installation cannot read it: opening finds out
    with pytest.raises(InvalidInput, match=f"custodian {second.appointment.id}"):
        open_release(kept.service.package(release.id, by=kept.parties.supervisor), identity, tmp_path / "out")


def test_only_supervisors_request_and_open_releases(kept: Escrow) -> None:
    kept.file()
    _, recipient = new_release_identity()
    with pytest.raises(Forbidden):
        kept.service.request_release(
            ReleaseRequested.model_validate(
                {"deposit_id": kept.deposit.id if kept.deposit else "", "grounds": "other"}
                | {"statement": "x", "recipient": recipient}
            ),
            by=kept.custodians[0].actor,
        )
    release = request(kept, recipient)
    with pytest.raises(Forbidden):
        kept.service.package(release.id, by=kept.custodians[0].actor)


def test_a_release_approval_must_name_the_envelope_it_carries(kept: Escrow) -> None:
    kept.file()
    _, recipient = new_release_identity()
    release = request(kept, recipient)
    first = kept.custodians[0]
    share = kept.service.share(release.deposit_id, by=first.actor)
    approval = custodian_side.approve_release(
        release, share, first.identity, first.key, kept.store.clock.now()
    )
    _, elsewhere = new_release_identity()
    swapped = approval.model_copy(
        update={
            "envelope": custodian_side.approve_release(
                release.model_copy(update={"recipient": elsewhere}),
                share,
                first.identity,
                first.key,
                kept.store.clock.now(),
            ).envelope
        }
    )
    before = log_size(kept.store)
    with pytest.raises(InvalidInput, match="envelopeSha256"):
        kept.service.approve(swapped, by=first.actor)
    assert log_size(kept.store) == before
    assert json.loads(approval.model_dump_json())["release_id"] == release.id


def test_a_vault_that_loses_its_objects_fails_the_audit_for_every_chunk_asked(kept: Escrow) -> None:
    deposit = kept.file()
    Vault(str(kept.vault)).discard(kept.payloads[-1].reference)
    failed = kept.service.audit(deposit.id, by=kept.parties.supervisor)
    assert not failed.passed and len(failed.failures) == len(failed.indices)


def test_a_release_s_reference_is_for_the_provider_and_supervisors(kept: Escrow) -> None:
    deposit = kept.file()
    _, recipient = new_release_identity()
    release = kept.service.request_release(
        ReleaseRequested.model_validate(
            {"deposit_id": deposit.id, "grounds": "court_order", "statement": "Ordered by the court."}
            | {"reference": "Court of Paris 2027/114", "recipient": recipient}
        ),
        by=kept.parties.supervisor,
    )
    assert release.reference == "Court of Paris 2027/114"
    assert kept.service.release(release.id, by=kept.parties.provider_actor).reference == release.reference
    assert kept.service.release(release.id, by=kept.parties.rival_actor).reference is None
    assert all(r.reference is None for r in kept.service.releases(by=kept.custodians[0].actor))
