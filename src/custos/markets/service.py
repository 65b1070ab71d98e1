"""Market supervision: concentration per layer, single points of failure and their designation,
merger review with remedies, fallback plans, and public-interest counterweights.

Who sees what: the compute layer's concentration comes from Epoch AI's public estimates and is
for everyone; every other figure rests on the registry's confidential filings (exposures,
hosting, fallbacks) and is for supervisors. The list of linchpins and public-interest designations
are public, as DORA publishes its list of critical ICT third-party providers (Regulation (EU)
2022/2554, Art. 31(9)); a provider sees its own row of an assessment, and a merging party its
review as far as its fields allow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from custos.access.filer import file_as
from custos.access.model import Principal, Role
from custos.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from custos.core.jurisdictions import jurisdiction_code
from custos.filings import Filing
from custos.markets.compute_shares import owners_by_quarter
from custos.markets.concentration import LEVELS
from custos.markets.dependencies import (
    DependencyNetwork,
    Linchpin,
    dominators,
    interoperability,
    single_points_of_failure,
)
from custos.markets.layers import TITLES, registry_markets
from custos.markets.layers import compute_owners as compute_owner_market
from custos.markets.mergers import concentration_changes, stress_change
from custos.markets.model import (
    DEPENDENCIES_ASSESSED,
    FALLBACK_PLAN_FILED,
    MERGER_REVIEWED,
    PUBLIC_INTEREST_DESIGNATED,
    REMEDY_IMPOSED,
    DependenciesAssessed,
    FallbackPlanFiled,
    MergerReviewed,
    ProviderDependency,
    PublicInterestDesignated,
    RemedyImposed,
)
from custos.markets.network import merged_network, registry_network
from custos.markets.owners import aggregate_names
from custos.markets.requests import (
    DesignationRequest,
    FallbackPlanRequest,
    MergerRequest,
    RemedyRequest,
    WhatIfRequest,
)
from custos.markets.structure import counterweights, dominator_nodes, fallback_view, linchpin_threshold
from custos.markets.views import (
    AssessmentView,
    ConcentrationView,
    DependenciesView,
    DesignationView,
    FallbackPlanView,
    Layer,
    LevelView,
    MarketView,
    MergerReviewView,
    ProviderDependencyView,
    RemedyView,
    WhatIfView,
)
from custos.registry.model import Sector
from custos.risk.adapters.network_registry import RegistryEdit
from custos.store import Connection, Store, ledger_sql
from custos.store import markets_views as mv
from custos.store import registry_views as rv

#: The dominator tree is drawn for networks up to this many deployments (networkx's general
#: construction takes seconds beyond); the single points of failure are counted for any size.
MOST_DRAWN = 20_000
#: The scenario a merger review or a what-if re-runs when none is given.
DEFAULT_SCENARIO = Path(__file__).resolve().parent / "data" / "provider-failures.yaml"


def _supervisors_only(by: Principal, what: str) -> None:
    if not by.sees_everything:
        raise Forbidden(f"only supervisors {what}")


def organisation_id(conn: Connection, reference: str) -> str:
    """An organisation named by id or by its exact registry name."""
    if rv.organisation(conn, id=reference) is not None:
        return reference
    found = rv.organisations_named(conn, [reference])
    if reference in found:
        return found[reference]
    raise NotFound(f"no organisation {reference!r} (give its id or its exact registry name)")


def model_id(conn: Connection, reference: str) -> str:
    """A model named by id or by its exact registry name, refused when the name is ambiguous."""
    if rv.model(conn, reference) is not None:
        return reference
    found = rv.models_named(conn, [reference]).get(reference, [])
    if not found:
        raise NotFound(f"no model {reference!r} (give its id or its exact registry name)")
    if len(found) > 1:
        raise InvalidInput(
            f"{len(found)} models are named {reference!r}; give the id of the one you mean",
            evidence={"ids": found},
        )
    return found[0]


class MarketsService:
    def __init__(self, store: Store) -> None:
        self.store = store

    # Concentration ------------------------------------------------------------------------

    def concentration(
        self,
        *,
        by: Principal,
        layer: Layer | None = None,
        sector: str | None = None,
        jurisdiction: str | None = None,
        as_of: date | None = None,
    ) -> ConcentrationView:
        """Each market of the layer (all layers when None), over time up to ``as_of`` (today)."""
        sector, jurisdiction = _sector(sector), _jurisdiction(jurisdiction)
        day = as_of or self.store.clock.now().date()
        with self.store.read() as conn:
            names = rv.organisation_names(conn)
            by_name = {name: key for key, name in names.items()}
            markets: list[MarketView] = [compute_owner_market(owners_by_quarter(), day, by_name)]
            withheld: list[str] = []
            if by.sees_everything:
                markets += registry_markets(
                    mv.market_models(conn),
                    mv.market_deployments(conn),
                    names,
                    as_of=day,
                    sector=sector,
                    jurisdiction=jurisdiction,
                )
            else:
                withheld = list(TITLES.values())
        chosen = [market for market in markets if layer is None or market.layer == layer]
        levels = tuple(LevelView(hhi=hhi, label=label, citation=citation) for hhi, label, citation in LEVELS)
        return ConcentrationView(as_of=day, markets=tuple(chosen), levels=levels, withheld=tuple(withheld))

    # Single points of failure ---------------------------------------------------------------

    def _network(self, conn: Connection, notes: list[str]) -> DependencyNetwork:
        return registry_network(mv.market_models(conn), mv.market_deployments(conn), notes)

    def dependencies(self, *, by: Principal) -> DependenciesView:
        """The single points of failure, the linchpins above the packs' threshold, fallbacks from
        other providers, counterweights and the dominator tree (supervisors)."""
        _supervisors_only(by, "analyse the dependency network")
        notes: list[str] = []
        with self.store.read() as conn:
            network = self._network(conn, notes)
            threshold, source = linchpin_threshold(conn)
            names = rv.organisation_names(conn)
            models = mv.market_models(conn)
            escrowed = mv.escrowed_models(conn)
        points = single_points_of_failure(network)
        providers = _provider_rows(points, network, threshold, names)
        spread = interoperability(network)
        if len(network.deployments) <= MOST_DRAWN:
            tree = dominator_nodes(network, dominators(network), names, models, points)
        else:
            tree = ()
            notes.append(f"the dominator tree is drawn for up to {MOST_DRAWN:,} deployments")
        weights, absorption = counterweights(network, models, escrowed, names)
        return DependenciesView(
            computed_at=self.store.clock.now(),
            threshold=threshold,
            threshold_source=source,
            deployments=len(network.deployments),
            providers=tuple(providers),
            linchpins=tuple(row.organisation_id for row in providers if row.linchpin),
            interoperability=fallback_view(spread.overall),
            by_sector={sector: fallback_view(shares) for sector, shares in spread.by_sector.items()},
            counterweights=weights,
            absorption=absorption,
            dominators=tree,
            notes=tuple(sorted(set(notes))),
        )

    def assess(self, *, by: Principal) -> AssessmentView:
        """File the network's single points of failure as they stand (supervisors): the packs
        read each provider's shares from the latest assessment."""
        found = self.dependencies(by=by)
        if found.threshold is None or found.threshold_source is None:
            raise InvalidInput(
                "no active policy pack sets linchpin_exposure_share, so nobody can be found a linchpin; "
                "load a pack that does (the built-in custos-baseline)"
            )
        content = DependenciesAssessed(
            threshold=found.threshold,
            threshold_source=found.threshold_source,
            deployments=found.deployments,
            linchpins=found.linchpins,
            providers=tuple(
                ProviderDependency(**row.model_dump(exclude={"name"})) for row in found.providers
            ),
        )
        with self.store.transaction() as uow:
            owner, code = ledger_sql.authority(uow.conn)
            filing = file_as(
                by,
                DEPENDENCIES_ASSESSED,
                content,
                owner=owner,
                subject="dependency-network",
                clock=self.store.clock,
                fallback_jurisdiction=code,
            )
            uow.file(filing)
            return self._assessment(uow.conn, filing.id, by)

    def latest_assessment(self, *, by: Principal) -> AssessmentView:
        with self.store.read() as conn:
            found = mv.latest_assessment_id(conn)
            if found is None:
                raise NotFound("no dependency assessment has been filed (custos markets assess)")
            return self._assessment(conn, found, by)

    def _filing(self, conn: Connection, filing_id: str) -> Filing:
        found = self.store.filing(conn, filing_id)
        if found is None:
            raise NotFound(f"no filing {filing_id!r}")
        return found[0]

    def _assessment(self, conn: Connection, filing_id: str, by: Principal) -> AssessmentView:
        filing = self._filing(conn, filing_id)
        content = filing.content
        names = rv.organisation_names(conn)
        rows = [
            ProviderDependencyView(**row, name=names.get(row["organisation_id"], row["organisation_id"]))
            for row in content["providers"]
            if by.sees_everything or row["organisation_id"] == by.organisation_id
        ]
        return AssessmentView(
            id=filing.id,
            assessed_at=filing.filed_at,
            threshold=content["threshold"],
            threshold_source=content["threshold_source"],
            deployments=content["deployments"],
            linchpins=tuple(content["linchpins"]),
            linchpin_names=tuple(names.get(key, key) for key in content["linchpins"]),
            providers=tuple(rows),
        )

    # Mergers ----------------------------------------------------------------------------------

    def review_merger(self, request: MergerRequest, *, by: Principal) -> MergerReviewView:
        """Review ``acquirer`` taking over ``target`` (supervisors): the change in concentration in
        every market of every layer and sector, the single points of failure the merged firm
        creates, and the stress test re-run with the merged firm failing as one unit."""
        _supervisors_only(by, "review mergers")
        notes: list[str] = []
        with self.store.read() as conn:
            acquirer = organisation_id(conn, request.acquirer)
            target = organisation_id(conn, request.target)
            if acquirer == target:
                raise InvalidInput("the acquirer and the target are the same organisation")
            names = rv.organisation_names(conn)
            aggregates = [
                names[party] for party in (acquirer, target) if names.get(party) in aggregate_names()
            ]
            if aggregates:
                raise InvalidInput(
                    f"{aggregates[0]} is an aggregate of many firms in Epoch AI's estimates, not one firm "
                    "that can merge; name the firms"
                )
            network = self._network(conn, notes)
            threshold, _ = linchpin_threshold(conn)
            day = self.store.clock.now().date()
            by_name = {name: key for key, name in names.items()}
            markets = [compute_owner_market(owners_by_quarter(), day, by_name)]
            models, deployments = mv.market_models(conn), mv.market_deployments(conn)
            parties = (acquirer, target)
            markets += registry_markets(models, deployments, names, as_of=day, keep=parties)
            for sector in sorted({row["sector"] for row in deployments}):
                markets += [
                    market
                    for market in registry_markets(
                        models, deployments, names, as_of=day, sector=sector, keep=parties
                    )
                    if market.sector is not None and market.key != "training-compute"
                ]
        layers = concentration_changes(markets, acquirer, target)
        before = {point.provider_id: point for point in single_points_of_failure(network)}
        after_network = merged_network(network, acquirer, target)
        after = {point.provider_id: point for point in single_points_of_failure(after_network)}
        cut_before = {
            deployment
            for provider in (acquirer, target)
            if provider in before
            for deployment in before[provider].deployment_ids
        }
        merged = after.get(acquirer)
        new_points = tuple(d for d in (merged.deployment_ids if merged else ()) if d not in cut_before)
        share_before = max((before[p].exposure_share for p in (acquirer, target) if p in before), default=0.0)
        share_after = merged.exposure_share if merged else 0.0
        scenario_text = request.scenario or DEFAULT_SCENARIO.read_text(encoding="utf-8")
        stress = stress_change(
            self.store, scenario_text, request.draws, RegistryEdit(merged={target: acquirer})
        )
        content = MergerReviewed(
            acquirer_id=acquirer,
            target_id=target,
            layers=tuple(layers),
            new_single_points=new_points,
            linchpin_before=_above(share_before, threshold),
            linchpin_after=_above(share_after, threshold),
            exposure_share_before=share_before,
            exposure_share_after=share_after,
            stress=stress,
            notes=tuple(sorted(set(notes))),
        )
        with self.store.transaction() as uow:
            filing = file_as(
                by,
                MERGER_REVIEWED,
                content,
                owner=acquirer,
                subject=acquirer,
                clock=self.store.clock,
                fallback_jurisdiction=ledger_sql.authority(uow.conn)[1],
            )
            uow.file(filing)
            return self._review(uow.conn, filing.id, by)

    def reviews(self, *, by: Principal) -> list[MergerReviewView]:
        """Merger reviews, newest first: all for supervisors, a party's own for it, none for others."""
        if not by.sees_everything and by.organisation_id is None:
            return []
        with self.store.read() as conn:
            rows = mv.review_rows(conn, None if by.sees_everything else by.organisation_id)
            return [self._review(conn, row["id"], by) for row in rows]

    def review(self, review_id: str, *, by: Principal) -> MergerReviewView:
        with self.store.read() as conn:
            row = mv.review_row(conn, review_id)
            if row is None or not _party(by, row):
                raise NotFound(f"no merger review {review_id!r}")
            return self._review(conn, review_id, by)

    def _review(self, conn: Connection, review_id: str, by: Principal) -> MergerReviewView:
        filing = self._filing(conn, review_id)
        shown, _ = by.redact(filing.content, filing.visibility, filing.organisation)
        names = rv.organisation_names(conn)
        remedies = tuple(
            _remedy_view(row, self._filing(conn, row["id"]), by)
            for row in mv.remedies_of_reviews(conn, [review_id])
        )
        return MergerReviewView(
            id=filing.id,
            reviewed_at=filing.filed_at,
            acquirer=names.get(shown["acquirer_id"], shown["acquirer_id"]),
            target=names.get(shown["target_id"], shown["target_id"]),
            remedies=remedies,
            **shown,
        )

    def impose_remedy(self, review_id: str, request: RemedyRequest, *, by: Principal) -> RemedyView:
        """A condition on the merged firm (supervisors), which the packs turn into a duty that a
        fallback plan of the same kind discharges."""
        _supervisors_only(by, "impose remedies")
        with self.store.transaction() as uow:
            row = mv.review_row(uow.conn, review_id)
            if row is None:
                raise NotFound(f"no merger review {review_id!r}")
            _, code = ledger_sql.authority(uow.conn)
            filing = file_as(
                by,
                REMEDY_IMPOSED,
                RemedyImposed(review_id=review_id, remedy=request.remedy, terms=request.terms),
                owner=row["acquirer_id"],
                subject=row["acquirer_id"],
                clock=self.store.clock,
                fallback_jurisdiction=code,
            )
            uow.file(filing)
            (found,) = [r for r in mv.remedies_of_reviews(uow.conn, [review_id]) if r["id"] == filing.id]
            return _remedy_view(found, filing, by)

    # Plans and designations ------------------------------------------------------------------

    def file_fallback_plan(self, request: FallbackPlanRequest, *, by: Principal) -> FallbackPlanView:
        """A provider's plan for those who depend on it: for its own organisation, or a
        supervisor's filing for a named one."""
        with self.store.transaction() as uow:
            if request.organisation_id is not None:
                organisation = organisation_id(uow.conn, request.organisation_id)
            elif by.organisation_id is not None and not by.sees_everything:
                organisation = by.organisation_id
            else:
                raise InvalidInput(
                    "name the organisation the plan is for (--organisation; organisation_id in the API)"
                )
            if not by.sees_everything and (
                by.organisation_id != organisation or by.role not in (Role.PROVIDER, Role.DEPLOYER)
            ):
                raise Forbidden("a fallback plan is filed by the organisation it is for, or by a supervisor")
            today = self.store.clock.now().date()
            if request.valid_until < today:
                raise InvalidInput(f"the plan's valid_until {request.valid_until} has passed")
            if request.tested_on is not None and request.tested_on > today:
                raise InvalidInput(
                    f"the plan's tested_on {request.tested_on} is in the future: "
                    "name the day the failover was tested"
                )
            payload = FallbackPlanFiled(**request.model_dump(exclude={"organisation_id"}, exclude_unset=True))
            filing = file_as(
                by,
                FALLBACK_PLAN_FILED,
                payload,
                owner=organisation,
                subject=organisation,
                clock=self.store.clock,
                fallback_jurisdiction=ledger_sql.authority(uow.conn)[1],
            )
            uow.file(filing)
            return _plan_view(filing, by, rv.organisation_names(uow.conn, [organisation]))

    def fallback_plans(self, *, by: Principal) -> list[FallbackPlanView]:
        if not by.sees_everything and by.organisation_id is None:
            return []
        with self.store.read() as conn:
            rows = mv.plan_rows(conn, None if by.sees_everything else by.organisation_id)
            names = rv.organisation_names(conn)
            return [_plan_view(self._filing(conn, row["id"]), by, names) for row in rows]

    def designate(self, request: DesignationRequest, *, by: Principal) -> DesignationView:
        """Designate a model as of public interest, with its grounds, or withdraw it (supervisors)."""
        _supervisors_only(by, "designate public-interest models")
        with self.store.transaction() as uow:
            model = model_id(uow.conn, request.model)
            row = rv.model(uow.conn, model)
            assert row is not None
            if bool(row["public_interest"]) == request.public_interest:
                already = "already designated" if request.public_interest else "not designated"
                raise Conflict(f"{row['name']} is {already} as of public interest")
            filing = file_as(
                by,
                PUBLIC_INTEREST_DESIGNATED,
                PublicInterestDesignated(
                    model_id=model, public_interest=request.public_interest, grounds=request.grounds
                ),
                owner=row["provider_id"],
                subject=model,
                clock=self.store.clock,
                fallback_jurisdiction=ledger_sql.authority(uow.conn)[1],
            )
            uow.file(filing)
            return _designation_view(filing.id, filing.filed_at, filing.content, row["name"])

    def designations(self) -> list[DesignationView]:
        """Every public-interest designation and withdrawal, newest first (public)."""
        with self.store.read() as conn:
            return [
                _designation_view(row["id"], row["designated_at"], row, row["model"])
                for row in mv.designation_rows(conn)
            ]

    def what_if(self, request: WhatIfRequest, *, by: Principal) -> WhatIfView:
        """The stress test's expected shortfall as it is, and with every deployment of a sector
        that names no fallback model given the public-interest model as one (supervisors)."""
        _supervisors_only(by, "run what-ifs on the dependency network")
        _sector(request.sector)
        with self.store.read() as conn:
            model = model_id(conn, request.model)
            row = rv.model(conn, model)
            assert row is not None
            if not row["public_interest"]:
                raise InvalidInput(
                    f"{row['name']} is not designated as of public interest; designate it first "
                    "(custos markets designate)"
                )
            chosen = {
                deployment["id"]: model
                for deployment in mv.market_deployments(conn)
                if deployment["sector"] == request.sector
                and not deployment["fallback_model_ids"]
                and deployment["model_id"] != model
            }
        if not chosen:
            raise InvalidInput(
                f"no deployment of sector {request.sector!r} lacks a fallback model; "
                "the what-if would change nothing"
            )
        scenario_text = request.scenario or DEFAULT_SCENARIO.read_text(encoding="utf-8")
        change = stress_change(self.store, scenario_text, request.draws, RegistryEdit(fallback=chosen))
        return WhatIfView(
            sector=request.sector,
            model_id=model,
            model=row["name"],
            deployments=len(chosen),
            scenario=change.scenario,
            level=change.level,
            draws=change.draws,
            before_expected_shortfall_eur=change.pre_expected_shortfall_eur,
            after_expected_shortfall_eur=change.post_expected_shortfall_eur,
            change_eur=change.post_expected_shortfall_eur - change.pre_expected_shortfall_eur,
        )


