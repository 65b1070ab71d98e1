"""Stress tests as filings: run a scenario on a network and file the run with its inputs' digests.

A run is refused before anything is written when its scenario or network is bad. Once accepted
it gets a directory (see :mod:`custos.risk.adapters.runs`) that reports its progress; when it
finishes, its results are written and a ``stress_test.completed`` filing enters the log with the digests of
the scenario, the network and the results, the seed and the engine version, so anyone can check
later that published figures came from these inputs. Headline figures are for supervisors; the
per-institution results stay in the run's files, which only supervisors may read. Each
registered deployment in the run gets a ``stress_test.participated`` filing with its capital,
premium and pool contribution, which its deployer may read and which discharges its
stress-test obligation.

The computation runs here (the command line) or, given a memory limit, in a worker process of its
own (the server: see :mod:`custos.risk.adapters.worker`); either way it only writes the run's
files, and the filing is made here from ``results.json``, so the store has one writer.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from pydantic import JsonValue

from custos.access.filer import file_as
from custos.access.model import OPERATOR_ID, Principal
from custos.core.errors import Forbidden, InvalidInput, NotFound
from custos.core.ids import new_id
from custos.risk.adapters.network_files import MANIFEST, read_columns
from custos.risk.adapters.network_registry import RegistryEdit, registry_columns
from custos.risk.adapters.report import linchpin_names
from custos.risk.adapters.runs import RunDirectory, list_runs, run_directory
from custos.risk.adapters.scenario_files import EXAMPLES, read_examples, scenario_network, shipped_examples
from custos.risk.adapters.scenario_yaml import load_scenario_lines, located
from custos.risk.adapters.worker import RunFailed, produce, produce_isolated, record_failure
from custos.risk.engine import chart_specs
from custos.risk.engine.digests import network_digest, scenario_digest
from custos.risk.engine.montecarlo import check_tail_memory
from custos.risk.engine.network import Network
from custos.risk.engine.network_build import assemble
from custos.risk.engine.plan import compile_plan
from custos.risk.engine.precision import most_draws
from custos.risk.engine.reverse_stress import FailureSet, reverse_stress
from custos.risk.engine.scenario import Precision, Scenario
from custos.risk.engine.stress_test import ENGINE_VERSION
from custos.risk.filings import (
    STRESS_TEST_COMPLETED,
    STRESS_TEST_PARTICIPATED,
    StressTestCompleted,
    StressTestParticipated,
)
from custos.risk.requests import ReverseStressRequest, RunRequest
from custos.risk.views import (
    ExampleView,
    FailedUnit,
    FailureSetView,
    NetworkListing,
    ReverseStressView,
    RunResults,
    RunStatus,
)
from custos.store import Store
from custos.store import registry_views as rv

NETWORK_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


@dataclass(frozen=True)
class Submission:
    """An accepted run, not yet executed."""

    run: RunDirectory
    scenario: Scenario
    network: Network


def with_precision(scenario: Scenario, request: RunRequest) -> Scenario:
    """The scenario with the request's precision target, which overrides the scenario's own."""
    if request.target_se is None:
        if request.max_draws is not None:
            raise InvalidInput(
                "max_draws (--max-draws) limits a run drawn to a target error: give target_se "
                "(--target-se) too",
                evidence={"entry": "max_draws"},
            )
        return scenario
    limit = request.max_draws or (scenario.precision.max_draws if scenario.precision else None)
    limits = {} if limit is None else {"max_draws": limit}
    return scenario.model_copy(update={"precision": Precision(target_se=request.target_se, **limits)})


def _headline(metrics: dict[str, Any]) -> dict[str, JsonValue]:
    """What a run's status and filing show of its results (a :class:`custos.risk.views.Headline`):
    each figure with its 95% Monte Carlo interval, null where batch means give none."""
    system = metrics["system"]
    error = system["monte_carlo"]

    def intervals(figures: dict[str, dict[str, Any]]) -> dict[str, JsonValue]:
        return {level: figure["interval"] for level, figure in figures.items()}

    return {
        "expected_loss": system["expected_loss"],
        "value_at_risk": system["value_at_risk"],
        "expected_shortfall": system["expected_shortfall"],
        "expected_defaults": system["expected_defaults"],
        "pool": metrics["pool"]["size"],
        "linchpins": linchpin_names(metrics),
        "expected_loss_interval": error["expected_loss"]["interval"],
        "value_at_risk_interval": intervals(error["value_at_risk"]),
        "expected_shortfall_interval": intervals(error["expected_shortfall"]),
    }


class RiskService:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.root = store.settings.home / "risk-runs"

    # Networks -----------------------------------------------------------------------------------

    def networks(self) -> list[NetworkListing]:
        """The named networks a run may use: the shipped sample, and those under ``<home>/networks``."""
        found = [
            NetworkListing(name="registry", source="the registry's deployments, no financial layer"),
            NetworkListing(name="sample", source="shipped example (sample-network)"),
        ]
        local = self.store.settings.home / "networks"
        if local.is_dir():
            found += [
                NetworkListing(name=entry.name, source=str(entry))
                for entry in sorted(local.iterdir())
                if NETWORK_NAME.match(entry.name) and (entry / MANIFEST).is_file()
            ]
        return found

    def network_directory(self, name: str) -> Path | None:
        """The directory of a named network (``registry`` has none)."""
        if name == "registry":
            return None
        if name == "sample":
            return EXAMPLES / "sample-network"
        directory = self.store.settings.home / "networks" / name
        if not NETWORK_NAME.match(name) or not (directory / MANIFEST).is_file():
            raise NotFound(
                f"no network named {name!r}", evidence={"networks": [n.name for n in self.networks()]}
            )
        return directory

    def examples(self) -> list[ExampleView]:
        """Scenarios to start from, each with the network it was written for: the one it names,
        else the registry for the shipped ones and its folder's network for those in
        ``<home>/networks/<name>/scenarios/``."""
        found = [(example, "registry") for example in shipped_examples()]
        for network in self.networks():
            folder = self.store.settings.home / "networks" / network.name / "scenarios"
            found += [(example, network.name) for example in read_examples(folder)]
        return [
            ExampleView(
                name=example.title,
                example=example.name,
                network=example.network or folder_network,
                description=example.description,
                text=example.text,
            )
            for example, folder_network in found
        ]

    def load_network(
        self, directory: Path | None, currency: str = "EUR", edit: RegistryEdit | None = None
    ) -> Network:
        """From files alone when they hold deployments; otherwise the registry's layers (as the
        ``edit`` changes them), joined to the directory's financial layer when there is one."""
        if directory is None:
            with self.store.read() as conn:
                return assemble(registry_columns(conn, currency, edit=edit))
        columns = read_columns(directory)
        if columns.deployment_ids:
            if edit is not None:
                raise InvalidInput(
                    f"the network {directory.name!r} lists its own deployments; a what-if changes the "
                    "registry's, so run it on the registry or a network that adds only a financial layer"
                )
            return assemble(columns)
        with self.store.read() as conn:
            return assemble(registry_columns(conn, columns.currency, columns, edit))

    # Runs ---------------------------------------------------------------------------------------

    def submit(
        self,
        request: RunRequest,
        *,
        by: Principal,
        origin: str = "scenario",
        folder: Path | None = None,
        max_draws: int | None = None,
    ) -> Submission:
        """Validate the scenario against the network (and, when given, ``max_draws``: what a run
        started over HTTP may ask) and open the run's directory.

        ``origin`` names the scenario in errors. ``folder`` is the folder of the scenario's file
        when it is read on this machine (the command line): only then may the scenario, or the
        request, name its network by path rather than by name."""
        if not by.sees_everything:
            raise Forbidden("only supervisors run stress tests")
        directory = self._network_of(request, origin, folder)
        scenario, lines = load_scenario_lines(request.scenario, origin)
        scenario = with_precision(scenario, request)
        network = self.load_network(directory)
        try:
            most = most_draws(scenario)
            if max_draws is not None and most > max_draws:
                raise InvalidInput(
                    f"a run started over HTTP may make at most {max_draws:,} draws; run larger ones with "
                    "custos risk run",
                    evidence={"entry": "draws", "draws": most, "limit": max_draws},
                )
            plan = compile_plan(network, scenario)
            check_tail_memory(scenario.model_copy(update={"draws": most}), network)
        except InvalidInput as error:
            raise located(error, lines, origin) from error
        run = RunDirectory(self.root, new_id())
        run.create(
            request.scenario,
            {
                "id": run.run_id,
                "scenario": scenario.name,
                "state": "queued",
                "chunks_done": 0,
                "chunks": plan.chunks,
                "draws": scenario.draws,
                "network": network.summary(),
                "notes": list(network.notes),
                "requested_by": by.actor_id or OPERATOR_ID,
                "submitted_at": self.store.clock.now().isoformat(),
            },
        )
        return Submission(run, scenario, network)

    def _network_of(self, request: RunRequest, origin: str, folder: Path | None) -> Path | None:
        """The directory of the network a request names (None for the registry's): the request's,
        else the one its scenario names, else the registry's."""
        reference = request.network
        if reference is None:
            return scenario_network(request.scenario, origin, folder, self.network_directory)
        if folder is not None and ("/" in reference or Path(reference).is_dir()):
            return Path(reference)
        return self.network_directory(reference)

    def execute(
        self,
        submission: Submission,
        *,
        by: Principal,
        scheduler: str | None = None,
        progress: Callable[[int, int], None] | None = None,
        memory_limit: int | None = None,
    ) -> RunStatus:
        """Run, write the results, file the run; a failure is recorded in the run's status. With a
        ``memory_limit`` (bytes of data) the run computes in a worker process of its own,
        which reports progress through the run's status rather than to ``progress``."""
        run = submission.run

        def advance(done: int, total: int) -> None:
            run.update(state="running", chunks_done=done, chunks=total)
            if progress is not None:
                progress(done, total)

        run.update(state="running", started_at=self.store.clock.now().isoformat())
        network, scenario = submission.network, submission.scenario
        try:
            if memory_limit is None:
                results = produce(run, network, scenario, scheduler, advance)
            else:
                results = produce_isolated(run, network, scenario, scheduler, memory_limit)
            metrics = json.loads(results)
            filing_id = self._file(submission, metrics, results, by)
        except RunFailed:  # its status already says why
            raise
        except Exception as error:
            record_failure(run, error)
            raise
        done = run.update(
            state="done",
            filing_id=filing_id,
            draws=metrics["system"]["draws"],
            finished_at=self.store.clock.now().isoformat(),
            headline=_headline(metrics),
        )
        return RunStatus.model_validate(done)

    def _file(self, submission: Submission, metrics: dict[str, Any], results: bytes, by: Principal) -> str:
        scenario = submission.scenario
        content = StressTestCompleted(
            run_id=submission.run.run_id,
            scenario=scenario.name,
            scenario_digest=scenario_digest(scenario),
            network_digest=network_digest(submission.network),
            network=dict(submission.network.summary()),
            results_digest="sha256:" + hashlib.sha256(results).hexdigest(),
            seed=scenario.seed,
            draws=metrics["system"]["draws"],
            engine=ENGINE_VERSION,
            contagion_model=scenario.contagion.model.value,
            headline=_headline(metrics),
        )
        with self.store.transaction() as uow:
            filing = file_as(
                by,
                STRESS_TEST_COMPLETED,
                content,
                owner=by.organisation_id or OPERATOR_ID,
                subject=submission.run.run_id,
                clock=self.store.clock,
            )
            rows = metrics["deployments"]
            deployers = rv.deployers_of(uow.conn, [row["id"] for row in rows])
            parts = [
                file_as(
                    by,
                    STRESS_TEST_PARTICIPATED,
                    StressTestParticipated(
                        run_id=submission.run.run_id,
                        run_filing_id=filing.id,
                        currency=submission.network.currency,
                        expected_loss=row["expected_loss"],
                        capital=row["capital"],
                        premium=row["premium"],
                        pool_contribution=row["pool_contribution"],
                        insurance_requirement=row["insurance_requirement"],
                        pool_requirement=row["pool_requirement"],
                    ),
                    owner=deployers[row["id"]],
                    subject=row["id"],
                    clock=self.store.clock,
                )
                for row in rows
                if row["id"] in deployers
            ]
            uow.file(filing, *parts)
        return filing.id

    def reverse_stress(
        self,
        request: ReverseStressRequest,
        *,
        by: Principal,
        origin: str = "scenario",
        folder: Path | None = None,
    ) -> ReverseStressView:
        """The fewest provider or model failures whose loss under the scenario reaches the request's
        threshold (see :mod:`custos.risk.engine.reverse_stress`); nothing is filed. ``origin`` and
        ``folder`` are as for :meth:`submit`."""
        if not by.sees_everything:
            raise Forbidden("only supervisors run stress tests")
        named = RunRequest(scenario=request.scenario, network=request.network)
        directory = self._network_of(named, origin, folder)
        scenario, lines = load_scenario_lines(request.scenario, origin)
        network = self.load_network(directory)
        try:
            plan = compile_plan(network, scenario)
        except InvalidInput as error:
            raise located(error, lines, origin) from error
        found = reverse_stress(plan, network, request.threshold, request.candidates, request.max_size)
        names = network.providers.names + network.models.names

        def unit(index: int) -> FailedUnit:
            layer = "compute" if index < len(network.providers) else "model"
            return FailedUnit(id=network.failure_units[index], name=names[index], layer=layer)

        def failure_set(chosen: FailureSet) -> FailureSetView:
            return FailureSetView(units=tuple(unit(k) for k in chosen.units), loss=chosen.loss)

        return ReverseStressView(
            scenario=scenario.name,
            network=network.summary(),
            threshold=found.threshold,
            method=found.method,
            explanation=found.explanation,
            size=found.size,
            sets=tuple(failure_set(chosen) for chosen in found.sets),
            breaching=found.breaching,
            candidates=tuple(unit(k) for k in found.candidates),
            max_size=found.max_size,
            evaluated=found.evaluated,
            baseline=found.baseline,
            worst=failure_set(found.worst),
            asset_moves="the scenario's mean moves in every set, without volatility (a shock tied to "
            "failures moves as the set's failures trigger it)",
        )

    def runs(self) -> list[RunStatus]:
        """Every run's status, newest first."""
        return [RunStatus.model_validate(status) for status in list_runs(self.root)]

    def status(self, run_id: str) -> RunStatus:
        return RunStatus.model_validate(run_directory(self.root, run_id).status())

    def results(self, run_id: str) -> RunResults:
        return RunResults.model_validate(run_directory(self.root, run_id).results())

    def file(self, run_id: str, name: str) -> Path:
        return run_directory(self.root, run_id).file(name)

    def chart(self, run_id: str, name: str) -> dict[str, JsonValue]:
        """One of a finished run's charts as a Vega-Lite specification, drawn from its results
        files: free-form JSON (the engine builds it with numpy's numbers, made plain here)."""
        run = run_directory(self.root, run_id)
        losses = run.losses() if name in ("loss-distribution", "exceedance") else None
        spec = chart_specs.chart(name, run.results(), losses)
        plain: dict[str, JsonValue] = orjson.loads(orjson.dumps(spec, option=orjson.OPT_SERIALIZE_NUMPY))
        return plain
