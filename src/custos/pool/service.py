"""The liability pool: contributions called from stress runs, paid with late interest, claims
admitted and paid (pro rata when the fund is short), and what the fund recovers from the firms
responsible.

Who sees what: everyone sees the fund's balance, its totals and each payout's total and share;
no firm's amount is shown to anyone but the firm and supervisors. A firm sees its own calls and
payments, a claimant its own claims and its lines of each payout, a firm the subrogations against
it; supervisors see everything. The fund's balance is summed from the filings on each read
(``pool.balance``), never stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from pydantic import BaseModel

from custos.access.filer import file_as
from custos.access.model import Principal
from custos.core import units
from custos.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from custos.filings import Filing, FilingKind, parse
from custos.policy.engine import active_packs
from custos.pool import prorata
from custos.pool.balance import Entry, Fund, fund
from custos.pool.interest import ZERO, Account, account, cents
from custos.pool.interest import Payment as Paid
from custos.pool.model import (
    CLAIM_ASSESSED,
    CLAIM_FILED,
    CONTRIBUTION_CALLED,
    CONTRIBUTION_PAID,
    PAYOUT_MADE,
    POOL_KINDS,
    RECOVERY_RECEIVED,
    SUBROGATION_RECORDED,
    ClaimAssessed,
    ClaimFiled,
    ContributionCalled,
    ContributionPaid,
    PayoutLine,
    PayoutMade,
    RecoveryReceived,
    SubrogationRecorded,
)
from custos.pool.requests import (
    AssessmentRequest,
    CallRequest,
    ClaimRequest,
    PaymentRequest,
    PayoutRequest,
    RecoveryRequest,
    SubrogationRequest,
)
from custos.pool.views import (
    BalancePointView,
    BalanceView,
    CallView,
    ClaimPaymentView,
    ClaimView,
    MovementView,
    PaymentView,
    PayoutLineView,
    PayoutView,
    RecoveryView,
    SubrogationView,
)
from custos.store import Connection, Store, UnitOfWork, ledger_sql
from custos.store import incident_views as iv
from custos.store import pool_views as pv
from custos.store import registry_views as rv
from custos.store.pool_views import PoolFiled

#: The pack parameter that sets the late-payment interest rate a year.
RATE_PARAMETER = "pool_late_interest_rate"
#: A target's scale is kept to twelve decimals: finer than a cent on any amount the fund records.
SCALE = Decimal("1e-12")


def _supervisors_only(by: Principal, what: str) -> None:
    if not by.sees_everything:
        raise Forbidden(f"only supervisors {what}")


def _sees(by: Principal, owner: str) -> bool:
    """A firm's amounts are its own and the supervisors'."""
    return by.sees_everything or (by.organisation_id is not None and by.organisation_id == owner)


def _amount(content: Mapping[str, object], field: str = "amount") -> Decimal:
    return Decimal(str(content[field]))


def _money(amount: Decimal, currency: str | None) -> str:
    return units.money(amount, currency or "")


def _total(found: Sequence[PoolFiled], field: str = "amount") -> Decimal:
    """The sum of ``field`` over filings: what was paid out, claimed or recovered."""
    return sum((_amount(item.content, field) for item in found), ZERO)


def _incident(conn: Connection, incident_id: str) -> None:
    """Refuse an incident the registry does not hold: claims, payouts and subrogations name one."""
    if iv.incident(conn, incident_id) is None:
        raise NotFound(f"no incident {incident_id!r}")


def _one(conn: Connection, filing_id: str, kind: FilingKind, what: str) -> PoolFiled:
    """The pool filing ``filing_id`` of ``kind``, or NotFound naming it as ``what``."""
    found = pv.one(conn, filing_id, kind.name)
    if found is None:
        raise NotFound(f"no {what} {filing_id!r}")
    return found


def _organisation(conn: Connection, reference: str) -> str:
    """The id of the organisation ``reference`` identifies or names exactly."""
    found = rv.organisation(conn, id=reference) or rv.organisation(conn, name=reference)
    if found is None:
        raise NotFound(f"no organisation {reference!r} (give its id or exact name)")
    return str(found["id"])


def _owned(conn: Connection, kind: FilingKind, by: Principal) -> list[PoolFiled]:
    """Filings of ``kind``, oldest first: all to supervisors, an organisation its own, nobody
    else any."""
    if by.sees_everything:
        return pv.filed(conn, kinds=[kind.name])
    if by.organisation_id is None:
        return []
    return pv.filed(conn, kinds=[kind.name], organisation=by.organisation_id)


def late_interest_rate(conn: Connection) -> tuple[Decimal, str] | None:
    """The highest late-interest rate an active pack sets, and which pack and parameter; None
    when no active pack sets one."""
    found = [
        (Decimal(str(pack.document.parameters[RATE_PARAMETER])), pack.document)
        for pack in active_packs(conn)
        if RATE_PARAMETER in pack.document.parameters
    ]
    if not found:
        return None
    rate, document = max(found, key=lambda item: item[0])
    return rate, f"{document.id} {document.version}, parameter {RATE_PARAMETER}"


def entries(found: Sequence[PoolFiled]) -> list[Entry]:
    """Pool filings as the fund's account reads them."""
    return [Entry(item.id, item.position, item.kind, item.organisation, item.content) for item in found]