def _sector(value: str | None) -> str | None:
    """A sector the registry knows, or a refusal listing them (a misspelt one would measure nothing)."""
    if value is None or value in {sector.value for sector in Sector}:
        return value
    raise InvalidInput(f"no sector {value!r}; the sectors are {', '.join(sector.value for sector in Sector)}")


def _jurisdiction(value: str | None) -> str | None:
    """A jurisdiction's code, normalised as deployments file theirs, or a refusal."""
    if value is None:
        return None
    try:
        return jurisdiction_code(value)
    except ValueError as error:
        raise InvalidInput(str(error)) from error


def _above(share: float, threshold: float | None) -> bool:
    """Above the linchpin threshold ("above" is strict); nobody is, when no pack sets one."""
    return threshold is not None and share > threshold


def _provider_rows(
    points: Sequence[Linchpin], network: DependencyNetwork, threshold: float | None, names: Mapping[str, str]
) -> list[ProviderDependencyView]:
    """Every provider of the network, those that cut nothing off with zeros, largest exposure first."""
    found = {point.provider_id: point for point in points}
    providers = {model.provider_id for model in network.models}
    providers |= {h for d in network.deployments for h in d.host_alternatives}
    rows = []
    for provider in providers:
        point = found.get(provider)
        rows.append(
            ProviderDependencyView(
                organisation_id=provider,
                name=names.get(provider, provider),
                deployments=len(point.deployment_ids) if point else 0,
                institutions=len(point.institution_ids) if point else 0,
                exposure_eur=point.exposure_eur if point else 0.0,
                deployment_share=point.deployment_share if point else 0.0,
                institution_share=point.institution_share if point else 0.0,
                exposure_share=point.exposure_share if point else 0.0,
                linchpin=point is not None and _above(point.exposure_share, threshold),
            )
        )
    return sorted(rows, key=lambda row: (-row.exposure_share, -row.deployments, row.name))


