"""``custos pool``: the liability pool, a fund with its own account.

Supervisors call each firm's contribution from a stress run, assess claims, pay them out (pro
rata when the fund is short) and record what the fund recovers from the firms responsible; a firm
pays its calls; any registered organisation claims for an incident. The balance is summed from
the filings on each read.

Commands act as the installation's operator (a supervisor) on the local store, or with ``--url``
and ``--token`` as that token's actor through the installation's API, where the service decides
what the actor may see: everyone the balance and totals, a firm its own calls, a claimant its
own claims. Amounts are typed as plain decimals (``1250000.00``) in the fund's currency.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Protocol

import typer

from custos.cli.output import (
    Answer,
    JsonOption,
    commands,
    console,
    figures_table,
    print_line,
    print_lines,
    show,
)
from custos.cli.parsing import day, terms
from custos.cli.remote import TokenOption, UrlOption, acting
from custos.core import units
from custos.core.errors import InvalidInput

if TYPE_CHECKING:
    from custos.access.model import Principal
    from custos.pool.requests import (
        AssessmentRequest,
        CallRequest,
        ClaimRequest,
        PaymentRequest,
        PayoutRequest,
        RecoveryRequest,
        SubrogationRequest,
    )
    from custos.pool.service import PoolService
    from custos.pool.views import BalanceView, CallView, ClaimView, PayoutView, SubrogationView
    from custos.store import Store


app = commands("The liability pool: contributions called from stress tests, claims, payouts, recoveries.")
AmountOption = typer.Option(
    ..., "--amount", help="The amount, a plain decimal (1250000.00), in the currency."
)
CurrencyOption = typer.Option("EUR", "--currency", help="The currency, ISO 4217 (EUR).")


class Pool(Protocol):
    """What the commands ask of an installation, answered by the local service as the operator
    or by ``custos.client`` as the token's actor: the same names and models either way."""

    def pool_balance(self) -> BalanceView: ...
    def call_contributions(self, request: CallRequest) -> list[CallView]: ...
    def contribution_calls(self) -> list[CallView]: ...
    def pay_contribution(self, call_id: str, request: PaymentRequest) -> CallView: ...
    def file_claim(self, request: ClaimRequest) -> ClaimView: ...
    def pool_claims(self) -> list[ClaimView]: ...
    def assess_claim(self, claim_id: str, request: AssessmentRequest) -> ClaimView: ...
    def pay_out(self, request: PayoutRequest) -> PayoutView: ...
    def pool_payouts(self) -> list[PayoutView]: ...
    def subrogate(self, request: SubrogationRequest) -> SubrogationView: ...
    def pool_subrogations(self) -> list[SubrogationView]: ...
    def record_recovery(self, subrogation_id: str, request: RecoveryRequest) -> SubrogationView: ...


class _Local:
    """The pool service on the local store, acting as the operator."""

    def __init__(self, store: Store, by: Principal) -> None:
        from custos.pool.service import PoolService

        self.by = by
        self.service: PoolService = PoolService(store)

    def pool_balance(self) -> BalanceView:
        return self.service.balance(by=self.by)

    def call_contributions(self, request: CallRequest) -> list[CallView]:
        return self.service.call(request, by=self.by)

    def contribution_calls(self) -> list[CallView]:
        return self.service.calls(by=self.by)

    def pay_contribution(self, call_id: str, request: PaymentRequest) -> CallView:
        return self.service.pay(call_id, request, by=self.by)

    def file_claim(self, request: ClaimRequest) -> ClaimView:
        return self.service.claim(request, by=self.by)

    def pool_claims(self) -> list[ClaimView]:
        return self.service.claims(by=self.by)

    def assess_claim(self, claim_id: str, request: AssessmentRequest) -> ClaimView:
        return self.service.assess(claim_id, request, by=self.by)

    def pay_out(self, request: PayoutRequest) -> PayoutView:
        return self.service.payout(request, by=self.by)

    def pool_payouts(self) -> list[PayoutView]:
        return self.service.payouts(by=self.by)

    def subrogate(self, request: SubrogationRequest) -> SubrogationView:
        return self.service.subrogate(request, by=self.by)

    def pool_subrogations(self) -> list[SubrogationView]:
        return self.service.subrogations(by=self.by)

    def record_recovery(self, subrogation_id: str, request: RecoveryRequest) -> SubrogationView:
        return self.service.recover(subrogation_id, request, by=self.by)


