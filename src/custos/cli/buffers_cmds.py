"""``custos buffers``: capital and insurance held against AI deployments, verified against the
latest stress run on the registry's deployments.

Commands act as the installation's operator (a supervisor) on the local store, or with ``--url``
and ``--token`` as that token's actor through the installation's API, where the service decides
what the actor may see: a firm its own declarations and position, an insurer the policies it
underwrites, supervisors everything. Organisations are named by id or exact registry name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import typer
from pydantic import BaseModel, ValidationError

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

Request = TypeVar("Request", bound=BaseModel)

#: The options that give each field of a request, so a refusal names what a person typed.
DECLARATION_OPTIONS = {
    "organisation_id": "--organisation",
    "amount": "--amount",
    "currency": "--currency",
    "composition": "--component",
    "as_of": "--as-of",
    "valid_until": "--valid-until",
    "deployment_ids": "--deployment",
}
POLICY_OPTIONS = {
    "insurer_id": "--insurer",
    "insured_id": "--insured",
    "limit": "--limit",
    "attachment_point": "--attachment",
    "premium": "--premium",
    "currency": "--currency",
    "term_start": "--from",
    "term_end": "--until",
    "policy_reference": "--reference",
    "deployment_ids": "--deployment",
}
#: The fields the service's refusals name (``as_of 2999-01-01 is in the future``).
_NAMED = re.compile(r"\b(as_of|valid_until)\b")


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
    """The installation, whose refusals name the declaration's options rather than the API's
    fields, here or through the API."""
    try:
        with acting(ctx, url, token, _Local) as found:
            yield found
    except InvalidInput as exc:
        named = _NAMED.sub(lambda field: DECLARATION_OPTIONS[field.group(1)], exc.message)
        raise InvalidInput(named, evidence=exc.evidence) from exc


def _request(
    model: type[Request], given: Mapping[str, Any], what: str, options: Mapping[str, str]
) -> Request:
    """``given`` as ``model``, or one line naming the option behind each offending field, with its
    first problem (a bad component also leaves the composition short: one reason is enough)."""
    try:
        return model.model_validate(given)
    except ValidationError as exc:
        problems: dict[str | None, str] = {}
        for error in exc.errors():
            reason = error["msg"].removeprefix("Value error, ")
            field = str(error["loc"][0]) if error["loc"] else None
            problems.setdefault(field, f"{options.get(field, field)}: {reason}" if field else reason)
        raise InvalidInput(f"invalid {what}: {'; '.join(problems.values())}") from exc


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
    currency: str = typer.Option(
        "EUR", "--currency", help="ISO 4217 code (EUR, eur); the run's, to be counted."
    ),
    component: list[str] = typer.Option(
        [],
        "--component",
        help="COMPONENT=AMOUNT (CET1, AT1, Tier 2, other), at least one, repeated; adds up to --amount.",
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
    """Declare the capital held against AI deployments; Custos verifies it against the latest run
    on the registry's deployments."""
    from custos.buffers.requests import DeclarationRequest

    if not component:
        raise InvalidInput(
            "give the composition: --component COMPONENT=AMOUNT (CET1, AT1, Tier 2, other), repeated, "
            "adding up to --amount (--component other=AMOUNT when it is not known)"
        )
    given = terms(
        organisation_id=organisation,
        amount=_amount(amount, "--amount"),
        currency=currency,
        composition=_composition(component),
        as_of=day(as_of, "--as-of"),
        valid_until=day(valid_until, "--valid-until"),
        deployment_ids=deployment or None,
    )
    request = _request(DeclarationRequest, given, "declaration", DECLARATION_OPTIONS)
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
    currency: str = typer.Option("EUR", "--currency", help="ISO 4217 code (EUR, eur)."),
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
    request = _request(PolicyRequest, given, "policy", POLICY_OPTIONS)
    with _acting(ctx, url, token) as acting:
        filed = acting.bind_policy(request)
    print_line(filed, as_json, _policy_line)


def _verdict(view: DeclarationView | PolicyView) -> str:
    """Custos's verification in the run's currency, and why the filing itself counted for nothing
    when it did not."""
    if view.requirement is None or view.held is None:
        return "unverified: the latest run on the registry's deployments holds none of the firm's"
    # Filings verified before the run's currency was recorded were verified in their own.
    from custos.buffers.views import PolicyView

    run = view.verified_currency or view.currency
    held, required = units.money(view.held, run), units.money(view.requirement, run)
    found = f"{view.verdict.value}: holds {held} against {required} (run {view.verified_run_id})"
    policy = isinstance(view, PolicyView)
    if view.currency != run:
        what = "policy" if policy else "declaration"
        found += f"; this {view.currency} {what} is not counted against the run's {run}"
    elif isinstance(view, PolicyView) and view.term_start > view.filed_at.date():
        found += f"; not yet in force (from {view.term_start.isoformat()}), so not counted"
    return found


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
    """Each firm of the latest stress run on the registry's deployments: required against held
    (capital, insurance), shortfalls first."""
    counted = day(as_of, "--as-of")
    with _acting(ctx, url, token) as acting:
        if firm is not None:
            one = acting.buffer_position(firm, as_of=counted)
            show(one, as_json, lambda position: _positions([position], _run_title(position)))
            return
        found = acting.buffer_positions(as_of=counted)
    show(found, as_json, _all_positions)


def _all_positions(found: PositionsView) -> None:
    title = (
        f"Against the latest run on the registry, {found.run_id} ({found.run_scenario}, filed "
        f"{found.run_filed_at:%Y-%m-%d}), held on {found.as_of.isoformat()}"
    )
    _positions(list(found.firms), title)


def _run_title(found: PositionView) -> str:
    return (
        f"Against the latest run on the registry, {found.run_id} ({found.run_scenario}, filed "
        f"{found.run_filed_at:%Y-%m-%d})"
    )


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
        console.print("no firm's buffers are yours to see")
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
