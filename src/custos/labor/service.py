"""The labour instrument as a service: exposure and its headline check, the crosswalk, the shipped
scenarios and programme designs, and runs filed as ``labour.run_completed``.

Everything here is public: exposure rests on public data, and a run on the registry's public
fields. A run is computed while its caller waits (10,000 draws take a fraction of a second), then
filed with everything it read (the scenario and design texts and their digests, the data files'
digests, the registry's counts and the what-if), so a published figure can be recomputed by
anyone. The computation happens before the write transaction opens, so it never holds up other
writers; a bad request is refused before anything is computed or written.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from custos.access.filer import file_as
from custos.access.model import OPERATOR_ID, Principal
from custos.access.permissions import Permission, allows
from custos.core.canonical import sha256_hex
from custos.core.errors import Forbidden, NotFound
from custos.core.ids import new_id
from custos.labor.adapters.registry import registry_counts
from custos.labor.adoption import adoption_multipliers
from custos.labor.documents import Refused, own_name
from custos.labor.exposure import by_major_group
from custos.labor.figures import crosswalk_view, exposure_view, headline_view, programme_view, scenario_view
from custos.labor.filings import LABOUR_RUN_COMPLETED, LabourRunCompleted
from custos.labor.montecarlo import simulate
from custos.labor.occupations import DEFAULT_MEASURE, Measure, OccupationTable
from custos.labor.report import render_report
from custos.labor.requests import RunRequest
from custos.labor.results import run_results, run_summary, run_view
from custos.labor.safety_nets import PROGRAMMES, ProgrammeError, load_programmes
from custos.labor.scenario import SCENARIOS, ScenarioError, load_scenario
from custos.labor.sources import data_digests, load_crosswalk, sector_weights
from custos.labor.views import (
    CrosswalkView,
    ExposureView,
    HeadlineView,
    Level,
    ProgrammeView,
    RunSummary,
    RunView,
    ScenarioView,
)
from custos.store import Store, ledger_sql
from custos.store import labour_views as lv
from custos.store import registry_views as rv

__all__ = ["LabourService", "RunRequest"]


def _digest(text: str) -> str:
    return "sha256:" + sha256_hex(text.encode("utf-8"))


def _shipped(directory: Path) -> dict[str, Path]:
    """The shipped YAML files of ``directory`` by name (file stem)."""
    return {path.stem: path for path in sorted(directory.glob("*.yaml"))}


def _with_what_if(
    per_sector: Mapping[str, int], what_if: Mapping[str, int], sectors: set[str]
) -> dict[str, int]:
    """The registry's counts changed by the what-if; refuses an unknown sector or a count below 0."""
    unknown = sorted(set(what_if) - sectors)
    if unknown:
        raise Refused(
            f"what_if: unknown sector {', '.join(unknown)} (sectors: {', '.join(sorted(sectors))})",
            evidence={"what_if": unknown},
        )
    counted = {sector: per_sector.get(sector, 0) for sector in sorted(sectors)}
    for sector, change in what_if.items():
        counted[sector] += change
        if counted[sector] < 0:
            raise Refused(
                f"what_if.{sector}: {change} would leave {counted[sector]} deployments; "
                f"the registry counts {per_sector.get(sector, 0)}",
                evidence={"what_if": {sector: change}},
            )
    return {sector: count for sector, count in counted.items() if count}


class ShippedData:
    """What the shipped files alone answer: exposure, the headline check, the crosswalk, the
    scenarios and programme designs. No store is needed, so they read without an installation."""

    @staticmethod
    def table() -> OccupationTable:
        return load_crosswalk().table

    def exposure(self, measure: Measure = DEFAULT_MEASURE, level: Level = "group") -> ExposureView:
        """Workers, wage bill and their exposed parts, by SOC major group or by occupation."""
        return exposure_view(self.table(), measure, level)

    def headline(self) -> HeadlineView:
        """The paper's headline shares recomputed for every measure, and whether they agree."""
        return headline_view(self.table())

    @staticmethod
    def crosswalk() -> CrosswalkView:
        """How O*NET occupations were joined to BLS figures, and which could not be."""
        return crosswalk_view(load_crosswalk())

    @staticmethod
    def scenarios() -> list[ScenarioView]:
        """The shipped scenarios, by name."""
        return [
            scenario_view(name, path.read_text(encoding="utf-8"), path.name)
            for name, path in _shipped(SCENARIOS).items()
        ]

    @staticmethod
    def programmes() -> list[ProgrammeView]:
        """The shipped programme designs, by name."""
        return [
            programme_view(name, path.read_text(encoding="utf-8"), path.name)
            for name, path in _shipped(PROGRAMMES).items()
        ]