@contextmanager
def _acting(ctx: typer.Context, url: str | None, token: str | None) -> Iterator[Pool]:
    """The installation a command acts on: through the API with --url, else the local store."""
    with acting(ctx, url, token, _Local) as found:
        yield found


def _money(amount: Decimal | None, currency: str | None) -> str:
    """A sum a firm pays or is paid, exact to the cent: scaled, EUR 69,293 beside EUR 180.35 of
    interest would read as a wrong sum."""
    return units.cents(amount, currency or "")


def _aggregate(amount: Decimal | None, currency: str | None) -> str:
    """A figure of the whole fund: in its readable scale from a million up (EUR 1.77 bn), with the
    exact sum beside it, so the scale never hides a cent."""
    readable = units.money(amount, currency or "")
    if amount is None or abs(amount) < 1_000_000:
        return _money(amount, currency)
    return f"{readable} ({_money(amount, currency)})"


def _amount(text: str | None, option: str, *, zero: bool = False) -> Decimal | None:
    """The amount an option names, or None when it was left out: a plain decimal of at most two
    places, above zero (or at zero, where ``zero`` allows it). Checked here so the refusal names
    the option rather than the request's field."""
    from custos.pool.model import MOST

    if text is None:
        return None
    least = "zero or more" if zero else "above zero"
    refusal = f"{option} takes an amount {least} with at most two decimals, such as 1250000.50, not {text!r}"
    try:
        figure = Decimal(text.replace(",", "").replace("_", "").strip())
    except InvalidOperation as exc:
        raise InvalidInput(refusal) from exc
    if not figure.is_finite() or figure < 0 or (figure == 0 and not zero) or figure != round(figure, 2):
        raise InvalidInput(refusal)
    if figure >= MOST:
        raise InvalidInput(f"{option} is {text}: the fund records amounts below {units.cents(MOST, '')}")
    return figure


def _currency(text: str) -> str:
    """The currency ``--currency`` names, as ISO 4217 writes it (eur reads EUR)."""
    if len(text.strip()) != 3 or not text.strip().isalpha() or not text.strip().isascii():
        raise InvalidInput(f"--currency takes an ISO 4217 code such as EUR, not {text!r}")
    return text.strip().upper()


def _reading(name: str, help: str, read: Callable[[Pool], Answer], render: Callable[[Answer], None]) -> None:
    """``custos pool NAME``, which files nothing: what ``read`` finds, as JSON or as ``render``
    prints it. The readings differ only in what they ask and how it reads, so they are one."""

    @app.command(name, help=help)
    def reading(
        ctx: typer.Context,
        url: str | None = UrlOption,
        token: str | None = TokenOption,
        as_json: bool = JsonOption,
    ) -> None:
        with _acting(ctx, url, token) as acting:
            found = read(acting)
        show(found, as_json, render)


# -- calls and payments ------------------------------------------------------------------------


def _call_line(call: CallView) -> str:
    """One call as a sentence: the figures fold in no table, whatever the terminal's width."""
    money = call.currency
    if call.amount is None:
        return f"{call.id} {call.organisation}: due {call.due_on.isoformat()}"
    late = ", paid late" if call.late and call.status == "paid" else ""
    sent = f"sent {call.sent_on.isoformat()}, " if call.sent_on != call.called_at.date() else ""
    credit = f"; overpaid {_money(call.overpaid, money)}" if call.overpaid else ""
    return (
        f"{call.id} {call.organisation}: called {_money(call.amount, money)}, "
        f"{sent}due {call.due_on.isoformat()}; "
        f"paid {_money(call.paid, money)} (interest {_money(call.interest_paid, money)}); "
        f"owes {_money(call.principal_outstanding, money)} and {_money(call.interest_outstanding, money)} "
        f"interest; {call.status}{late}{credit}"
    )


