"""``custos markets``: market structure for supervisors, and what providers and the public may see.

Concentration per layer of the supply chain (compute, models, deployments) with the merger
guidelines' bands; the single points of failure of the dependency network and their filed
assessment; merger reviews with their remedies; fallback plans; public-interest designations and
the what-if of a public-interest fallback.

Commands act as the installation's operator (a supervisor) on the local store, or with ``--url``
and ``--token`` as that token's actor through the installation's API, where the service decides
what the actor may see: the public the compute layer's owners, the linchpins and the
designations; a provider its own row of an assessment, its own plans and the reviews it is party
to. Organisations and models are named by id or by their exact registry name either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import typer

from custos.cli import parsing
from custos.cli.output import JsonOption, commands, console, emit, plain, print_lines, table
from custos.cli.remote import TokenOption, UrlOption, acting
from custos.core import units
from custos.core.errors import InvalidInput

if TYPE_CHECKING:
    from custos.access.model import Principal
    from custos.markets.model import LayerChange
    from custos.markets.requests import (
        DesignationRequest,
        FallbackPlanRequest,
        MergerRequest,
        RemedyRequest,
        WhatIfRequest,
    )
    from custos.markets.service import MarketsService
    from custos.markets.views import (
        AbsorptionView,
        AssessmentView,
        BandView,
        ConcentrationView,
        DependenciesView,
        DesignationView,
        FallbackPlanView,
        IndicesView,
        MarketView,
        MergerReviewView,
        PointView,
        RemedyView,
        ShareView,
        WhatIfView,
    )
    from custos.store import Store


app = commands("Market structure: concentration per layer, single points of failure, merger review.")

LAYER_NAMES = ("compute", "models", "deployments")
REMEDY_NAMES = ("interoperability", "fallback", "escrow")
#: Firms listed per market and points of its history shown; --json gives them all.
FIRMS_SHOWN = 10
HISTORY_SHOWN = 8
#: Short names of the guidelines the bands come from.
GUIDELINES = {"US": "US 2023 MG", "EU": "EU 2004 HMG"}
DrawsOption = typer.Option(
    None, "--draws", help="Monte Carlo draws of each stress run (1,000 to 200,000; default 20,000)."
)
ScenarioOption = typer.Option(
    None, "--scenario", help="A stress scenario (YAML) to re-run; the shipped provider-failure one if none."
)


# -- where a command acts: the local store, or an installation's API --------------------------


class Markets(Protocol):
    """What the commands ask of an installation, answered by the local service as the operator
    or by ``custos.client`` as the token's actor: the same names and models either way."""

    def concentration(
        self,
        *,
        layer: str | None = None,
        sector: str | None = None,
        jurisdiction: str | None = None,
        as_of: date | None = None,
    ) -> ConcentrationView: ...
    def dependencies(self) -> DependenciesView: ...
    def assess(self) -> AssessmentView: ...
    def latest_assessment(self) -> AssessmentView: ...
    def review_merger(self, request: MergerRequest) -> MergerReviewView: ...
    def merger_reviews(self) -> list[MergerReviewView]: ...
    def merger_review(self, review_id: str) -> MergerReviewView: ...
    def impose_remedy(self, review_id: str, request: RemedyRequest) -> RemedyView: ...
    def file_fallback_plan(self, plan: FallbackPlanRequest) -> FallbackPlanView: ...
    def fallback_plans(self) -> list[FallbackPlanView]: ...
    def designate(self, request: DesignationRequest) -> DesignationView: ...
    def designations(self) -> list[DesignationView]: ...
    def what_if(self, request: WhatIfRequest) -> WhatIfView: ...