class LabourService:
    """Exposure, the headline check and runs; everyone may read, those allowed may start runs."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.data = ShippedData()

    # Data -----------------------------------------------------------------------------------

    def exposure(
        self, measure: Measure = DEFAULT_MEASURE, *, by: Principal, level: Level = "group"
    ) -> ExposureView:
        """Workers, wage bill and their exposed parts, by SOC major group or by occupation."""
        return self.data.exposure(measure, level)

    def headline(self, *, by: Principal) -> HeadlineView:
        """The paper's headline shares recomputed for every measure, and whether they agree."""
        return self.data.headline()

    def crosswalk(self, *, by: Principal) -> CrosswalkView:
        """How O*NET occupations were joined to BLS figures, and which could not be."""
        return self.data.crosswalk()

    def scenarios(self, *, by: Principal) -> list[ScenarioView]:
        """The shipped scenarios, by name."""
        return self.data.scenarios()

    def programmes(self, *, by: Principal) -> list[ProgrammeView]:
        """The shipped programme designs, by name."""
        return self.data.programmes()

    # Runs -----------------------------------------------------------------------------------

    @staticmethod
    def _document(name: str | None, text: str | None, directory: Path, field: str) -> tuple[str, str]:
        """The YAML text a run uses and the name its refusals give it."""
        if text is not None:
            return text, f"{field}_yaml"
        shipped = _shipped(directory)
        if name not in shipped:
            raise Refused(
                f"{field}: no shipped {field} {name!r} (shipped: {', '.join(shipped)})",
                evidence={field: name},
            )
        path = shipped[name]
        return path.read_text(encoding="utf-8"), path.name

    def run(self, request: RunRequest, *, by: Principal) -> RunView:
        """Compute a run and file it as ``labour.run_completed``; refused before anything is
        written when the scenario, the design or the what-if is bad."""
        if not allows(by.role, Permission.LABOUR_RUN):
            raise Forbidden("only supervisors start labour runs")
        scenario_text, scenario_origin = self._document(
            request.scenario, request.scenario_yaml, SCENARIOS, "scenario"
        )
        scenario = load_scenario(scenario_text, scenario_origin)
        design_text, design_origin = self._document(
            request.programmes, request.programmes_yaml, PROGRAMMES, "programmes"
        )
        design = load_programmes(design_text, design_origin)
        if request.scenario_yaml is not None:
            shipped = [view.definition.name for view in self.data.scenarios()]
            own_name(scenario.name, scenario_origin, shipped, "scenario", ScenarioError)
        if request.programmes_yaml is not None:
            shipped = [view.definition.name for view in self.data.programmes()]
            own_name(design.name, design_origin, shipped, "programme design", ProgrammeError)
        linked = request.registry and scenario.registry is not None
        if request.what_if and not linked:
            raise Refused(
                "what_if: a what-if moves the registry's deployments, so it needs registry: true and a "
                f"scenario with a registry block ({scenario.name} has "
                f"{'one' if scenario.registry else 'none'})",
                evidence={"what_if": dict(request.what_if)},
            )
        weights = sector_weights()
        with self.store.read() as conn:
            counts = registry_counts(conn)
            names = rv.organisation_names(conn, list(counts.by_deployer))
        per_sector = _with_what_if(counts.per_sector, request.what_if, set(weights))
        multipliers = (
            adoption_multipliers(per_sector, weights, scenario.registry.saturation_deployments)
            if linked and scenario.registry is not None
            else None
        )
        table = self.data.table()
        simulation = simulate(
            table,
            scenario,
            design,
            draws=request.draws,
            seed=request.seed,
            measure=request.measure,
            multipliers=multipliers,
        )
        groups = by_major_group(table, request.measure)
        exposed = dict(zip(groups.codes, groups.exposed_workers.tolist(), strict=True))
        run_id = new_id(self.store.clock)
        payload = LabourRunCompleted(
            run_id=run_id,
            scenario=scenario.name,
            scenario_yaml=scenario_text,
            scenario_digest=_digest(scenario_text),
            programmes=design.name,
            programmes_yaml=design_text,
            programmes_digest=_digest(design_text),
            measure=request.measure.value,
            draws=request.draws,
            seed=request.seed,
            data_digests=data_digests(),
            registry=linked,
            deployments_per_sector=per_sector if linked else dict(counts.per_sector),
            what_if=dict(request.what_if),
            multipliers=dict(multipliers or {}),
            results=run_results(simulation, design, counts, weights, exposed, names),
        )
        with self.store.transaction() as uow:
            filing = file_as(
                by,
                LABOUR_RUN_COMPLETED,
                payload,
                owner=by.organisation_id or OPERATOR_ID,
                subject=run_id,
                clock=self.store.clock,
                fallback_jurisdiction=ledger_sql.authority(uow.conn)[1],
            )
            uow.file(filing)
            row = lv.run(uow.conn, run_id)
        if row is None:  # the projection writes the row in the same transaction
            raise NotFound(f"no labour run {run_id!r}")
        return run_view(row)

    def runs(self, *, by: Principal) -> list[RunSummary]:
        """Every filed run, newest first."""
        with self.store.read() as conn:
            return [run_summary(row) for row in lv.runs(conn)]

    def get(self, run_id: str, *, by: Principal) -> RunView:
        """A filed run by its run id or its filing's id."""
        with self.store.read() as conn:
            row = lv.run(conn, run_id)
        if row is None:
            raise NotFound(f"no labour run {run_id!r}")
        return run_view(row)

    def report(self, run_id: str, *, by: Principal) -> str:
        """A filed run as one self-contained HTML page, with the exposure and headline check it
        rests on (for the run's measure)."""
        run = self.get(run_id, by=by)
        return render_report(run, self.exposure(run.measure, by=by), self.headline(by=by))
