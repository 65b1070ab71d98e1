"""``custos buffers``: capital and insurance held against AI deployments, verified against the
latest stress run.

Commands act as the installation's operator (a supervisor) on the local store, or with ``--url``
and ``--token`` as that token's actor through the installation's API, where the service decides
what the actor may see: a firm its own declarations and position, an insurer the policies it
underwrites, supervisors everything. Organisations are named by id or exact registry name.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Protocol

import typer

from custos.cli.output import (
    JsonOption,
    commands,
    console,
    emit,
    figures_table,
    plain,
    print_line,
    print_lines,
    show,
)
from custos.cli.parsing import day, terms
from custos.cli.remote import TokenOption, UrlOption, acting
from custos.core import units
from custos.core.errors import InvalidInput

if TYPE_CHECKING:
    from datetime import date

    from custos.access.model import Principal
    from custos.buffers.requests import DeclarationRequest, PolicyRequest
    from custos.buffers.service import BuffersService
    from custos.buffers.views import DeclarationView, PolicyView, PositionsView, PositionView
    from custos.store import Store

app = commands("Capital and insurance held against AI deployments, verified against the latest stress run.")


class Buffers(Protocol):
    """What the commands ask of an installation: the local service as the operator, or
    ``custos.client`` as the token's actor."""

    def declare_buffer(self, request: DeclarationRequest) -> DeclarationView: ...
    def bind_policy(self, request: PolicyRequest) -> PolicyView: ...
    def buffer_declarations(self) -> list[DeclarationView]: ...
    def buffer_policies(self) -> list[PolicyView]: ...
    def buffer_positions(self, *, as_of: date | None = None) -> PositionsView: ...
    def buffer_position(self, organisation: str, *, as_of: date | None = None) -> PositionView: ...


class _Local:
    """The buffers service on the local store, acting as the operator."""

    def __init__(self, store: Store, by: Principal) -> None:
        from custos.buffers.service import BuffersService

        self.by = by
        self.service: BuffersService = BuffersService(store)

    def declare_buffer(self, request: DeclarationRequest) -> DeclarationView:
        return self.service.declare(request, by=self.by)

    def bind_policy(self, request: PolicyRequest) -> PolicyView:
        return self.service.bind(request, by=self.by)

    def buffer_declarations(self) -> list[DeclarationView]:
        return self.service.declarations(by=self.by)

    def buffer_policies(self) -> list[PolicyView]:
        return self.service.policies(by=self.by)

    def buffer_positions(self, *, as_of: date | None = None) -> PositionsView:
        return self.service.positions(by=self.by, as_of=as_of)

    def buffer_position(self, organisation: str, *, as_of: date | None = None) -> PositionView:
        return self.service.position(organisation, by=self.by, as_of=as_of)


@contextmanager
def _acting(ctx: typer.Context, url: str | None, token: str | None) -> Iterator[Buffers]:
    with acting(ctx, url, token, _Local) as found:
        yield found


def _amount(value: str, option: str) -> Decimal:
    try:
        return Decimal(value.replace(",", "").replace("_", ""))
    except InvalidOperation as exc:
        raise InvalidInput(f"{option} takes an amount such as 1250000.50, not {value!r}") from exc


def _composition(parts: list[str]) -> list[dict[str, Any]]:
    """``--component CET1=800000`` options as the composition."""
    found = []
    for part in parts:
        name, separator, amount = part.partition("=")
        if not separator:
            raise InvalidInput(f"--component takes COMPONENT=AMOUNT (CET1=800000), not {part!r}")
        found.append({"component": name.strip(), "amount": _amount(amount, "--component")})
    return found