class _Local:
    """The market service on the local store, acting as the operator."""

    def __init__(self, store: Store, by: Principal) -> None:
        from custos.markets.service import MarketsService

        self.by = by
        self.service: MarketsService = MarketsService(store)

    def concentration(
        self,
        *,
        layer: str | None = None,
        sector: str | None = None,
        jurisdiction: str | None = None,
        as_of: date | None = None,
    ) -> ConcentrationView:
        return self.service.concentration(
            by=self.by,
            layer=layer,  # type: ignore[arg-type]  # checked against LAYER_NAMES by the command
            sector=sector,
            jurisdiction=jurisdiction,
            as_of=as_of,
        )

    def dependencies(self) -> DependenciesView:
        return self.service.dependencies(by=self.by)

    def assess(self) -> AssessmentView:
        return self.service.assess(by=self.by)

    def latest_assessment(self) -> AssessmentView:
        return self.service.latest_assessment(by=self.by)

    def review_merger(self, request: MergerRequest) -> MergerReviewView:
        return self.service.review_merger(request, by=self.by)

    def merger_reviews(self) -> list[MergerReviewView]:
        return self.service.reviews(by=self.by)

    def merger_review(self, review_id: str) -> MergerReviewView:
        return self.service.review(review_id, by=self.by)

    def impose_remedy(self, review_id: str, request: RemedyRequest) -> RemedyView:
        return self.service.impose_remedy(review_id, request, by=self.by)

    def file_fallback_plan(self, plan: FallbackPlanRequest) -> FallbackPlanView:
        return self.service.file_fallback_plan(plan, by=self.by)

    def fallback_plans(self) -> list[FallbackPlanView]:
        return self.service.fallback_plans(by=self.by)

    def designate(self, request: DesignationRequest) -> DesignationView:
        return self.service.designate(request, by=self.by)

    def designations(self) -> list[DesignationView]:
        return self.service.designations()

    def what_if(self, request: WhatIfRequest) -> WhatIfView:
        return self.service.what_if(request, by=self.by)


@contextmanager
def _acting(ctx: typer.Context, url: str | None, token: str | None) -> Iterator[Markets]:
    """The installation a command acts on: through the API with --url, else the local store."""
    with acting(ctx, url, token, _Local) as found:
        yield found


@contextmanager
def _running(what: str, quiet: bool) -> Iterator[None]:
    """A spinner on a terminal while a stress test runs twice (seconds), gone once it is done."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=quiet or not console.is_terminal,
    ) as progress:
        progress.add_task(what, total=None)
        yield


def _choice(value: str | None, option: str, choices: Sequence[str]) -> str | None:
    if value is not None and value not in choices:
        raise InvalidInput(f"{option} is one of {', '.join(choices)}, not {value!r}")
    return value


def _scenario(path: Path | None) -> str | None:
    """The scenario file's text; a missing or unreadable file is the caller's to fix."""
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read the scenario {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"the scenario {path} is not UTF-8 text") from exc


def _terms(**values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


# -- how figures read --------------------------------------------------------------------------


def _table(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], title: str | None, figures: Sequence[str]
) -> None:
    """A table whose ``figures`` columns hold figures already written with their units, aligned
    right as figures are."""
    table(rows, columns, title, dict.fromkeys(figures, str))


def hhi(value: float) -> str:
    """An HHI as people quote it: a whole number grouped by thousands (2,165)."""
    return units.count(value)


def _in_sentence(label: str) -> str:
    """A band's label within a sentence: "Highly concentrated" reads "highly concentrated"; an
    abbreviation such as "HHI" keeps its case."""
    return label if label[1:2].isupper() else label[:1].lower() + label[1:]


def _band(band: BandView) -> str:
    """A band with the guidelines it is from: "highly concentrated, US 2023 MG"."""
    return f"{_in_sentence(band.label)}, {GUIDELINES[band.jurisdiction]}"


def _firms(value: float) -> str:
    return units.number(value, 1)


def index_with_interval(found: IndicesView, name: str = "hhi") -> str:
    """An index with its 5th-95th interval when the sizes are estimates:
    "2,165 (5–95%: 1,980–2,390)"; shares as percentages, firms to one decimal."""
    shown: Callable[[float], str] = {"hhi": hhi, "equivalent_firms": _firms}.get(name, units.percent)
    text = shown(getattr(found, name))
    interval = (found.intervals or {}).get(name)
    return text if interval is None else f"{text} (5–95%: {shown(interval.low)}–{shown(interval.high)})"


def _size(value: float, unit: str, *, with_unit: bool = True) -> str:
    """A size in its market's unit: money with its scale, compute in FLOP, counts grouped; other
    units named after the figure unless a column's heading names them (``with_unit=False``)."""
    if unit == "EUR":
        return units.money(value, "EUR")
    if unit == "FLOP":
        return units.flop(value)
    return f"{units.number(value)} {unit}" if with_unit else units.number(value)


def _size_heading(unit: str) -> str:
    return "size" if unit in ("EUR", "FLOP") else f"size ({unit})"