def _not_before(day: date, earliest: date, what: str, since: str) -> None:
    """Refuse money dated before what it settles existed: a payment before its call was sent, a
    recovery before its subrogation was recorded."""
    if day < earliest:
        raise InvalidInput(f"{what} {day} is before {since}, on {earliest}: no money moves for it earlier")


def _sent_on(call: PoolFiled) -> date:
    """The day a call was sent: the day it names, else the day it was filed."""
    named = call.content.get("sent_on")
    return call.filed_at.date() if named is None else date.fromisoformat(named)


class PoolService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def _today(self) -> date:
        return self.store.clock.now().date()

    def _fund(self, conn: Connection) -> Fund:
        return fund(entries(pv.filed(conn, kinds=[kind.name for kind in POOL_KINDS])), self._today())

    def _not_future(self, day: date, what: str, fix: str = "name the day the money arrived") -> None:
        if day > self._today():
            raise InvalidInput(f"{what} {day} is in the future: {fix}")

    def _filing(
        self,
        conn: Connection,
        by: Principal,
        kind: FilingKind,
        payload: BaseModel,
        *,
        owner: str,
        subject: str,
    ) -> Filing:
        """``payload`` sealed as a filing by ``by``, in the installation's jurisdiction when the
        filer has none of its own (the operator)."""
        return file_as(
            by,
            kind,
            payload,
            owner=owner,
            subject=subject,
            clock=self.store.clock,
            fallback_jurisdiction=ledger_sql.authority(conn)[1],
        )

    # Calls ----------------------------------------------------------------------------------

    def call(self, request: CallRequest, *, by: Principal) -> list[CallView]:
        """Call each firm's contribution from a stress run (supervisors): the sum of its
        deployments' pool contributions, scaled to raise ``target`` less the balance when given.
        The due date may have passed (a call recorded after it was sent, on ``sent_on``): interest
        runs from it, and no payment is dated before the day it was sent."""
        _supervisors_only(by, "call contributions")
        if request.sent_on is not None:
            self._not_future(request.sent_on, "the day the call was sent,", "name the day it went out")
        if request.due_on < (request.sent_on or self._today()):
            raise InvalidInput(
                f"the due date {request.due_on} is before the call was sent, on "
                f"{request.sent_on or self._today()}: a call recorded after it was sent names that day"
            )
        with self.store.transaction() as uow:
            conn = uow.conn
            run = pv.run(conn, request.run)
            if run is None:
                raise NotFound(
                    "no stress test has been run (custos risk run)"
                    if request.run is None
                    else f"no stress run {request.run!r} (give its run id or its filing's id)"
                )
            called = pv.filed(conn, kinds=[CONTRIBUTION_CALLED.name])
            if any(item.content["run_filing_id"] == run.id for item in called):
                raise Conflict(f"contributions were already called from run {run.content['run_id']}")
            rate = late_interest_rate(conn)
            if rate is None:
                raise InvalidInput(
                    f"no active policy pack sets {RATE_PARAMETER}, so late payment would earn nothing; "
                    "load a pack that does (the built-in custos-baseline)"
                )
            by_firm: dict[str, Decimal] = {}
            currencies = set()
            for part in pv.participations(conn, run):
                currencies.add(part.content["currency"])
                share = Decimal(str(part.content["pool_contribution"]))
                by_firm[part.organisation] = by_firm.get(part.organisation, ZERO) + share
            if not by_firm:
                raise InvalidInput(f"no registered deployment took part in run {run.content['run_id']}")
            if len(currencies) != 1:
                raise InvalidInput(
                    f"run {run.content['run_id']} prices its deployments in several currencies"
                )
            (currency,) = currencies
            current = self._fund(conn)
            if current.currency is not None and currency != current.currency:
                raise InvalidInput(
                    f"the fund is kept in {current.currency}; run {run.content['run_id']} is in {currency}"
                )
            run_amounts = {firm: cents(amount) for firm, amount in by_firm.items()}
            total = sum(run_amounts.values(), ZERO)
            if total <= 0:
                raise InvalidInput(f"run {run.content['run_id']} asks no firm for a contribution")
            scale = Decimal(1)
            if request.target is not None:
                needed = request.target - current.balance
                if needed <= 0:
                    raise InvalidInput(
                        f"the fund holds {_money(current.balance, currency)}, at or above the target "
                        f"{_money(request.target, currency)}: nothing to call"
                    )
                scale = (needed / total).quantize(SCALE)
            filings = [
                self._filing(
                    conn,
                    by,
                    CONTRIBUTION_CALLED,
                    ContributionCalled(
                        run_filing_id=run.id,
                        run_id=run.content["run_id"],
                        currency=currency,
                        due_on=request.due_on,
                        **({} if request.sent_on is None else {"sent_on": request.sent_on}),
                        late_interest_rate=rate[0],
                        rate_source=rate[1],
                        scale=scale,
                        run_amount=run_amount,
                        amount=cents(run_amount * scale),
                    ),
                    owner=firm,
                    subject=firm,
                )
                for firm, run_amount in sorted(run_amounts.items())
                if cents(run_amount * scale) > 0
            ]
            uow.file(*filings)
            names = rv.organisation_names(conn)
            made = {filing.id for filing in filings}
            found = pv.filed(conn, kinds=[CONTRIBUTION_CALLED.name], references=sorted(run_amounts))
            return [self._call_view(call, [], by, names) for call in found if call.id in made]

    def calls(self, *, by: Principal) -> list[CallView]:
        """Calls, oldest first: all to supervisors, a firm its own, nobody else any."""
        with self.store.read() as conn:
            found = _owned(conn, CONTRIBUTION_CALLED, by)
            payments = pv.filed(conn, kinds=[CONTRIBUTION_PAID.name], references=[c.id for c in found])
            names = rv.organisation_names(conn)
        return [
            self._call_view(call, [p for p in payments if p.subject == call.id], by, names) for call in found
        ]

    def pay(self, call_id: str, request: PaymentRequest, *, by: Principal) -> CallView:
        """Pay (part of) a call: the firm it is for (as of today), or the operator on its behalf
        (on the day the fund's bank statement shows). The payment settles late interest first,
        then principal; the rest is shown as overpaid."""
        paid_on = request.paid_on or self._today()
        self._not_future(paid_on, "the payment date")
        with self.store.transaction() as uow:
            conn = uow.conn
            call = _one(conn, call_id, CONTRIBUTION_CALLED, "contribution call")
            if not by.sees_everything and by.organisation_id != call.organisation:
                raise Forbidden("a call is paid by the firm it is for, or by the operator on its behalf")
            currency = call.content["currency"]
            if request.currency != currency:
                raise InvalidInput(f"the call is in {currency}; a payment in {request.currency} is refused")
            if not by.sees_everything and paid_on != self._today():
                raise InvalidInput(
                    "a firm reports its payment as of today; a payment made earlier is recorded by the "
                    "operator from the fund's bank statement"
                )
            _not_before(paid_on, _sent_on(call), "the payment date", "the call was sent")
            paid = ContributionPaid(
                call_id=call_id, currency=currency, amount=request.amount, paid_on=paid_on
            )
            uow.file(
                self._filing(conn, by, CONTRIBUTION_PAID, paid, owner=call.organisation, subject=call_id)
            )
            payments = pv.filed(conn, kinds=[CONTRIBUTION_PAID.name], references=[call_id])
            return self._call_view(call, payments, by, rv.organisation_names(conn, [call.organisation]))

    def _call_view(
        self, call: PoolFiled, payments: Sequence[PoolFiled], by: Principal, names: Mapping[str, str]
    ) -> CallView:
        content = call.content
        public = dict(
            id=call.id,
            organisation_id=call.organisation,
            organisation=names.get(call.organisation, call.organisation),
            run_id=content["run_id"],
            run_filing_id=content["run_filing_id"],
            called_at=call.filed_at,
            currency=content["currency"],
            due_on=content["due_on"],
            sent_on=_sent_on(call),
            late_interest_rate=content["late_interest_rate"],
            rate_source=content["rate_source"],
            scale=content["scale"],
            as_of=self._today(),
        )
        if not _sees(by, call.organisation):
            return CallView(**public)
        found = _account(call, payments, self._today())
        status = (
            "paid"
            if found.principal_outstanding == 0 and found.interest_outstanding == 0
            else ("overdue" if self._today() > found.due_on else "open")
        )
        return CallView(
            **public,
            run_amount=content["run_amount"],
            amount=content["amount"],
            paid=sum((item.payment.amount for item in found.applied), ZERO),
            principal_paid=found.principal_paid,
            interest_paid=found.interest_paid,
            principal_outstanding=found.principal_outstanding,
            interest_outstanding=found.interest_outstanding,
            overpaid=found.overpaid,
            status=status,
            late=found.late,
            payments=tuple(
                PaymentView(
                    id=item.payment.id,
                    paid_on=item.payment.paid_on,
                    amount=item.payment.amount,
                    days_late=item.days_late,
                    interest_accrued=item.interest_accrued,
                    to_interest=item.to_interest,
                    to_principal=item.to_principal,
                    overpaid=item.excess,
                )
                for item in found.applied
            ),
        )

    # Claims ---------------------------------------------------------------------------------

    def claim(self, request: ClaimRequest, *, by: Principal) -> ClaimView:
        """A claim for an incident: an organisation's own, or one a supervisor files for the
        organisation it names or for a member of the public."""
        with self.store.transaction() as uow:
            conn = uow.conn
            _incident(conn, request.incident_id)
            owner = self._claimant(conn, request, by)
            current = self._fund(conn)
            if current.currency is not None and request.currency != current.currency:
                raise InvalidInput(
                    f"the fund pays in {current.currency}; a claim in {request.currency} is refused"
                )
            payload = ClaimFiled(
                incident_id=request.incident_id,
                currency=request.currency,
                amount=request.amount,
                description=request.description,
                **({"claimant": request.claimant} if request.claimant else {}),
            )
            filing = self._filing(conn, by, CLAIM_FILED, payload, owner=owner, subject=request.incident_id)
            uow.file(filing)
            return self._claim_views(conn, [_one(conn, filing.id, CLAIM_FILED, "claim")], by)[0]

    def _claimant(self, conn: Connection, request: ClaimRequest, by: Principal) -> str:
        if not by.sees_everything:
            if by.organisation_id is None:
                raise Forbidden("a claim is filed by a registered organisation, or by the operator")
            if request.claimant is not None:
                raise Forbidden("only the operator files a claim for a member of the public")
            if request.organisation_id not in (None, by.organisation_id):
                raise Forbidden("an organisation files its own claims")
            return by.organisation_id
        if (request.organisation_id is None) == (request.claimant is None):
            raise InvalidInput(
                "name either the organisation claiming (organisation_id) or the member of the public "
                "the claim is filed for (claimant)"
            )
        if request.organisation_id is None:
            return ledger_sql.authority(conn)[0]
        return _organisation(conn, request.organisation_id)

    def claims(self, *, by: Principal) -> list[ClaimView]:
        """Claims, oldest first: all to supervisors, a claimant its own, nobody else any."""
        with self.store.read() as conn:
            return self._claim_views(conn, _owned(conn, CLAIM_FILED, by), by)

    def _claim_views(self, conn: Connection, claims: Sequence[PoolFiled], by: Principal) -> list[ClaimView]:
        ids = [claim.id for claim in claims]
        assessed = {a.subject: a for a in pv.filed(conn, kinds=[CLAIM_ASSESSED.name], references=ids)}
        incidents = sorted({claim.subject for claim in claims})
        payouts = pv.filed(conn, kinds=[PAYOUT_MADE.name], references=incidents)
        names = rv.organisation_names(conn, sorted({claim.organisation for claim in claims}))
        return [_claim_view(claim, assessed.get(claim.id), payouts, by, names) for claim in claims]

    def assess(self, claim_id: str, request: AssessmentRequest, *, by: Principal) -> ClaimView:
        """Admit a claim (at most what was claimed) or reject it, once (supervisors)."""
        _supervisors_only(by, "assess claims")
        with self.store.transaction() as uow:
            conn = uow.conn
            claim = _one(conn, claim_id, CLAIM_FILED, "claim")
            if pv.filed(conn, kinds=[CLAIM_ASSESSED.name], references=[claim_id]):
                raise Conflict(f"claim {claim_id} has already been assessed")
            payload = parse(
                ClaimAssessed, {"claim_id": claim_id, **request.model_dump(exclude_unset=True)}, "assessment"
            )
            claimed = _amount(claim.content)
            if payload.admitted is not None and payload.admitted > claimed:
                currency = claim.content["currency"]
                raise InvalidInput(
                    f"the amount admitted, {_money(payload.admitted, currency)}, is above the "
                    f"{_money(claimed, currency)} claimed"
                )
            uow.file(
                self._filing(conn, by, CLAIM_ASSESSED, payload, owner=claim.organisation, subject=claim_id)
            )
            return self._claim_views(conn, [claim], by)[0]

    # Payouts --------------------------------------------------------------------------------

    def payout(self, request: PayoutRequest, *, by: Principal) -> PayoutView:
        """Pay the admitted claims of an incident what they are still owed (supervisors): in
        full when the fund holds enough, else each the same share, rounded down to the cent."""
        _supervisors_only(by, "pay claims")
        with self.store.transaction() as uow:
            conn = uow.conn
            owed = self._owed(conn, request.incident_id)
            if not owed:
                raise InvalidInput(f"incident {request.incident_id} has no admitted claim still owed")
            current = self._fund(conn)
            if current.balance <= 0:
                raise InvalidInput("the fund holds nothing to pay with")
            paid = prorata.shares(owed, current.balance)
            total = sum(paid.values(), ZERO)
            if total <= 0:
                raise InvalidInput(
                    f"the fund holds {_money(current.balance, current.currency)}: not a cent for each claim"
                )
            content = PayoutMade(
                incident_id=request.incident_id,
                currency=current.currency or "",
                paid_on=self._today(),
                total=total,
                lines=tuple(PayoutLine(claim_id=key, owed=owed[key], paid=paid[key]) for key in owed),
            )
            return self._file_payout(uow, content, by)

    def record_payout(self, content: PayoutMade, *, by: Principal) -> PayoutView:
        """File a payout as given (supervisors), refused unless each line pays an admitted claim of
        the incident at most what it is owed and the total leaves the fund at or above zero."""
        _supervisors_only(by, "pay claims")
        with self.store.transaction() as uow:
            return self._file_payout(uow, content, by)

    def _file_payout(self, uow: UnitOfWork, content: PayoutMade, by: Principal) -> PayoutView:
        conn = uow.conn
        self._not_future(content.paid_on, "the payout date")
        owed = self._owed(conn, content.incident_id)
        for line in content.lines:
            if owed.get(line.claim_id) != line.owed:
                raise InvalidInput(
                    f"claim {line.claim_id} is not owed {line.owed} by the fund for incident "
                    f"{content.incident_id}"
                )
        current = self._fund(conn)
        claims = pv.filed(conn, kinds=[CLAIM_FILED.name], references=[content.incident_id])
        currencies = {claim.content["currency"] for claim in claims if claim.id in owed}
        if currencies - {current.currency} or content.currency != current.currency:
            raise InvalidInput(
                f"the fund pays in {current.currency}; claims in {', '.join(sorted(currencies))} "
                f"cannot be paid from it in {content.currency}"
            )
        if content.total > current.balance:
            raise InvalidInput(
                f"a payout of {_money(content.total, content.currency)} would overdraw the fund, which "
                f"holds {_money(current.balance, current.currency)}"
            )
        authority = ledger_sql.authority(conn)[0]
        filing = self._filing(conn, by, PAYOUT_MADE, content, owner=authority, subject=content.incident_id)
        uow.file(filing)
        return self._payout_views(conn, [_one(conn, filing.id, PAYOUT_MADE, "payout")], by)[0]

    def _owed(self, conn: Connection, incident_id: str) -> dict[str, Decimal]:
        """What each admitted claim of an incident is still owed: admitted less paid so far."""
        _incident(conn, incident_id)
        claims = pv.filed(conn, kinds=[CLAIM_FILED.name], references=[incident_id])
        assessed = pv.filed(conn, kinds=[CLAIM_ASSESSED.name], references=[claim.id for claim in claims])
        paid: dict[str, Decimal] = {}
        for payout in pv.filed(conn, kinds=[PAYOUT_MADE.name], references=[incident_id]):
            for line in payout.content["lines"]:
                paid[line["claim_id"]] = paid.get(line["claim_id"], ZERO) + Decimal(str(line["paid"]))
        owed = {
            item.subject: _amount(item.content, "admitted") - paid.get(item.subject, ZERO)
            for item in assessed
            if item.content["outcome"] == "admitted"
        }
        return {key: amount for key, amount in owed.items() if amount > 0}

    def payouts(self, *, by: Principal) -> list[PayoutView]:
        """Every payout, oldest first: its total and share for everyone, the lines to supervisors
        and each claimant its own."""
        with self.store.read() as conn:
            return self._payout_views(conn, pv.filed(conn, kinds=[PAYOUT_MADE.name]), by)

    def _payout_views(
        self, conn: Connection, payouts: Sequence[PoolFiled], by: Principal
    ) -> list[PayoutView]:
        claim_ids = [line["claim_id"] for payout in payouts for line in payout.content["lines"]]
        owners = {
            claim.id: claim.organisation
            for claim in pv.filed(conn, kinds=[CLAIM_FILED.name])
            if claim.id in set(claim_ids)
        }
        views = []
        for payout in payouts:
            content = payout.content
            lines = [
                PayoutLineView(
                    claim_id=line["claim_id"],
                    organisation_id=owners.get(line["claim_id"], ""),
                    owed=Decimal(str(line["owed"])),
                    paid=Decimal(str(line["paid"])),
                    unpaid=Decimal(str(line["owed"])) - Decimal(str(line["paid"])),
                )
                for line in content["lines"]
            ]
            owed = sum((line.owed for line in lines), ZERO)
            total = _amount(content, "total")
            views.append(
                PayoutView(
                    id=payout.id,
                    incident_id=content["incident_id"],
                    currency=content["currency"],
                    paid_on=content["paid_on"],
                    total=total,
                    owed=owed,
                    share=prorata.ratio({"all": owed}, total),
                    unpaid=owed - total,
                    lines=tuple(line for line in lines if _sees(by, line.organisation_id)),
                )
            )
        return views

    # Subrogation ----------------------------------------------------------------------------

    def subrogate(self, request: SubrogationRequest, *, by: Principal) -> SubrogationView:
        """Record the fund's claim against the firm responsible for an incident, for at most what
        the fund paid out for it and has not already claimed (supervisors)."""
        _supervisors_only(by, "record subrogations")
        with self.store.transaction() as uow:
            conn = uow.conn
            _incident(conn, request.incident_id)
            firm = _organisation(conn, request.organisation)
            references = [request.incident_id]
            paid_out = _total(pv.filed(conn, kinds=[PAYOUT_MADE.name], references=references), "total")
            claimed = _total(pv.filed(conn, kinds=[SUBROGATION_RECORDED.name], references=references))
            current = self._fund(conn)
            if request.amount > paid_out - claimed:
                raise InvalidInput(
                    f"the fund paid out {_money(paid_out, current.currency)} for incident "
                    f"{request.incident_id} and has claimed {_money(claimed, current.currency)} of it "
                    "already: "
                    f"{_money(request.amount, current.currency)} is beyond what it paid"
                )
            payload = SubrogationRecorded(
                incident_id=request.incident_id,
                organisation_id=firm,
                currency=current.currency or "",
                amount=request.amount,
            )
            filing = self._filing(
                conn, by, SUBROGATION_RECORDED, payload, owner=firm, subject=request.incident_id
            )
            uow.file(filing)
            made = _one(conn, filing.id, SUBROGATION_RECORDED, "subrogation")
            return self._subrogation_views(conn, [made], by)[0]

    def recover(self, subrogation_id: str, request: RecoveryRequest, *, by: Principal) -> SubrogationView:
        """Record an amount recovered under a subrogation, at most what is still outstanding; it
        returns to the fund (supervisors)."""
        _supervisors_only(by, "record recoveries")
        received_on = request.received_on or self._today()
        self._not_future(received_on, "the day received")
        with self.store.transaction() as uow:
            conn = uow.conn
            subrogation = _one(conn, subrogation_id, SUBROGATION_RECORDED, "subrogation")
            recorded = subrogation.filed_at.date()
            _not_before(received_on, recorded, "the day received", "the subrogation was recorded")
            currency = subrogation.content["currency"]
            recovered = _total(pv.filed(conn, kinds=[RECOVERY_RECEIVED.name], references=[subrogation_id]))
            outstanding = _amount(subrogation.content) - recovered
            if request.amount > outstanding:
                raise InvalidInput(
                    f"{_money(request.amount, currency)} is more than the {_money(outstanding, currency)} "
                    "still outstanding under the subrogation"
                )
            payload = RecoveryReceived(
                subrogation_id=subrogation_id,
                currency=currency,
                amount=request.amount,
                received_on=received_on,
            )
            owner = subrogation.organisation
            uow.file(self._filing(conn, by, RECOVERY_RECEIVED, payload, owner=owner, subject=subrogation_id))
            return self._subrogation_views(conn, [subrogation], by)[0]

    def subrogations(self, *, by: Principal) -> list[SubrogationView]:
        """Subrogations, oldest first: all to supervisors, a firm those against it."""
        with self.store.read() as conn:
            return self._subrogation_views(conn, _owned(conn, SUBROGATION_RECORDED, by), by)

    def _subrogation_views(
        self, conn: Connection, found: Sequence[PoolFiled], by: Principal
    ) -> list[SubrogationView]:
        recoveries = pv.filed(conn, kinds=[RECOVERY_RECEIVED.name], references=[s.id for s in found])
        names = rv.organisation_names(conn, sorted({s.organisation for s in found}))
        views = []
        for subrogation in found:
            content = subrogation.content
            public = dict(
                id=subrogation.id,
                incident_id=content["incident_id"],
                organisation_id=subrogation.organisation,
                organisation=names.get(subrogation.organisation, subrogation.organisation),
                currency=content["currency"],
                recorded_at=subrogation.filed_at,
            )
            if not _sees(by, subrogation.organisation):
                views.append(SubrogationView(**public))
                continue
            mine = [r for r in recoveries if r.subject == subrogation.id]
            recovered = _total(mine)
            views.append(
                SubrogationView(
                    **public,
                    amount=_amount(content),
                    recovered=recovered,
                    outstanding=_amount(content) - recovered,
                    recoveries=tuple(
                        RecoveryView(id=r.id, amount=_amount(r.content), received_on=r.content["received_on"])
                        for r in mine
                    ),
                )
            )
        return views

    # The fund -------------------------------------------------------------------------------

    def balance(self, *, by: Principal) -> BalanceView:
        """The fund's balance and totals (everyone), with the filings it rests on and their places
        in the log. A movement's day and amount are shown where the reader may see them (payouts to
        everyone, a firm its own); the balance over time only to supervisors, since the step on a
        day one firm paid is that firm's amount."""
        with self.store.read() as conn:
            found = pv.filed(conn, kinds=[kind.name for kind in POOL_KINDS])
        current = fund(entries(found), self._today())
        series = (
            {"series": tuple(BalancePointView(on=day, balance=amount) for day, amount in current.series())}
            if by.sees_everything
            else {}
        )
        return BalanceView(
            currency=current.currency,
            as_of=self._today(),
            balance=current.balance,
            called=current.called,
            principal_paid=current.principal_paid,
            interest_paid=current.interest_paid,
            recovered=current.recovered,
            paid_out=current.paid_out,
            claims=sum(1 for item in found if item.kind == CLAIM_FILED.name),
            calls=sum(1 for item in found if item.kind == CONTRIBUTION_CALLED.name),
            **series,
            rests_on=tuple(
                MovementView(
                    filing_id=m.filing_id,
                    index=m.index,
                    kind=m.kind,
                    **(
                        {"on": m.on, "amount": m.amount}
                        if m.kind == PAYOUT_MADE.name or _sees(by, m.organisation)
                        else {}
                    ),
                )
                for m in current.movements
            ),
        )