def _party(by: Principal, row: Mapping[str, Any]) -> bool:
    return by.sees_everything or by.organisation_id in (row["acquirer_id"], row["target_id"])


def _remedy_view(row: Mapping[str, Any], filing: Filing, by: Principal) -> RemedyView:
    shown, _ = by.redact(filing.content, filing.visibility, filing.organisation)
    return RemedyView(
        id=row["id"],
        review_id=row["review_id"],
        organisation_id=row["organisation_id"],
        remedy=row["remedy"],
        terms=shown.get("terms"),
        imposed_at=row["imposed_at"],
        answered_by=row["answered_by"],
    )


def _plan_view(filing: Filing, by: Principal, names: Mapping[str, str]) -> FallbackPlanView:
    shown, _ = by.redact(filing.content, filing.visibility, filing.organisation)
    return FallbackPlanView(
        id=filing.id,
        organisation_id=filing.subject,
        organisation=names.get(filing.subject, filing.subject),
        filed_at=filing.filed_at,
        **shown,
    )


def _designation_view(
    identifier: str, when: datetime, content: Mapping[str, Any], model: str
) -> DesignationView:
    return DesignationView(
        id=identifier,
        model_id=content["model_id"],
        model=model,
        public_interest=content["public_interest"],
        grounds=content["grounds"],
        designated_at=when,
    )