def _size_range(share: ShareView, unit: str) -> str:
    """A firm's estimated size between its 5th and 95th percentiles, where estimated."""
    if share.low is None or share.high is None:
        return ""
    return f"{_size(share.low, unit, with_unit=False)}–{_size(share.high, unit, with_unit=False)}"


def _print_market(market: MarketView) -> None:
    scope = ", ".join(
        f"{k} {v}" for k, v in (("sector", market.sector), ("jurisdiction", market.jurisdiction)) if v
    )
    console.print(
        f"[bold]{market.title}[/bold] ({market.layer} layer{', ' + scope if scope else ''}; "
        f"{market.key}; in {market.unit}; source: {market.source})",
        highlight=False,
        soft_wrap=True,
    )
    if not market.points:
        console.print("  nothing to measure yet", highlight=False)
        return
    last = market.points[-1]
    _print_point(last, market.unit, market.counted)
    if len(market.points) > 1:
        _print_history(market.points[-HISTORY_SHOWN:])
    for note in market.notes:
        console.print(f"  note: {note}", highlight=False, soft_wrap=True)


def _print_point(last: PointView, unit: str, counted: str) -> None:
    found = last.indices
    fringe = (
        f"; {units.percent(found.fringe_share)} held by aggregates of small firms"
        if found.fringe_share
        else ""
    )
    lines = {
        f"as of {last.as_of.isoformat()}": (
            f"{units.count(last.firms)} {counted}s, {_size(last.total, unit)} in all{fringe}"
        ),
        "HHI": index_with_interval(found),
        "US band": _band(found.us),
        "EU band": _band(found.eu),
        "CR1 / CR3 / CR5": " / ".join(index_with_interval(found, name) for name in ("cr1", "cr3", "cr5")),
        "equivalent firms": index_with_interval(found, "equivalent_firms"),
    }
    for key, value in lines.items():
        console.print(f"  {key}: {value}", highlight=False, soft_wrap=True)
    size, interval = _size_heading(unit), "5–95%"
    rows = [
        {
            counted: _firm(share),
            "share": units.percent(share.share),
            size: _size(share.size, unit, with_unit=False),
            interval: _size_range(share, unit),
        }
        for share in last.shares[:FIRMS_SHOWN]
    ]
    columns = [counted, "share", size] + ([interval] if any(row[interval] for row in rows) else [])
    more = len(last.shares) - FIRMS_SHOWN
    title = f"Largest shares ({more:,} more with --json)" if more > 0 else "Largest shares"
    _table(rows, columns, title, ("share", size, interval))


def _firm(share: ShareView) -> str:
    """A firm's name, marked when it stands for many small firms (unless its name says so)."""
    marked = share.aggregate and "aggregate" not in share.name.lower()
    return f"{share.name} (aggregate)" if marked else share.name


def _print_history(points: Sequence[PointView]) -> None:
    rows = [
        {
            "as of": point.as_of.isoformat(),
            "firms": units.count(point.firms),
            "HHI": index_with_interval(point.indices),
            "CR3": units.percent(point.indices.cr3),
            "US band": _band(point.indices.us),
        }
        for point in points
    ]
    _table(rows, ("as of", "firms", "HHI", "CR3", "US band"), "Over time", ("firms", "HHI", "CR3"))


# -- concentration -------------------------------------------------------------------------------


