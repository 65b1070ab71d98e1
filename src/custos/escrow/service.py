"""Custodians, deposits, custody checks and releases: who may do what, and what is filed.

A supervisor appoints custodians. A provider files a deposit of its own model's current passport
version, its shares held by at least two in-force custodians of different organisations, so no
single party (the supervisor included, who holds no share) can open it. A custodian is served
only its own share, still encrypted to it; its confirmations and approvals are statements signed
with its appointment's keys, so the supervisor's operator may relay them. A release is opened by
a supervisor once k custodians approved; the opening is filed, or the refusal with its reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from custos.access.filer import file_as
from custos.access.model import Principal, Role
from custos.core import units
from custos.core.clock import stored_utc
from custos.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from custos.core.ids import new_id
from custos.escrow import custody
from custos.escrow.audit import AUDIT_EVERY, check_chunks, chosen
from custos.escrow.model import (
    CONFIRMATION_MISSED,
    CUSTODIAN_APPOINTED,
    CUSTODIAN_WITHDRAWN,
    CUSTODY_CONFIRMED,
    ESCROW_AUDITED,
    ESCROW_DEPOSITED,
    ESCROW_OPENED,
    RELEASE_APPROVED,
    RELEASE_REQUESTED,
    CustodianAppointed,
    EscrowDeposited,
    EscrowOpened,
    OpenOutcome,
    ReleaseApproved,
    ReleaseRequested,
)
from custos.escrow.views import (
    ApprovalView,
    AuditView,
    CustodianView,
    DepositView,
    EscrowSweep,
    HolderView,
    ReleasedShare,
    ReleasePackage,
    ReleaseView,
    ShareView,
)
from custos.ledger import Checkpoint, Note
from custos.store import Connection, Store, ledger_sql
from custos.store import escrow_views as ev
from custos.store import registry_views as rv


def custodian_view(row: Mapping[str, Any], today: Any) -> CustodianView:
    return CustodianView.model_validate(
        {
            **row,
            "keys": json.loads(row["keys"]),
            "in_force": row["status"] == "appointed"
            and row["valid_from"] <= today.isoformat() <= row["valid_until"],
        }
    )


class EscrowService:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- custodians -------------------------------------------------------------------------

    def appoint(self, appointment: CustodianAppointed, *, by: Principal) -> CustodianView:
        """Appoint a custodian (supervisors)."""
        if not by.sees_everything:
            raise Forbidden("only supervisors appoint custodians")
        with self.store.transaction() as uow:
            organisation = rv.organisation(uow.conn, id=appointment.organisation_id)
            if organisation is None:
                raise NotFound(f"no organisation {appointment.organisation_id!r}")
            appointment_id = new_id(self.store.clock)
            uow.file(
                file_as(
                    by,
                    CUSTODIAN_APPOINTED,
                    appointment,
                    owner=appointment.organisation_id,
                    subject=appointment_id,
                    clock=self.store.clock,
                    fallback_jurisdiction=organisation.get("jurisdiction"),
                )
            )
            row = ev.custodian(uow.conn, appointment_id)
        assert row is not None
        return custodian_view(row, self.store.clock.now().date())

    def withdraw(self, appointment_id: str, reason: str, *, by: Principal) -> CustodianView:
        """End an appointment (supervisors): the custodian takes no new shares; those it holds
        stay with it until the deposits are renewed."""
        if not by.sees_everything:
            raise Forbidden("only supervisors withdraw custodians")
        with self.store.transaction() as uow:
            row = ev.custodian(uow.conn, appointment_id)
            if row is None:
                raise NotFound(f"no custodian appointment {appointment_id!r}")
            if row["status"] == "withdrawn":
                raise Conflict(f"custodian appointment {appointment_id} is withdrawn already")
            uow.file(
                file_as(
                    by,
                    CUSTODIAN_WITHDRAWN,
                    {"reason": reason},
                    owner=row["organisation_id"],
                    subject=appointment_id,
                    clock=self.store.clock,
                )
            )
            row = ev.custodian(uow.conn, appointment_id)
        assert row is not None
        return custodian_view(row, self.store.clock.now().date())

    def custodians(self) -> list[CustodianView]:
        """Every appointment: who the custodians are is public, so anyone can check a deposit's."""
        today = self.store.clock.now().date()
        with self.store.read() as conn:
            return [custodian_view(row, today) for row in ev.list_custodians(conn)]

    # -- deposits ---------------------------------------------------------------------------

    def deposit(self, deposit: EscrowDeposited, *, by: Principal) -> DepositView:
        """File a deposit sealed on the provider's machine (its provider, or a supervisor)."""
        with self.store.transaction() as uow:
            model = rv.model(uow.conn, deposit.model_id)
            if model is None:
                raise NotFound(f"no model {deposit.model_id!r}")
            if not (
                by.sees_everything
                or (by.role is Role.PROVIDER and by.organisation_id == model["provider_id"])
            ):
                raise Forbidden("a deposit is filed by the model's provider")
            passport = rv.current_passport(uow.conn, deposit.model_id)
            if passport is None or passport["version"] != deposit.passport_version:
                current = "no passport" if passport is None else f"passport version {passport['version']}"
                raise InvalidInput(
                    f"the deposit escrows passport version {deposit.passport_version}; "
                    f"model {deposit.model_id} has {current}: deposit the current version"
                )
            _check_exportability(deposit, json.loads(passport["content"]))
            self._check_custodians(uow.conn, deposit)
            filing = file_as(
                by,
                ESCROW_DEPOSITED,
                deposit,
                owner=model["provider_id"],
                subject=deposit.model_id,
                clock=self.store.clock,
            )
            uow.file(filing)
            return self._deposit_view(uow.conn, filing.id, by)

    def _check_custodians(self, conn: Connection, deposit: EscrowDeposited) -> None:
        today = self.store.clock.now().date()
        rows = {
            row["id"]: row for row in ev.list_custodians(conn, [h.appointment_id for h in deposit.holders])
        }
        organisations = set()
        for holder in deposit.holders:
            row = rows.get(holder.appointment_id)
            if row is None:
                raise InvalidInput(f"no custodian appointment {holder.appointment_id!r}")
            if not custodian_view(row, today).in_force:
                raise InvalidInput(f"custodian appointment {holder.appointment_id} is not in force")
            if row["organisation_id"] in organisations:
                raise InvalidInput(
                    f"organisation {row['organisation_id']} holds two shares: each share goes to a "
                    "different custodian organisation, so no single party can open the deposit"
                )
            organisations.add(row["organisation_id"])

    def deposits(self, *, by: Principal, model_id: str | None = None) -> list[DepositView]:
        """Deposits, newest first: anyone may check that a deposit exists and how it fares."""
        with self.store.read() as conn:
            rows = ev.list_deposits(conn, model_id=model_id)
            return [self._render(conn, row, by) for row in rows]

    def get(self, deposit_id: str, *, by: Principal) -> DepositView:
        with self.store.read() as conn:
            return self._deposit_view(conn, deposit_id, by)

    def _deposit_view(self, conn: Connection, deposit_id: str, by: Principal) -> DepositView:
        row = ev.deposit(conn, deposit_id)
        if row is None:
            raise NotFound(f"no deposit {deposit_id!r}")
        return self._render(conn, row, by)

    def _render(self, conn: Connection, row: Mapping[str, Any], by: Principal) -> DepositView:
        found = self.store.filing(conn, row["id"])
        assert found is not None
        content = found[0].content
        now = self.store.clock.now()
        appointments = {c["id"]: c for c in ev.list_custodians(conn)}
        holders = tuple(
            HolderView.model_validate(
                {
                    **holder,
                    "organisation_id": appointments[holder["appointment_id"]]["organisation_id"],
                    "overdue": holder["due_at"] <= now,
                }
            )
            for holder in ev.holders(conn, [row["id"]])
        )
        live = sum(1 for holder in holders if not holder.overdue and holder.missed == 0)
        latest = ev.latest_deposit(conn, row["model_id"])
        passport = rv.current_passport(conn, row["model_id"])
        audit = self._audit(conn, row["audit_id"]) if row["audit_id"] else None
        confidential = (
            {"vault": content["vault"], "reference": content["reference"], "digests": content["digests"]}
            if by.sees_everything
            else {}
        )
        return DepositView.model_validate(
            {
                **{k: row[k] for k in ("id", "model_id", "owner_id", "passport_version", "size", "chunks")},
                **{k: row[k] for k in ("chunk_root", "threshold", "deposited_at", "opened_at")},
                "current": latest is not None
                and latest["id"] == row["id"]
                and passport is not None
                and passport["version"] == row["passport_version"],
                "components": content["components"],
                "manifest_digest": content["manifest_digest"],
                "aead": content["aead"],
                "holders": holders,
                "live": live,
                "quorum_at_risk": live < row["threshold"],
                "exportability": content["exportability"],
                "last_audit": audit,
                **confidential,
            }
        )

    def _audit(self, conn: Connection, audit_id: str) -> AuditView:
        found = self.store.filing(conn, audit_id)
        assert found is not None
        filing = found[0]
        return AuditView.model_validate({"id": filing.id, "audited_at": filing.filed_at, **filing.content})

    # -- a custodian's share and its confirmations ------------------------------------------

    def _holder_of(
        self, conn: Connection, deposit_id: str, by: Principal
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The deposit's filing content and the caller's holder row: a custodian's own share only."""
        if by.role is not Role.CUSTODIAN or by.organisation_id is None:
            raise Forbidden("a share is served to the custodian holding it, and to no one else")
        found = self.store.filing(conn, deposit_id)
        if found is None or found[0].kind != ESCROW_DEPOSITED.name:
            raise NotFound(f"no deposit {deposit_id!r}")
        mine = set(ev.appointments_of(conn, by.organisation_id))
        held = [h for h in ev.holders(conn, [deposit_id]) if h["appointment_id"] in mine]
        if not held:
            raise Forbidden(f"organisation {by.organisation_id} holds no share of deposit {deposit_id}")
        return found[0].content, held[0]

    def share(self, deposit_id: str, *, by: Principal) -> ShareView:
        """The caller's own share of a deposit, still encrypted to its recipient (custodians)."""
        with self.store.read() as conn:
            content, holder = self._holder_of(conn, deposit_id, by)
        envelope = next(
            s["envelope"] for s in content["shares"] if s["appointment_id"] == holder["appointment_id"]
        )
        return ShareView(
            deposit_id=deposit_id,
            reference=content["reference"],
            appointment_id=holder["appointment_id"],
            commitment=holder["commitment"],
            envelope=envelope,
        )

    def confirm(self, deposit_id: str, envelope: Mapping[str, Any], *, by: Principal) -> DepositView:
        """File a custodian's signed confirmation that its share still opens and matches its
        commitment (the custodian, or a supervisor relaying the signed statement)."""
        with self.store.transaction() as uow:
            row = ev.deposit(uow.conn, deposit_id)
            if row is None:
                raise NotFound(f"no deposit {deposit_id!r}")
            holders = {h["appointment_id"]: h for h in ev.holders(uow.conn, [deposit_id])}
            statement = custody.read_statement(envelope)  # to find whose keys to check
            holder = holders.get(str(statement.get("custodian")))
            if holder is None:
                raise InvalidInput(
                    f"the statement names no custodian holding a share of deposit {deposit_id}"
                )
            appointment = self._acting_custodian(uow.conn, holder["appointment_id"], by)
            custody.verified(
                envelope,
                json.loads(appointment["keys"]),
                {"_type": custody.CONFIRMATION, "deposit": deposit_id, "commitment": holder["commitment"]},
                moment="confirmedAt",
                now=self.store.clock.now(),
            )
            uow.file(
                file_as(
                    by,
                    CUSTODY_CONFIRMED,
                    {
                        "deposit_id": deposit_id,
                        "appointment_id": holder["appointment_id"],
                        "envelope": dict(envelope),
                    },
                    owner=appointment["organisation_id"],
                    subject=row["model_id"],
                    clock=self.store.clock,
                    fallback_jurisdiction=by.jurisdiction,
                )
            )
            return self._deposit_view(uow.conn, deposit_id, by)

    def _acting_custodian(self, conn: Connection, appointment_id: str, by: Principal) -> dict[str, Any]:
        """The appointment a custodian acts under: its own organisation's, or relayed by a supervisor."""
        appointment = ev.custodian(conn, appointment_id)
        assert appointment is not None
        if not (
            by.sees_everything
            or (by.role is Role.CUSTODIAN and by.organisation_id == appointment["organisation_id"])
        ):
            raise Forbidden("a custodian acts for its own appointments only")
        return appointment

    # -- releases ---------------------------------------------------------------------------

    def request_release(self, request: ReleaseRequested, *, by: Principal) -> ReleaseView:
        """Ask the custodians to release a deposit to a one-time recipient (supervisors)."""
        if not by.sees_everything:
            raise Forbidden("only supervisors request a release")
        with self.store.transaction() as uow:
            row = ev.deposit(uow.conn, request.deposit_id)
            if row is None:
                raise NotFound(f"no deposit {request.deposit_id!r}")
            if row["opened_at"] is not None:
                raise Conflict(f"deposit {request.deposit_id} was opened already")
            if ev.open_releases(uow.conn, request.deposit_id):
                raise Conflict(f"a release of deposit {request.deposit_id} is pending already")
            filing = file_as(
                by,
                RELEASE_REQUESTED,
                request,
                owner=row["owner_id"],
                subject=row["model_id"],
                clock=self.store.clock,
            )
            uow.file(filing)
            return self._release_view(uow.conn, filing.id, by)

    def approve(self, approval: ReleaseApproved, *, by: Principal) -> ReleaseView:
        """File a custodian's signed approval with its share encrypted to the release's recipient."""
        with self.store.transaction() as uow:
            release = ev.release(uow.conn, approval.release_id)
            if release is None:
                raise NotFound(f"no release {approval.release_id!r}")
            if release["status"] != "requested":
                raise Conflict(f"release {approval.release_id} is {release['status']}: it takes no approvals")
            holders = {h["appointment_id"] for h in ev.holders(uow.conn, [release["deposit_id"]])}
            if approval.appointment_id not in holders:
                raise InvalidInput(
                    f"custodian appointment {approval.appointment_id} holds no share of deposit "
                    f"{release['deposit_id']}"
                )
            if any(
                a["appointment_id"] == approval.appointment_id
                for a in ev.approvals(uow.conn, [release["id"]])
            ):
                raise Conflict(
                    f"custodian appointment {approval.appointment_id} approved this release already"
                )
            appointment = self._acting_custodian(uow.conn, approval.appointment_id, by)
            custody.verified(
                approval.statement,
                json.loads(appointment["keys"]),
                {
                    "_type": custody.APPROVAL,
                    "release": release["id"],
                    "custodian": approval.appointment_id,
                    "envelopeSha256": custody.envelope_digest(approval.envelope),
                },
                moment="approvedAt",
                now=self.store.clock.now(),
            )
            uow.file(
                file_as(
                    by,
                    RELEASE_APPROVED,
                    approval,
                    owner=appointment["organisation_id"],
                    subject=release["model_id"],
                    clock=self.store.clock,
                    fallback_jurisdiction=by.jurisdiction,
                )
            )
            return self._release_view(uow.conn, release["id"], by)

    def package(self, release_id: str, *, by: Principal) -> ReleasePackage:
        """What opening a release needs: the deposit and the approved shares, each encrypted to
        the release's one-time recipient (supervisors)."""
        if not by.sees_everything:
            raise Forbidden("only supervisors open a release")
        with self.store.read() as conn:
            view = self._release_view(conn, release_id, by)
            deposit = self._deposit_view(conn, view.deposit_id, by)
            commitments = {h.appointment_id: h.commitment for h in deposit.holders}
            filed = self.store.filings(conn, [a.filing_id for a in view.approvals])
            shares = tuple(
                ReleasedShare(
                    appointment_id=approval.appointment_id,
                    commitment=commitments[approval.appointment_id],
                    envelope=filed[approval.filing_id][0].content["envelope"],
                )
                for approval in view.approvals
            )
        return ReleasePackage(release=view, deposit=deposit, shares=shares)

    def record_opening(self, opening: EscrowOpened, *, by: Principal) -> ReleaseView:
        """File the outcome of opening a release (supervisors): opened, which needs a quorum of
        approvals, or refused with the reason."""
        if not by.sees_everything:
            raise Forbidden("only supervisors open a release")
        with self.store.transaction() as uow:
            view = self._release_view(uow.conn, opening.release_id, by)
            if view.status != "requested":
                raise Conflict(f"release {opening.release_id} is {view.status} already")
            if opening.outcome is OpenOutcome.OPENED and not view.quorum:
                raise InvalidInput(
                    f"release {opening.release_id} has {len(view.approvals)} approvals of the "
                    f"{view.threshold} needed: it cannot have been opened"
                )
            row = ev.deposit(uow.conn, view.deposit_id)
            assert row is not None
            uow.file(
                file_as(
                    by,
                    ESCROW_OPENED,
                    opening,
                    owner=row["owner_id"],
                    subject=row["model_id"],
                    clock=self.store.clock,
                )
            )
            return self._release_view(uow.conn, opening.release_id, by)

    def releases(self, *, by: Principal) -> list[ReleaseView]:
        """Release requests and their quorum: public, like the deposits they concern."""
        with self.store.read() as conn:
            return [self._release_view(conn, row["id"], by) for row in ev.list_releases(conn)]

    def release(self, release_id: str, *, by: Principal) -> ReleaseView:
        with self.store.read() as conn:
            return self._release_view(conn, release_id, by)

    def _release_view(self, conn: Connection, release_id: str, by: Principal) -> ReleaseView:
        """A release as ``by`` may see it: its court order's or incident's reference is for the
        provider and supervisors."""
        row = ev.release(conn, release_id)
        if row is None:
            raise NotFound(f"no release {release_id!r}")
        deposit = ev.deposit(conn, row["deposit_id"])
        assert deposit is not None
        appointments = {c["id"]: c for c in ev.list_custodians(conn)}
        approvals = tuple(
            ApprovalView.model_validate(
                {**a, "organisation_id": appointments[a["appointment_id"]]["organisation_id"]}
            )
            for a in ev.approvals(conn, [release_id])
        )
        parties = by.sees_everything or by.organisation_id == deposit["owner_id"]
        found = self.store.filing(conn, release_id) if parties else None
        return ReleaseView.model_validate(
            {
                **row,
                "reference": found[0].content.get("reference") if found else None,
                "threshold": deposit["threshold"],
                "approvals": approvals,
                "quorum": len(approvals) >= deposit["threshold"],
            }
        )

    # -- custody checks ---------------------------------------------------------------------

    def audit(self, deposit_id: str, *, by: Principal) -> AuditView:
        """Audit a deposit's storage now (supervisors; the sweep does it monthly): chunks chosen
        from the newest checkpoint, which is signed first if none yet holds the deposit."""
        if not by.sees_everything:
            raise Forbidden("only supervisors audit a deposit's storage")
        with self.store.read() as conn:
            row = ev.deposit(conn, deposit_id)
            if row is None:
                raise NotFound(f"no deposit {deposit_id!r}")
            found = self.store.filing(conn, deposit_id)
            latest = ledger_sql.latest_checkpoint(conn)
        assert found is not None
        deposit, index = found
        if latest is None or latest[1] <= index:
            self.store.publish_checkpoint()
            with self.store.read() as conn:
                latest = ledger_sql.latest_checkpoint(conn)
        assert latest is not None
        checkpoint = Checkpoint.parse_body(Note.parse(latest[2]).text)
        indices = chosen(deposit_id, checkpoint.size, checkpoint.root, row["chunks"])
        # The store is read outside any transaction: it may be remote and slow.
        failures = check_chunks(
            deposit.content["vault"],
            deposit.content["reference"],
            bytes.fromhex(row["chunk_root"]),
            row["chunks"],
            indices,
        )
        with self.store.transaction() as uow:
            filing = file_as(
                by,
                ESCROW_AUDITED,
                {
                    "deposit_id": deposit_id,
                    "checkpoint_size": checkpoint.size,
                    "checkpoint_root": checkpoint.root.hex(),
                    "indices": indices,
                    "passed": not failures,
                    "failures": [failure.model_dump() for failure in failures],
                },
                owner=row["owner_id"],
                subject=row["model_id"],
                clock=self.store.clock,
                jurisdiction=deposit.jurisdiction,
            )
            uow.file(filing)
        return AuditView.model_validate({"id": filing.id, "audited_at": filing.filed_at, **filing.content})

    def sweep(self, *, by: Principal) -> EscrowSweep:
        """Audit the deposits due an audit, and escalate the confirmations overdue."""
        before = self.store.clock.now() - AUDIT_EVERY
        with self.store.read() as conn:
            due = [row["id"] for row in ev.audits_due(conn, before)]
        audits = tuple(self.audit(deposit_id, by=by) for deposit_id in due)
        return EscrowSweep(audits=audits, missed=tuple(self.file_missed(by=by)))

    def file_missed(self, *, by: Principal) -> list[HolderView]:
        """Escalate every overdue confirmation one rung (the sweep): a missed period is filed,
        with whether fewer confirmed custodians than the threshold remain."""
        now = self.store.clock.now()
        missed = []
        with self.store.transaction() as uow:
            for holder in ev.overdue_holders(uow.conn, now):
                deposit = ev.deposit(uow.conn, holder["deposit_id"])
                assert deposit is not None
                others = ev.holders(uow.conn, [holder["deposit_id"]])
                live = sum(1 for h in others if h["due_at"] > now and h["missed"] == 0)
                appointment = ev.custodian(uow.conn, holder["appointment_id"])
                assert appointment is not None
                uow.file(
                    file_as(
                        by,
                        CONFIRMATION_MISSED,
                        {
                            "deposit_id": holder["deposit_id"],
                            "appointment_id": holder["appointment_id"],
                            "due_at": stored_utc(holder["due_at"]).isoformat(),
                            "rung": holder["missed"] + 1,
                            "live": live,
                            "quorum_at_risk": live < deposit["threshold"],
                        },
                        owner=deposit["owner_id"],
                        subject=deposit["model_id"],
                        clock=self.store.clock,
                    )
                )
                missed.append(
                    HolderView.model_validate(
                        {
                            **holder,
                            "missed": holder["missed"] + 1,
                            "organisation_id": appointment["organisation_id"],
                            "overdue": True,
                        }
                    )
                )
        return missed


def _check_exportability(deposit: EscrowDeposited, passport: Mapping[str, Any]) -> None:
    """The shards must have been counted against the parameters the passport declares, and
    within the tolerance: the deposit is what the provider registered."""
    declared = (passport.get("compute") or {}).get("parameters")
    found = deposit.exportability
    if declared is None:
        return
    if found.declared != declared:
        raise InvalidInput(
            f"the shards were counted against {units.scientific(found.declared)} parameters; passport "
            f"version {deposit.passport_version} declares {units.scientific(declared)}"
        )
    if not found.within_tolerance:
        raise InvalidInput(
            f"the shards hold {units.scientific(found.parameters)} parameters, outside the tolerance "
            f"of the {units.scientific(declared)} passport version {deposit.passport_version} declares"
        )