def _print_calls(found: Sequence[CallView]) -> None:
    if not found:
        console.print("no contribution calls to show", highlight=False)
        return
    for call in found:
        console.print(_call_line(call), highlight=False, soft_wrap=True)
    for rate, source in sorted({(call.late_interest_rate, call.rate_source) for call in found}):
        console.print(f"late interest: {units.percent(rate)} a year, actual/365 ({source})", highlight=False)


@app.command()
def call(
    ctx: typer.Context,
    due: str = typer.Option(..., "--due", help="The due date, YYYY-MM-DD."),
    run: str | None = typer.Option(
        None, "--run", help="The stress run, by run id or filing id (the latest if none)."
    ),
    target: str | None = typer.Option(
        None,
        "--target",
        help="Raise the fund to this amount: calls are scaled to the target less the balance.",
    ),
    sent_on: str | None = typer.Option(
        None,
        "--sent-on",
        help="The day the call was sent, for a call recorded later (today if none); no payment is "
        "dated before it, and it is due on or after it.",
    ),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Call each firm's contribution from a stress run (supervisors): its deployments' pool
    contributions summed, scaled to a target when one is given; one call per firm."""
    from custos.filings import parse
    from custos.pool.requests import CallRequest

    given = terms(
        run=run,
        due_on=day(due, "--due"),
        sent_on=day(sent_on, "--sent-on"),
        target=_amount(target, "--target"),
    )
    request = parse(CallRequest, given, "call")
    with _acting(ctx, url, token) as acting:
        found = acting.call_contributions(request)
    show(found, as_json, _print_calls)


_reading(
    "calls",
    "Contribution calls with their payments and late interest: a firm its own, supervisors all.",
    lambda pool: pool.contribution_calls(),
    _print_calls,
)


@app.command()
def pay(
    ctx: typer.Context,
    call_id: str = typer.Argument(..., help="The call paid."),
    amount: str = AmountOption,
    currency: str = CurrencyOption,
    paid_on: str | None = typer.Option(None, "--paid-on", help="The day the money arrived (today if none)."),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Pay a call (the firm, or the operator on its behalf): late interest is settled first, then
    the principal; anything beyond is shown as overpaid."""
    from custos.filings import parse
    from custos.pool.requests import PaymentRequest

    given = terms(
        amount=_amount(amount, "--amount"), currency=_currency(currency), paid_on=day(paid_on, "--paid-on")
    )
    request = parse(PaymentRequest, given, "payment")
    with _acting(ctx, url, token) as acting:
        found = acting.pay_contribution(call_id, request)
    show(found, as_json, lambda paid: _print_calls([paid]))


# -- claims ------------------------------------------------------------------------------------


def _claim_line(claim: ClaimView) -> str:
    money, who = claim.currency, claim.claimant or claim.organisation
    head = f"{claim.id} {who}, incident {claim.incident_id}: {claim.status}"
    if claim.amount is None:
        return head
    parts = [f"claimed {_money(claim.amount, money)}"]
    if claim.admitted is not None:
        parts += [
            f"admitted {_money(claim.admitted, money)}",
            f"paid {_money(claim.paid, money)}",
            f"unpaid {_money(claim.unpaid, money)}",
        ]
    return f"{head}; {', '.join(parts)}"


@app.command()
def claim(
    ctx: typer.Context,
    incident: str = typer.Option(..., "--incident", help="The incident's id."),
    amount: str = AmountOption,
    currency: str = CurrencyOption,
    description: str = typer.Option(..., "--description", help="The harm and how the amount was reached."),
    organisation: str | None = typer.Option(
        None, "--organisation", help="The organisation claiming, id or exact name (supervisors)."
    ),
    claimant: str | None = typer.Option(
        None, "--claimant", help="The member of the public the operator files for (supervisors)."
    ),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Claim on the fund for an incident: an organisation its own; the operator for a named
    organisation or a member of the public."""
    from custos.filings import parse
    from custos.pool.requests import ClaimRequest

    if organisation is not None and claimant is not None:
        raise InvalidInput("give --organisation or --claimant, not both")
    if organisation is None and claimant is None and url is None:
        raise InvalidInput(
            "the operator files a claim for someone: give --organisation (an organisation's id or exact "
            "name) or --claimant (a member of the public)"
        )
    given = terms(
        incident_id=incident,
        amount=_amount(amount, "--amount"),
        currency=_currency(currency),
        description=description,
        organisation_id=organisation,
        claimant=claimant,
    )
    request = parse(ClaimRequest, given, "claim")
    with _acting(ctx, url, token) as acting:
        found = acting.file_claim(request)
    print_line(found, as_json, _claim_line)


_reading(
    "claims",
    "Claims with their assessment and payments: a claimant its own, supervisors all.",
    lambda pool: pool.pool_claims(),
    lambda found: print_lines(found, False, "no claims to show", _claim_line),
)


@app.command()
def assess(
    ctx: typer.Context,
    claim_id: str = typer.Argument(..., help="The claim assessed."),
    admit: str | None = typer.Option(
        None, "--admit", help="The amount admitted (at most the amount claimed)."
    ),
    reject: bool = typer.Option(False, "--reject", help="Reject the claim."),
    grounds: str = typer.Option(..., "--grounds", help="Why: it goes on the record with the assessment."),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Admit a claim for an amount, or reject it, once (supervisors)."""
    from custos.filings import parse
    from custos.pool.requests import AssessmentRequest

    if (admit is None) == (not reject):
        raise InvalidInput("give either --admit AMOUNT or --reject")
    admitted = _amount(admit, "--admit", zero=True)
    given = terms(outcome="rejected" if reject else "admitted", admitted=admitted, grounds=grounds)
    request = parse(AssessmentRequest, given, "assessment")
    with _acting(ctx, url, token) as acting:
        found = acting.assess_claim(claim_id, request)
    print_line(found, as_json, _claim_line)


# -- payouts and subrogation ---------------------------------------------------------------------


def _payout_lines(payout: PayoutView) -> str:
    """A payout's total, then each claim's line indented beneath it."""
    money = payout.currency
    head = (
        f"{payout.id} incident {payout.incident_id}, {payout.paid_on.isoformat()}: paid "
        f"{_money(payout.total, money)} of {_money(payout.owed, money)} owed "
        f"({units.percent(payout.share)}); unpaid {_money(payout.unpaid, money)}"
    )
    claims = [
        f"  claim {line.claim_id}: {_money(line.paid, money)} of {_money(line.owed, money)}, "
        f"unpaid {_money(line.unpaid, money)}"
        for line in payout.lines
    ]
    return "\n".join([head, *claims])


@app.command()
def payout(
    ctx: typer.Context,
    incident: str = typer.Option(..., "--incident", help="The incident whose admitted claims are paid."),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Pay an incident's admitted claims what they are owed (supervisors): in full when the fund
    holds enough, else each the same share of it, rounded down to the cent."""
    from custos.filings import parse
    from custos.pool.requests import PayoutRequest

    request = parse(PayoutRequest, {"incident_id": incident}, "payout")
    with _acting(ctx, url, token) as acting:
        found = acting.pay_out(request)
    print_line(found, as_json, _payout_lines)


_reading(
    "payouts",
    "Every payout with its total and share; lines to supervisors and each claimant its own.",
    lambda pool: pool.pool_payouts(),
    lambda found: print_lines(found, False, "no payouts to show", _payout_lines),
)


def _subrogation_line(item: SubrogationView) -> str:
    money = item.currency
    head = f"{item.id} against {item.organisation}, incident {item.incident_id}"
    if item.amount is None:
        return head
    return (
        f"{head}: claimed {_money(item.amount, money)}, recovered {_money(item.recovered, money)}, "
        f"outstanding {_money(item.outstanding, money)}"
    )


@app.command()
def subrogate(
    ctx: typer.Context,
    incident: str = typer.Option(..., "--incident", help="The incident the fund paid out for."),
    organisation: str = typer.Option(..., "--organisation", help="The responsible firm, id or exact name."),
    amount: str = AmountOption,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Record the fund's claim against the responsible firm, at most what it paid out (supervisors)."""
    from custos.filings import parse
    from custos.pool.requests import SubrogationRequest

    given = {"incident_id": incident, "organisation": organisation, "amount": _amount(amount, "--amount")}
    request = parse(SubrogationRequest, given, "subrogation")
    with _acting(ctx, url, token) as acting:
        found = acting.subrogate(request)
    print_line(found, as_json, _subrogation_line)


@app.command()
def recover(
    ctx: typer.Context,
    subrogation_id: str = typer.Argument(..., help="The subrogation recovered under."),
    amount: str = AmountOption,
    received_on: str | None = typer.Option(
        None, "--received-on", help="The day the money arrived (today if none)."
    ),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Record an amount recovered under a subrogation; it returns to the fund (supervisors)."""
    from custos.filings import parse
    from custos.pool.requests import RecoveryRequest

    given = terms(amount=_amount(amount, "--amount"), received_on=day(received_on, "--received-on"))
    request = parse(RecoveryRequest, given, "recovery")
    with _acting(ctx, url, token) as acting:
        found = acting.record_recovery(subrogation_id, request)
    print_line(found, as_json, _subrogation_line)


_reading(
    "subrogations",
    "Subrogations and what was recovered: a firm those against it, supervisors all.",
    lambda pool: pool.pool_subrogations(),
    lambda found: print_lines(found, False, "no subrogations to show", _subrogation_line),
)


# -- the fund ------------------------------------------------------------------------------------


def _print_balance(found: BalanceView) -> None:
    currency = found.currency
    lines = {
        f"balance on {found.as_of.isoformat()}": _aggregate(found.balance, currency),
        "called": f"{_aggregate(found.called, currency)} in {units.count(found.calls)} calls",
        "contributions paid": _aggregate(found.principal_paid, currency),
        "late interest paid": _aggregate(found.interest_paid, currency),
        "recovered": _aggregate(found.recovered, currency),
        "claims paid": f"{_aggregate(found.paid_out, currency)} ({units.count(found.claims)} claims filed)",
    }
    for key, value in lines.items():
        console.print(f"{key}: {value}", highlight=False)
    if found.series is None:
        console.print(
            "the balance over time is shown to supervisors only: on a day one firm paid, its step "
            "would be that firm's amount",
            highlight=False,
        )
    elif found.series:
        rows = [
            {"day": point.on.isoformat(), "balance": _money(point.balance, currency)}
            for point in found.series
        ]
        figures_table(rows, ["day", "balance"], "Balance over time", ["balance"])
    rests = [
        {
            "filing_id": move.filing_id,
            "log index": units.count(move.index),
            "kind": move.kind,
            "on": units.MISSING if move.on is None else move.on.isoformat(),
            "amount": _money(move.amount, currency),
        }
        for move in found.rests_on
    ]
    if rests:
        figures_table(
            rests,
            ["filing_id", "log index", "kind", "on", "amount"],
            "Filings the balance rests on",
            ["amount", "log index"],
        )


_reading(
    "balance",
    "The fund's balance and totals, its balance over time and the filings it rests on.",
    lambda pool: pool.pool_balance(),
    _print_balance,
)
