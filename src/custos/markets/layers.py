"""The markets whose concentration is measured, per layer of the AI supply chain, over time.

- **compute**: the world's AI compute by owner, quarter by quarter, from Epoch AI's chip counts
  (with the estimates' 5th-95th percentiles carried into the indices); and the registry's
  declared hosting, weighted by the exposure that rides on each host.
- **models**: the training compute of large-scale models (above 10^23 FLOP, the bar of Epoch AI's
  "large-scale" models) by developer and release year; deployments by model and by developer.
- **deployments** (distribution): deployments by hosting provider, and every host they name,
  primary or fallback, to show whether fallbacks spread service or gather it on the same hosts.

Registry markets count deployments from their start date, or, without one, from the day they were
registered (so a cut at an earlier day leaves out what was not there yet); a deployment with
neither counts at the last point only, with a note. Sector and jurisdiction narrow the deployment
markets, not Epoch's compute nor training compute, which have neither.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from custos.markets.compute_shares import Quarter
from custos.markets.concentration import (
    COMPARISON_DECIMALS,
    Classification,
    classify_market,
    indices,
    interval_indices,
)
from custos.markets.owners import Owner, aggregate_names, owner
from custos.markets.views import BandView, IndicesView, IntervalView, MarketView, PointView, ShareView
from custos.risk.adapters.compute_owners import ATTRIBUTION as EPOCH_CHIPS
from custos.risk.adapters.network_registry import exposure_in

#: Epoch AI's bar for large-scale models, FLOP.
LARGE_SCALE_FLOP = 1e23
#: Firms a point lists by name; the indices count every firm.
LISTED = 25
#: Draws for the intervals of an index when sizes are estimates.
INTERVAL_DRAWS = 4_000
INTERVAL_SEED = 20261204
REGISTRY = "The registry's filings"
#: The registry's markets, by key: they rest on confidential filings, so only supervisors see them.
TITLES = {
    "declared-hosting": "Economic exposure by declared host",
    "training-compute": "Training compute of large-scale models released in the year, by developer",
    "deployments-by-model": "Deployments by model",
    "deployments-by-developer": "Deployments by model developer",
    "hosts": "Deployments by hosting provider",
    "hosts-and-fallbacks": "Hosts named by deployments, primary or fallback",
}

Row = Mapping[str, Any]


def band_view(classification: Classification) -> BandView:
    """A classification as the API shows it: the band, why, and where the text says so."""
    band = classification.band
    return BandView(
        jurisdiction="US" if band.jurisdiction == "US" else "EU",
        key=band.code,
        label=band.label,
        reason=classification.reason,
        citation=band.citation,
    )


def point(
    as_of: date,
    sizes: Mapping[str, float],
    names: Mapping[str, str],
    *,
    organisations: Mapping[str, str] | None = None,
    fringe: Collection[str] = (),
    low: Mapping[str, float] | None = None,
    high: Mapping[str, float] | None = None,
    keep: Collection[str] = (),
) -> PointView | None:
    """One moment of a market (None when nothing is there yet): its indices, their intervals when
    ``low`` and ``high`` percentiles are given, and the largest firms' shares (with those in
    ``keep`` wherever they rank), largest first."""
    present = {key: size for key, size in sizes.items() if size > 0}
    if not present or not any(key not in fringe for key in present):
        return None
    found = indices(present, fringe)
    intervals = None
    if low is not None and high is not None:
        sampled = interval_indices(
            {k: low[k] for k in present},
            present,
            {k: high[k] for k in present},
            draws=INTERVAL_DRAWS,
            seed=INTERVAL_SEED,
            fringe=fringe,
        )
        intervals = {
            name: IntervalView(low=value.low, median=value.median, high=value.high)
            for name, value in (
                ("hhi", sampled.hhi),
                ("cr1", sampled.cr1),
                ("cr3", sampled.cr3),
                ("cr5", sampled.cr5),
                ("equivalent_firms", sampled.equivalent_firms),
            )
        }
    bands = classify_market(round(found.hhi, COMPARISON_DECIMALS))
    total = math.fsum(present.values())
    organisations = organisations or {}
    largest = heapq.nlargest(LISTED, present.items(), key=lambda item: item[1])
    kept = [(key, present[key]) for key in keep if key in present]
    listed = sorted(dict([*largest, *kept]).items(), key=lambda item: (-item[1], item[0]))
    shares = tuple(
        ShareView(
            name=names.get(key, key),
            organisation_id=organisations.get(key),
            size=size,
            share=size / total,
            low=None if low is None else low[key],
            high=None if high is None else high[key],
            aggregate=key in fringe,
        )
        for key, size in listed
    )
    return PointView(
        as_of=as_of,
        total=total,
        firms=sum(1 for key in present if key not in fringe),
        indices=IndicesView(
            hhi=found.hhi,
            cr1=found.cr1,
            cr3=found.cr3,
            cr5=found.cr5,
            equivalent_firms=found.equivalent_firms,
            intervals=intervals,
            fringe_share=found.fringe_share,
            us=band_view(bands.us),
            eu=band_view(bands.eu),
        ),
        shares=shares,
        others=len(present) - len(listed),
        others_share=max(0.0, 1.0 - math.fsum(share.share for share in shares)),
    )


def _points(candidates: Iterable[PointView | None]) -> tuple[PointView, ...]:
    return tuple(found for found in candidates if found is not None)


# --- compute ---------------------------------------------------------------------------------


def compute_owners(quarters: Sequence[Quarter], as_of: date, registry_ids: Mapping[str, str]) -> MarketView:
    """Epoch AI's owners of AI compute, quarter by quarter up to ``as_of``; ``registry_ids`` maps
    registry names to organisation ids, for the owners the registry holds."""
    points = []
    mapped: dict[str, Owner] = {}
    for quarter in quarters:
        if quarter.end > as_of:
            break
        for name in quarter.owners:
            mapped.setdefault(name, owner(name))
        fringe = {name for name in quarter.owners if mapped[name].aggregate}
        points.append(
            point(
                quarter.end,
                {name: estimate.median for name, estimate in quarter.owners.items()},
                {name: mapped[name].registry_name for name in quarter.owners},
                organisations={
                    name: registry_ids[mapped[name].registry_name]
                    for name in quarter.owners
                    if mapped[name].registry_name in registry_ids
                },
                fringe=fringe,
                low={name: estimate.low for name, estimate in quarter.owners.items()},
                high={name: estimate.high for name, estimate in quarter.owners.items()},
            )
        )
    aggregates = sorted(name for name, found in mapped.items() if found.aggregate)
    return MarketView(
        layer="compute",
        key="compute-owners",
        title="AI compute by owner",
        unit="H100-equivalents",
        source=EPOCH_CHIPS,
        points=_points(points),
        notes=(
            *(
                (
                    f"{' and '.join(aggregates)} are Epoch AI's aggregates of many owners, counted as a "
                    "fringe of small firms: the indices are lower bounds.",
                )
                if aggregates
                else ()
            ),
            "Intervals: each owner's 5th-95th percentile as a split log-normal, owners independent.",
        ),
    )


# --- the registry's layers -------------------------------------------------------------------


def quarter_ends(first: date, last: date) -> list[date]:
    """The ends of the quarters from ``first``'s to ``last``'s, the last one being ``last``."""
    ends = []
    year, quarter = first.year, (first.month - 1) // 3
    while True:
        month = 3 * quarter + 3
        end = date(year, month, 31 if month in (3, 12) else 30)
        if end >= last:
            ends.append(last)
            return ends
        ends.append(end)
        year, quarter = (year + 1, 0) if quarter == 3 else (year, quarter + 1)


def _started(row: Row) -> date | None:
    """When a deployment entered the market: its start date, else the day it was registered."""
    started: date | None = row["start_date"] or row.get("registered_on")
    return started


def _over_time(
    rows: Sequence[Row], as_of: date, size: Callable[[Row], Mapping[str, float]], build: Callable[..., Any]
) -> tuple[PointView, ...]:
    """A deployment market's points: at each quarter's end, the deployments started by then (each
    row is sized once and added at its quarter, so the cost grows with rows plus points)."""
    dated = [start for row in rows if (start := _started(row)) is not None and start <= as_of]
    ends = quarter_ends(min(dated), as_of) if dated else [as_of]
    arriving: list[list[Row]] = [[] for _ in ends]
    for row in rows:
        start = _started(row)
        if start is None:
            arriving[-1].append(row)
        elif start <= as_of:
            arriving[bisect_left(ends, start)].append(row)
    running: dict[str, float] = defaultdict(float)
    points = []
    for end, rows_now in zip(ends, arriving, strict=True):
        for row in rows_now:
            for key, amount in size(row).items():
                running[key] += amount
        points.append(build(end, dict(running)))
    return _points(points)


def registry_markets(
    models: Sequence[Row],
    deployments: Sequence[Row],
    names: Mapping[str, str],
    *,
    as_of: date,
    sector: str | None = None,
    jurisdiction: str | None = None,
    keep: Collection[str] = (),
) -> list[MarketView]:
    """Every market the registry gives, narrowed to a sector and a jurisdiction when named; the
    organisations in ``keep`` are listed at every point wherever they rank. An organisation named
    as one of Epoch's aggregates counts as a fringe of many firms."""
    fringe = {key for key, name in names.items() if name in aggregate_names()}
    notes: list[str] = []
    developer = {row["id"]: row["provider_id"] for row in models}
    model_names = {row["id"]: row["name"] for row in models}
    chosen = [
        row
        for row in deployments
        if (sector is None or row["sector"] == sector)
        and (jurisdiction is None or jurisdiction in row["jurisdictions"])
    ]
    undated = sum(1 for row in chosen if _started(row) is None)
    scope = {"sector": sector, "jurisdiction": jurisdiction}
    dated_note = (
        (
            f"{undated:,} deployment(s) have no start date nor registration day: "
            "they count at the last point only.",
        )
        if undated
        else ()
    )

    def organisation_point(end: date, sizes: Mapping[str, float]) -> PointView | None:
        return point(end, sizes, names, organisations={key: key for key in sizes}, keep=keep, fringe=fringe)

    def model_point(end: date, sizes: Mapping[str, float]) -> PointView | None:
        return point(end, sizes, model_names)

    exposure = {row["id"]: exposure_in(dict(row), "EUR", notes) for row in chosen}
    hosted = [row for row in chosen if row["hosting_provider_id"]]
    markets = [
        MarketView(
            layer="compute",
            key="declared-hosting",
            title=TITLES["declared-hosting"],
            unit="EUR",
            source=REGISTRY,
            **scope,
            points=_over_time(
                hosted,
                as_of,
                lambda row: {row["hosting_provider_id"]: exposure[row["id"]]},
                organisation_point,
            ),
            notes=(
                *dated_note,
                f"{len(chosen) - len(hosted):,} deployment(s) run on their deployer's own infrastructure.",
            ),
        ),
        _training_compute(models, names, as_of, keep),
        MarketView(
            layer="models",
            key="deployments-by-model",
            title=TITLES["deployments-by-model"],
            unit="deployments",
            counted="model",
            source=REGISTRY,
            **scope,
            points=_over_time(chosen, as_of, lambda row: {row["model_id"]: 1.0}, model_point),
            notes=dated_note,
        ),
        MarketView(
            layer="models",
            key="deployments-by-developer",
            title=TITLES["deployments-by-developer"],
            unit="deployments",
            source=REGISTRY,
            **scope,
            points=_over_time(
                chosen, as_of, lambda row: {developer[row["model_id"]]: 1.0}, organisation_point
            ),
            notes=dated_note,
        ),
        MarketView(
            layer="deployments",
            key="hosts",
            title=TITLES["hosts"],
            unit="deployments",
            source=REGISTRY,
            **scope,
            points=_over_time(
                hosted, as_of, lambda row: {row["hosting_provider_id"]: 1.0}, organisation_point
            ),
            notes=dated_note,
        ),
        MarketView(
            layer="deployments",
            key="hosts-and-fallbacks",
            title=TITLES["hosts-and-fallbacks"],
            unit="host declarations",
            source=REGISTRY,
            **scope,
            points=_over_time(hosted, as_of, _named_hosts, organisation_point),
            notes=(
                *dated_note,
                "Each host a deployment names counts once: fallbacks that spread over other hosts lower "
                "the index; fallbacks on the same few hosts do not.",
            ),
        ),
    ]
    if notes:
        markets[0] = markets[0].model_copy(update={"notes": (*markets[0].notes, *sorted(set(notes)))})
    return markets


def _named_hosts(row: Row) -> dict[str, float]:
    return dict.fromkeys((row["hosting_provider_id"], *row["fallback_hosting_provider_ids"]), 1.0)


def _training_compute(
    models: Sequence[Row], names: Mapping[str, str], as_of: date, keep: Collection[str]
) -> MarketView:
    """Training compute of the large-scale models released each year, by developer."""
    by_year: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in models:
        flop, released = row["training_flop"], row["release_date"]
        if flop is None or released is None or flop <= LARGE_SCALE_FLOP or released > as_of:
            continue
        by_year[released.year][row["provider_id"]] += flop
    points = [
        point(
            min(date(year, 12, 31), as_of), sizes, names, organisations={key: key for key in sizes}, keep=keep
        )
        for year, sizes in sorted(by_year.items())
    ]
    return MarketView(
        layer="models",
        key="training-compute",
        title=TITLES["training-compute"],
        unit="FLOP",
        source=f"{REGISTRY} (passports' training compute, central estimates)",
        points=_points(points),
        notes=(
            "Large-scale: above 10^23 FLOP, as Epoch AI's large-scale models; a model without a compute "
            "figure or a release date is not counted.",
        ),
    )