@app.command()
def concentration(
    ctx: typer.Context,
    layer: str | None = typer.Option(None, "--layer", help="compute, models or deployments (all if none)."),
    sector: str | None = typer.Option(None, "--sector", help="Deployment markets of this sector only."),
    jurisdiction: str | None = typer.Option(
        None, "--jurisdiction", help="Deployment markets of this jurisdiction only."
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="The last day counted, YYYY-MM-DD (today if none)."
    ),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Each market's concentration: HHI with its US and EU bands and its 5–95% interval where sizes
    are estimates, CR1/CR3/CR5, the equivalent number of firms, the largest firms and the HHI over
    time. Markets resting on confidential filings are for supervisors; others see them named."""
    chosen = _choice(layer, "--layer", LAYER_NAMES)
    day = parsing.day(as_of, "--as-of")
    with _acting(ctx, url, token) as acting:
        found = acting.concentration(layer=chosen, sector=sector, jurisdiction=jurisdiction, as_of=day)
    if as_json:
        emit(plain(found), True)
        return
    if not found.markets:
        console.print("no market to show for these filters", highlight=False)
    for market in found.markets:
        _print_market(market)
        console.print()
    if found.withheld:
        console.print(
            f"withheld (supervisors only, from confidential filings): {', '.join(found.withheld)}",
            highlight=False,
            soft_wrap=True,
        )


# -- single points of failure -------------------------------------------------------------------


PROVIDER_COLUMNS = ("provider", "deployments", "institutions", "exposure", "share", "linchpin")


FIGURES = ("deployments", "institutions", "exposure", "share")


def _provider_rows(providers: Sequence[Any]) -> list[dict[str, Any]]:
    return [
        {
            "provider": row.name,
            "deployments": units.count(row.deployments),
            "institutions": units.count(row.institutions),
            "exposure": units.money(row.exposure_eur, "EUR"),
            "share": units.percent(row.exposure_share),
            "linchpin": "yes" if row.linchpin else "no",
        }
        for row in providers
    ]


def _threshold(threshold: float | None, source: str | None) -> str:
    if threshold is None:
        return "none: no active pack sets linchpin_exposure_share, so nobody is a linchpin"
    return f"above {units.percent(threshold)} of exposure ({source})"


def _fallback_line(label: str, found: Any) -> str:
    host = units.MISSING if found.host_share is None else units.percent(found.host_share)
    model = units.MISSING if found.model_share is None else units.percent(found.model_share)
    hosted = f"{units.count(found.deployments)} deployments, {units.count(found.hosted)} on an outside host"
    return f"{label}: {hosted}; {host} of those can switch host, {model} of all can switch model"


@app.command()
def dependencies(
    ctx: typer.Context,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """The dependency network's single points of failure (supervisors): what each provider's
    failure alone cuts off, the linchpins above the packs' threshold, how many deployments could
    switch provider, and the public-interest and exportable models that could take over."""
    with _acting(ctx, url, token) as acting:
        found = acting.dependencies()
    if as_json:
        emit(plain(found), True)
        return
    console.print(
        f"{units.count(found.deployments)} deployments, computed {units.timestamp(found.computed_at)}; "
        f"a linchpin is {_threshold(found.threshold, found.threshold_source)}",
        highlight=False,
        soft_wrap=True,
    )
    names = {row.organisation_id: row.name for row in found.providers}
    console.print(
        f"linchpins: {', '.join(names.get(key, key) for key in found.linchpins) or 'none'}", highlight=False
    )
    _table(
        _provider_rows(found.providers),
        PROVIDER_COLUMNS,
        "What each provider's failure alone cuts off",
        FIGURES,
    )
    console.print(_fallback_line("all sectors", found.interoperability), highlight=False, soft_wrap=True)
    for sector, shares in sorted(found.by_sector.items()):
        console.print(_fallback_line(f"  {sector}", shares), highlight=False, soft_wrap=True)
    if found.counterweights:
        rows = [
            {
                "model": weight.name,
                "developer": weight.developer,
                "public interest": "yes" if weight.public_interest else "no",
                "weights": "open" if weight.open_weights else "escrow" if weight.escrowed else "closed",
                "deployments": units.count(weight.deployments),
                "fallback for": units.count(weight.fallback_for),
            }
            for weight in found.counterweights
        ]
        columns = ("model", "developer", "public interest", "weights", "deployments", "fallback for")
        _table(rows, columns, "Counterweights", ("deployments", "fallback for"))
    for absorbed in found.absorption:
        console.print(_absorption_line(absorbed), highlight=False, soft_wrap=True)
    for note in found.notes:
        console.print(f"note: {note}", highlight=False, soft_wrap=True)


def _absorption_line(absorbed: AbsorptionView) -> str:
    """What counterweights could take over in one sector: exportable models, public-interest cover."""
    where = absorbed.sector or "all sectors"
    if not absorbed.deployments:
        return f"{where}: no deployment"
    exportable = units.percent(absorbed.exportable_share) if absorbed.exportable_share is not None else "none"
    public = (
        units.percent(absorbed.public_interest_capacity)
        if absorbed.public_interest_capacity is not None
        else "none"
    )
    return (
        f"{where}: {exportable} of {units.count(absorbed.deployments)} deployments run an exportable model "
        f"({units.money(absorbed.exposure_eur, 'EUR')} of exposure); a public-interest model serves or "
        f"backs up {public}"
    )


def _print_assessment(found: AssessmentView) -> None:
    console.print(
        f"assessment {found.id} of {units.timestamp(found.assessed_at)}: {units.count(found.deployments)} "
        f"deployments; a linchpin is {_threshold(found.threshold, found.threshold_source)}",
        highlight=False,
        soft_wrap=True,
    )
    console.print(f"linchpins: {', '.join(found.linchpin_names) or 'none'}", highlight=False, soft_wrap=True)
    if found.providers:
        _table(_provider_rows(found.providers), PROVIDER_COLUMNS, None, FIGURES)
    else:
        console.print("the providers' figures are theirs and the supervisors'", highlight=False)


@app.command()
def assess(
    ctx: typer.Context,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """File the network's single points of failure as they stand (supervisors): the packs read
    each provider's shares from the latest assessment, and the list of linchpins is public."""
    with _acting(ctx, url, token) as acting:
        found = acting.assess()
    if as_json:
        emit(plain(found), True)
        return
    _print_assessment(found)


@app.command()
def assessment(
    ctx: typer.Context,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """The latest assessment: its linchpins, and each provider's figures to itself and supervisors."""
    with _acting(ctx, url, token) as acting:
        found = acting.latest_assessment()
    if as_json:
        emit(plain(found), True)
        return
    _print_assessment(found)


# -- mergers -----------------------------------------------------------------------------------


def _yes_no(value: bool | None) -> str:
    return units.MISSING if value is None else "yes" if value else "no"


def _print_review(review: MergerReviewView, layer: str | None = None) -> None:
    console.print(
        f"merger review {review.id} of {units.timestamp(review.reviewed_at)}: {review.acquirer} acquiring "
        f"{review.target}",
        highlight=False,
        soft_wrap=True,
    )
    changes = [change for change in review.layers if layer is None or change.layer == layer]
    if changes:
        figures = ("HHI before", "after", "change", "merged share")
        rows = [
            {
                "market": _market_of(change),
                "HHI before": hhi(change.pre_hhi),
                "after": hhi(change.post_hhi),
                "change": f"+{hhi(change.delta_hhi)}",
                "merged share": units.percent(change.merged_share),
            }
            for change in changes
        ]
        _table(rows, ("market", *figures), "Concentration before and after", figures)
        for change in changes:
            console.print(
                f"  {_market_of(change)}: {_band(change.us)}; {_band(change.eu)}",
                highlight=False,
                soft_wrap=True,
            )
    elif review.layers:
        console.print(f"no market of the {layer} layer changes", highlight=False)
    if review.exposure_share_before is not None and review.exposure_share_after is not None:
        console.print(
            f"exposure its failure alone cuts off: {units.percent(review.exposure_share_before)} before "
            f"(the larger party), {units.percent(review.exposure_share_after)} after; linchpin before: "
            f"{_yes_no(review.linchpin_before)}, after: {_yes_no(review.linchpin_after)}; "
            f"deployments newly depending on it alone: {units.count(len(review.new_single_points))}",
            highlight=False,
            soft_wrap=True,
        )
    if review.stress is not None:
        stress = review.stress
        before = units.money(stress.pre_expected_shortfall_eur, "EUR")
        after = units.money(stress.post_expected_shortfall_eur, "EUR")
        shift = stress.post_expected_shortfall_eur - stress.pre_expected_shortfall_eur
        console.print(
            f"stress ({stress.scenario}, {units.count(stress.draws)} draws, seed {stress.seed}): expected "
            f"shortfall at {units.percent(stress.level)} {before} before, {after} after "
            f"({'+' if shift >= 0 else ''}{units.money(shift, 'EUR')})",
            highlight=False,
            soft_wrap=True,
        )
    if review.layers == () and review.stress is None and review.exposure_share_after is None:
        console.print("the review's figures are the parties' and the supervisors'", highlight=False)
    for remedy in review.remedies:
        console.print(_remedy_line(remedy), highlight=False, soft_wrap=True)
    for note in review.notes:
        console.print(f"note: {note}", highlight=False, soft_wrap=True)


def _review_line(review: MergerReviewView) -> str:
    """One review on one line: a table would fold the names among the ids at 80 columns."""
    exposure = (
        f"; exposure cut off by the merged firm alone {units.percent(review.exposure_share_after)}"
        if review.exposure_share_after is not None
        else ""
    )
    remedies = ", ".join(remedy.remedy.value for remedy in review.remedies) or "none"
    return (
        f"{review.id}  {units.timestamp(review.reviewed_at)}  {review.acquirer} acquiring {review.target}"
        f"{exposure}; remedies: {remedies}"
    )


def _market_of(change: LayerChange) -> str:
    return change.title + (f" ({change.sector})" if change.sector else "")


def _remedy_line(remedy: RemedyView) -> str:
    answered = f"answered by plan {remedy.answered_by}" if remedy.answered_by else "not answered yet"
    terms = f": {remedy.terms}" if remedy.terms else ""
    return (
        f"remedy {remedy.id} ({remedy.remedy.value}, {units.timestamp(remedy.imposed_at)}){terms}; {answered}"
    )


@app.command()
def merger(
    ctx: typer.Context,
    acquirer: str = typer.Option(..., "--acquirer", help="The acquiring organisation, id or exact name."),
    target: str = typer.Option(..., "--target", help="The organisation acquired, id or exact name."),
    layer: str | None = typer.Option(
        None, "--layer", help="Show only this layer's markets: compute, models or deployments."
    ),
    scenario: Path | None = ScenarioOption,
    draws: int | None = DrawsOption,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Review a merger and file the review (supervisors): the change in HHI of every market of
    every layer and sector with the US and EU bands, the single points of failure the merged firm
    creates, and the stress test re-run with the merged firm failing as one unit (seconds)."""
    from custos.filings import parse
    from custos.markets.requests import MergerRequest

    chosen = _choice(layer, "--layer", LAYER_NAMES)
    terms = _terms(acquirer=acquirer, target=target, scenario=_scenario(scenario), draws=draws)
    request = parse(MergerRequest, terms, "merger")
    with _acting(ctx, url, token) as acting, _running(f"reviewing {acquirer} acquiring {target}", as_json):
        review = acting.review_merger(request)
    if as_json:
        emit(plain(review), True)
        return
    _print_review(review, chosen)


@app.command()
def reviews(
    ctx: typer.Context,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Merger reviews, newest first: all to supervisors, a merging party its own."""
    with _acting(ctx, url, token) as acting:
        found = acting.merger_reviews()
    print_lines(found, as_json, "no merger review", _review_line)


@app.command()
def review(
    ctx: typer.Context,
    review_id: str = typer.Argument(..., metavar="ID"),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """One merger review with its remedies (supervisors and the merging parties)."""
    with _acting(ctx, url, token) as acting:
        found = acting.merger_review(review_id)
    if as_json:
        emit(plain(found), True)
        return
    _print_review(found)


@app.command()
def remedy(
    ctx: typer.Context,
    review_id: str = typer.Argument(..., metavar="REVIEW_ID"),
    kind: str = typer.Option(..., "--remedy", help="interoperability, fallback or escrow."),
    terms: str = typer.Option(..., "--terms", help="What the merged firm must do, on the record."),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Impose a remedy on a reviewed merger (supervisors): the packs make it a duty of the merged
    firm, discharged by a fallback plan of the same kind."""
    from custos.filings import parse
    from custos.markets.requests import RemedyRequest

    request = parse(RemedyRequest, {"remedy": kind, "terms": terms}, "remedy")
    with _acting(ctx, url, token) as acting:
        imposed = acting.impose_remedy(review_id, request)
    if as_json:
        emit(plain(imposed), True)
        return
    console.print(_remedy_line(imposed), highlight=False, soft_wrap=True)


# -- fallback plans ------------------------------------------------------------------------------


@app.command("fallback-plan")
def fallback_plan(
    ctx: typer.Context,
    plan: str = typer.Option(..., "--plan", help="interoperability, fallback or escrow."),
    summary: str = typer.Option(..., "--summary", help="What the plan provides, for whom."),
    tested_on: str | None = typer.Option(
        None, "--tested-on", help="When the failover was last tested, YYYY-MM-DD (required for a fallback)."
    ),
    valid_until: str = typer.Option(..., "--valid-until", help="The last day the plan holds, YYYY-MM-DD."),
    organisation: str | None = typer.Option(
        None, "--organisation", help="The organisation it is for, id or exact name (a supervisor's filing)."
    ),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """File a fallback, interoperability or escrow plan: a provider or deployer for its own
    organisation (with --url and its token), the operator for the organisation it names."""
    from custos.filings import parse
    from custos.markets.requests import FallbackPlanRequest

    terms = _terms(
        plan=plan,
        summary=summary,
        tested_on=parsing.day(tested_on, "--tested-on"),
        valid_until=parsing.day(valid_until, "--valid-until"),
        organisation_id=organisation,
    )
    request = parse(FallbackPlanRequest, terms, "fallback plan")
    with _acting(ctx, url, token) as acting:
        filed = acting.file_fallback_plan(request)
    if as_json:
        emit(plain(filed), True)
        return
    console.print(_plan_line(filed), highlight=False, soft_wrap=True)


def _plan_line(plan: FallbackPlanView) -> str:
    tested = f", tested {plan.tested_on.isoformat()}" if plan.tested_on else ""
    summary = f": {plan.summary}" if plan.summary else ""
    return (
        f"{plan.id}  {plan.plan.value} plan of {plan.organisation}, valid until "
        f"{plan.valid_until.isoformat()}{tested}{summary}"
    )


@app.command()
def plans(
    ctx: typer.Context,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Fallback plans, newest first, one a line: an organisation its own, supervisors all."""
    with _acting(ctx, url, token) as acting:
        found = acting.fallback_plans()
    print_lines(found, as_json, "no fallback plan", _plan_line)


# -- public-interest models --------------------------------------------------------------------


@app.command()
def designate(
    ctx: typer.Context,
    model: str = typer.Argument(..., metavar="MODEL", help="The model, id or exact registry name."),
    grounds: str = typer.Option(..., "--grounds", help="Why (public funding, an open-access mandate...)."),
    withdraw: bool = typer.Option(False, "--withdraw", help="Withdraw the designation instead."),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Designate a model as of public interest, with its grounds, or withdraw it (supervisors)."""
    from custos.filings import parse
    from custos.markets.requests import DesignationRequest

    terms = {"model": model, "grounds": grounds, "public_interest": not withdraw}
    request = parse(DesignationRequest, terms, "designation")
    with _acting(ctx, url, token) as acting:
        made = acting.designate(request)
    if as_json:
        emit(plain(made), True)
        return
    console.print(_designation_line(made), highlight=False, soft_wrap=True)


def _designation_line(made: DesignationView) -> str:
    what = "designated as of public interest" if made.public_interest else "designation withdrawn"
    return f"{made.id}  {made.model} {what} {units.timestamp(made.designated_at)}: {made.grounds}"


@app.command()
def designations(
    ctx: typer.Context,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Every public-interest designation and withdrawal, newest first (public)."""
    with _acting(ctx, url, token) as acting:
        found = acting.designations()
    print_lines(found, as_json, "no model is designated", _designation_line)


@app.command("what-if")
def what_if(
    ctx: typer.Context,
    sector: str = typer.Option(..., "--sector", help="The sector whose deployments gain the fallback."),
    model: str = typer.Option(..., "--model", help="The public-interest model, id or exact name."),
    scenario: Path | None = ScenarioOption,
    draws: int | None = DrawsOption,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """The stress test's expected shortfall as it is, and with every deployment of a sector that
    names no fallback model given the public-interest model as one (supervisors; nothing filed)."""
    from custos.filings import parse
    from custos.markets.requests import WhatIfRequest

    terms = _terms(sector=sector, model=model, scenario=_scenario(scenario), draws=draws)
    request = parse(WhatIfRequest, terms, "what-if")
    with (
        _acting(ctx, url, token) as acting,
        _running(f"what if {sector} could fail over to {model}", as_json),
    ):
        found = acting.what_if(request)
    if as_json:
        emit(plain(found), True)
        return
    sign = "+" if found.change_eur >= 0 else ""
    deployments = f"{units.count(found.deployments)} {found.sector} deployments"
    emit(
        {
            "what if": f"{deployments} could fail over to {found.model}",
            "scenario": f"{found.scenario} ({units.count(found.draws)} draws)",
            f"expected shortfall at {units.percent(found.level)}": (
                f"{units.money(found.before_expected_shortfall_eur, 'EUR')} as it is, "
                f"{units.money(found.after_expected_shortfall_eur, 'EUR')} with the fallback"
            ),
            "change": f"{sign}{units.money(found.change_eur, 'EUR')}",
        },
        False,
    )