def _account(call: PoolFiled, payments: Sequence[PoolFiled], as_of: date) -> Account:
    return account(
        _amount(call.content),
        date.fromisoformat(call.content["due_on"]),
        Decimal(str(call.content["late_interest_rate"])),
        [Paid(p.id, _amount(p.content), date.fromisoformat(p.content["paid_on"])) for p in payments],
        as_of,
    )


def _claim_view(
    claim: PoolFiled,
    assessment: PoolFiled | None,
    payouts: Sequence[PoolFiled],
    by: Principal,
    names: Mapping[str, str],
) -> ClaimView:
    content = claim.content
    status = "filed" if assessment is None else assessment.content["outcome"]
    public = dict(
        id=claim.id,
        incident_id=content["incident_id"],
        organisation_id=claim.organisation,
        organisation=names.get(claim.organisation, claim.organisation),
        filed_at=claim.filed_at,
        currency=content["currency"],
        status=status,
    )
    if not _sees(by, claim.organisation):
        return ClaimView(**public)
    payments = [
        ClaimPaymentView(
            payout_id=payout.id,
            paid_on=payout.content["paid_on"],
            owed=Decimal(str(line["owed"])),
            paid=Decimal(str(line["paid"])),
            share=prorata.ratio({"all": Decimal(str(line["owed"]))}, Decimal(str(line["paid"]))),
        )
        for payout in payouts
        for line in payout.content["lines"]
        if line["claim_id"] == claim.id
    ]
    paid = sum((item.paid for item in payments), ZERO)
    admitted = (
        None
        if assessment is None or assessment.content.get("admitted") is None
        else _amount(assessment.content, "admitted")
    )
    extra: dict[str, object] = dict(amount=_amount(content), description=content["description"], paid=paid)
    if "claimant" in content:
        extra["claimant"] = content["claimant"]
    if assessment is not None:
        extra |= dict(assessment_id=assessment.id, grounds=assessment.content["grounds"])
    if admitted is not None:
        extra |= dict(admitted=admitted, unpaid=admitted - paid)
    return ClaimView(**public, **extra, payments=tuple(payments))