@app.command()
def declare(
    ctx: typer.Context,
    amount: str = typer.Option(..., "--amount", help="The capital held, e.g. 1250000.50."),
    currency: str = typer.Option("EUR", "--currency", help="ISO 4217 code; the run's, to be counted."),
    component: list[str] = typer.Option(
        [], "--component", help="COMPONENT=AMOUNT (CET1, AT1, Tier 2, other), repeated; adds up to --amount."
    ),
    as_of: str = typer.Option(
        ..., "--as-of", help="The day the capital was held, YYYY-MM-DD (not in the future)."
    ),
    valid_until: str | None = typer.Option(
        None, "--valid-until", help="The last day it holds, YYYY-MM-DD (at most, and by default, a year on)."
    ),
    deployment: list[str] = typer.Option([], "--deployment", help="A deployment covered (all when none)."),
    organisation: str | None = typer.Option(
        None, "--organisation", help="The organisation it is for, id or exact name (a supervisor's filing)."
    ),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Declare the capital held against AI deployments; Custos verifies it against the latest run."""
    from custos.buffers.requests import DeclarationRequest
    from custos.filings import parse

    figure = _amount(amount, "--amount")
    given = terms(
        organisation_id=organisation,
        amount=figure,
        currency=currency,
        composition=_composition(component) or [{"component": "other", "amount": figure}],
        as_of=day(as_of, "--as-of"),
        valid_until=day(valid_until, "--valid-until"),
        deployment_ids=deployment or None,
    )
    request = parse(DeclarationRequest, given, "declaration")
    with _acting(ctx, url, token) as acting:
        filed = acting.declare_buffer(request)
    print_line(filed, as_json, _declaration_line)


@app.command()
def insure(
    ctx: typer.Context,
    insurer: str = typer.Option(..., "--insurer", help="The insurer, id or exact registry name."),
    insured: str | None = typer.Option(None, "--insured", help="The insured (the filer's own when absent)."),
    limit: str = typer.Option(..., "--limit", help="What the policy pays at most."),
    attachment: str = typer.Option(..., "--attachment", help="The loss above which it pays."),
    premium: str = typer.Option(..., "--premium", help="The premium for the term."),
    currency: str = typer.Option("EUR", "--currency", help="ISO 4217 code."),
    term_start: str = typer.Option(..., "--from", help="The term's first day, YYYY-MM-DD."),
    term_end: str = typer.Option(..., "--until", help="The term's last day, YYYY-MM-DD."),
    reference: str = typer.Option(..., "--reference", help="The policy's reference."),
    deployment: list[str] = typer.Option([], "--deployment", help="A deployment insured (all when none)."),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """File an insurance policy over the insured's deployments; verified against the latest run."""
    from custos.buffers.requests import PolicyRequest
    from custos.filings import parse

    given = terms(
        insurer_id=insurer,
        insured_id=insured,
        limit=_amount(limit, "--limit"),
        attachment_point=_amount(attachment, "--attachment"),
        premium=_amount(premium, "--premium"),
        currency=currency,
        term_start=day(term_start, "--from"),
        term_end=day(term_end, "--until"),
        policy_reference=reference,
        deployment_ids=deployment or None,
    )
    request = parse(PolicyRequest, given, "policy")
    with _acting(ctx, url, token) as acting:
        filed = acting.bind_policy(request)
    print_line(filed, as_json, _policy_line)


def _verdict(view: DeclarationView | PolicyView) -> str:
    if view.requirement is None or view.held is None:
        return "unverified: no stress run holds the firm's deployments"
    held, required = units.money(view.held, view.currency), units.money(view.requirement, view.currency)
    return f"{view.verdict.value}: holds {held} against {required} (run {view.verified_run_id})"


def _declaration_line(view: DeclarationView) -> str:
    return (
        f"{view.id}  {view.organisation} holds {units.money(view.amount, view.currency)} as of "
        f"{view.as_of.isoformat()}, valid until {view.valid_until.isoformat()}; {_verdict(view)}"
    )


def _policy_line(view: PolicyView) -> str:
    limit, attachment = (
        units.money(view.limit, view.currency),
        units.money(view.attachment_point, view.currency),
    )
    return (
        f"{view.id}  {view.insurer} insures {view.insured} for {limit} above {attachment}, "
        f"{view.term_start.isoformat()} to "
        f"{view.valid_until.isoformat()}; {_verdict(view)}"
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Declarations and policies, newest first, one a line: a firm its own, supervisors all."""
    with _acting(ctx, url, token) as acting:
        declared, policies = acting.buffer_declarations(), acting.buffer_policies()
    if as_json:
        emit({"declarations": plain(declared), "policies": plain(policies)}, True)
        return
    print_lines(declared, False, "no capital declaration", _declaration_line)
    print_lines(policies, False, "no insurance policy", _policy_line)


@app.command()
def check(
    ctx: typer.Context,
    firm: str | None = typer.Option(None, "--firm", help="One firm, id or exact name (all when absent)."),
    as_of: str | None = typer.Option(None, "--as-of", help="Count what is held on this day (today)."),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Each firm of the latest stress run: required against held (capital, insurance), shortfalls first."""
    counted = day(as_of, "--as-of")
    with _acting(ctx, url, token) as acting:
        if firm is not None:
            one = acting.buffer_position(firm, as_of=counted)
            show(one, as_json, lambda position: _positions([position], None))
            return
        found = acting.buffer_positions(as_of=counted)
    show(found, as_json, _all_positions)


def _all_positions(found: PositionsView) -> None:
    title = (
        f"Against run {found.run_id} (filed {found.run_filed_at:%Y-%m-%d}), held on {found.as_of.isoformat()}"
    )
    _positions(list(found.firms), title)


def _positions(firms: list[PositionView], title: str | None) -> None:
    rows = [
        {
            "firm": firm.organisation,
            "required": units.money(firm.requirement, firm.currency),
            "capital": units.money(firm.capital, firm.currency),
            "insurance": units.money(firm.insurance, firm.currency),
            "shortfall": units.money(firm.shortfall, firm.currency) if firm.shortfall else "none",
        }
        for firm in firms
    ]
    if not rows:
        console.print("no firm of the latest run is yours to see")
        return
    figures_table(
        rows,
        ["firm", "required", "capital", "insurance", "shortfall"],
        title,
        ["required", "capital", "insurance", "shortfall"],
    )
    for firm in firms:
        for note in (*firm.notes, *(f"policy {p.id} {p.reason}" for p in firm.policies if p.reason)):
            console.print(f"{firm.organisation}: {note}", highlight=False, soft_wrap=True)
