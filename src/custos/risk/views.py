"""Stress-test runs as a reader receives them: the networks and example scenarios to start from, a
run's status with its headline figures, and its results.

These are what :class:`custos.risk.adapters.service.RiskService` returns and the API's response
models. They are read from the run's own files (``status.json`` and ``results.json``, whose format
they leave as it is), so they name the fields those files have always held and keep any other
(``extra="allow"``): a run written by an older or newer engine still loads. A field a run does not
have yet (its results before it finished, its error unless it failed) is absent, never null: the
API and the command line serialise these with ``exclude_unset``. They live beside the engine,
not in it, which computes with plain arrays and mappings.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from custos.registry.views import Moment

#: Where a run is: waiting for the runner, drawing its chunks, finished and filed, or failed.
RunState = Literal["queued", "running", "done", "failed"]
#: Figures by confidence level, keyed as the scenario writes the level ("0.99").
ByLevel = dict[str, float]
#: A figure's 95% Monte Carlo interval (low, high), or None where batch means cannot give one.
Interval = tuple[float, float] | None


class _Read(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")


class NetworkListing(_Read):
    """A network a run may use."""

    name: str = Field(description="What a run names it by (registry, sample, or one under <home>/networks).")
    source: str = Field(description="Where its layers come from.")


class ExampleView(_Read):
    """A scenario to start from, with the network it was written for."""

    name: str = Field(description="The scenario's title.")
    example: str = Field(description="The file's stem.")
    network: str
    description: str
    text: str = Field(description="The scenario, as YAML text.")


class NetworkSummary(_Read):
    """The size of the network a run ran on, and the currency its amounts are in."""

    name: str
    currency: str
    providers: int
    models: int
    deployments: int
    institutions: int
    exposures: int = Field(description="Interbank liabilities.")


class Runner(_Read):
    """The process running a run, so that its death can be told."""

    host: str
    pid: int
    process: str | None = None


class Headline(_Read):
    """A finished run's headline figures, in its network's currency."""

    expected_loss: float
    value_at_risk: ByLevel
    expected_shortfall: ByLevel
    expected_defaults: float
    pool: float = Field(description="The pool's size: the value at risk at the pool's quantile.")
    linchpins: tuple[str, ...] = Field(description="The uninsurable linchpins, by name.")
    expected_loss_interval: Interval = Field(
        None, description="The expected loss's 95% Monte Carlo interval (absent for runs before it)."
    )
    value_at_risk_interval: dict[str, Interval] | None = Field(
        None, description="Each value at risk's 95% Monte Carlo interval, by level."
    )
    expected_shortfall_interval: dict[str, Interval] | None = Field(
        None,
        description="Each expected shortfall's 95% Monte Carlo interval, by level and at the capital level.",
    )


class RunStatus(_Read):
    """A run's progress, and its headline figures and filing when it is done."""

    id: str
    scenario: str
    state: RunState
    chunks_done: int
    chunks: int
    draws: int
    network: NetworkSummary
    notes: tuple[str, ...]
    requested_by: str
    submitted_at: Moment
    runner: Runner | None = None
    started_at: Moment | None = None
    filing_id: str | None = Field(None, description="The run's stress_test.completed filing.")
    finished_at: Moment | None = None
    headline: Headline | None = None
    error: str | None = Field(None, description="Why it failed.")
    evidence: dict[str, JsonValue] | None = None
    trace: str | None = Field(None, description="Where a failure that is a bug happened.")


class MonteCarloError(_Read):
    """A figure's Monte Carlo error by batch means, or why there is none."""

    estimate: float = Field(description="The figure over every draw.")
    standard_error: float | None = Field(description="The batch estimates' standard deviation over √B.")
    interval: Interval = Field(
        description="The 95% interval: the estimate ± t(0.975, B − 1) standard errors."
    )
    reason: str | None = Field(None, description="Why batch means give no error (only when they give none).")


class MonteCarlo(_Read):
    """The headline figures' Monte Carlo error, by batch means over contiguous batches of draws."""

    batches: int
    method: str
    expected_loss: MonteCarloError
    value_at_risk: dict[str, MonteCarloError]
    expected_shortfall: dict[str, MonteCarloError] = Field(
        description="By level, and at the capital level when the levels do not hold it."
    )


class SystemMetrics(_Read):
    """The system's losses over every draw."""

    draws: int
    expected_loss: float
    standard_deviation: float
    max_loss: float
    expected_direct_loss: float
    expected_real_economy_loss: float
    value_at_risk: ByLevel
    expected_shortfall: ByLevel
    expected_defaults: float
    probability_of_defaults: dict[str, float] = Field(
        description="The probability of at least this many defaults, by count."
    )
    monte_carlo: MonteCarlo | None = Field(None, description="Absent for runs before engine custos-risk/3.")
    expected_second_round_loss: float | None = Field(
        None, description="What fire sales add to the expected loss (absent before engine custos-risk/4)."
    )
    second_round_share_of_expected_shortfall: float | None = Field(
        None, description="The fire sales' share of the expected shortfall at the capital level."
    )


class Pool(_Read):
    quantile: float
    size: float
    shared_by: dict[str, Literal["pool requirement", "capital"]] | None = Field(
        None,
        description="What the pool is shared in proportion to, among institutions and among deployments: "
        "each entity's pool requirement, or its "
        "capital when no tail reaches the pool (absent before engine custos-risk/4: by capital).",
    )


class _Buffers(_Read):
    """What an entity must hold, layer by layer (see custos.risk.engine.buffer_metrics); the layered
    figures are absent for runs before engine custos-risk/4."""

    id: str
    expected_loss: float
    capital: float = Field(
        description="Its Euler contribution to the expected shortfall at the capital level."
    )
    premium: float = Field(description="The premium of its reference insurance layer.")
    pool_contribution: float = Field(description="Its share of the pool's size.")
    insurance_limit: float | None = Field(None, description="The reference layer's limit, above its capital.")
    insurance_requirement: float | None = Field(
        None, description="What the layer pays, on average in the tail."
    )
    expected_insurance_payout: float | None = Field(None, description="What the layer pays, on average.")
    premium_error: float | None = Field(
        None, description="Bound on the premium's error from binning the entity's losses."
    )
    pool_requirement: float | None = Field(
        None, description="What its tail losses leave beyond its capital and layer, on average in the tail."
    )


class InstitutionResult(_Buffers):
    name: str
    sector: str
    equity: float
    default_probability: float


class DeploymentResult(_Buffers):
    name: str
    owner: str
    model: str


class ProviderResult(_Read):
    """A compute provider's or model's systemic importance."""

    id: str
    name: str
    layer: Literal["compute", "model"]
    failure_probability: float
    failures: int
    expected_loss_given_failure: float | None
    expected_shortfall_contribution: float = Field(
        description="Its Shapley value in the capital level's tail draws, averaged (since engine "
        "custos-risk/4; before, its share in proportion to direct losses)."
    )
    loss_alone: float
    uninsurable_linchpin: bool


class Convergence(_Read):
    """How far the contagion's fixed point got in its worst draw."""

    iterations: int
    residual: float
    tolerance: float
    max_iterations: int


class PrecisionRound(_Read):
    """One round of a run drawn to a target error: its draws and the error they gave."""

    draws: int
    relative_standard_error: float | None = Field(
        description="Of the expected shortfall at the capital level; null where batch means give none."
    )


class PrecisionResult(_Read):
    """How a run with a target error drew: each round, and whether the target was reached."""

    target_relative_standard_error: float
    figure: str = Field(description="The figure the target is set on.")
    max_draws: int
    reached: bool
    rounds: tuple[PrecisionRound, ...]
    reason: str | None = Field(None, description="Why the target was not reached, when it was not.")


class Attribution(_Read):
    """How the expected shortfall at the capital level was shared out among the failures: by
    Shapley values, which add up to it (less the baseline loss with nothing failing)."""

    method: str
    draws: int = Field(description="The tail draws attributed.")
    exact_draws: int = Field(description="Draws whose Shapley values were computed over every coalition.")
    sampled_draws: int = Field(description="Draws whose Shapley values were estimated from permutations.")
    permutations: int = Field(description="Random permutations per sampled draw (0 when none was sampled).")
    markets: float = Field(description="The asset markets' contribution.")
    baseline: float = Field(
        description="The loss with no failure and no asset move (0 on a solvent network)."
    )
    standard_error: float = Field(description="The largest sampling error of a contribution (0 when exact).")
    columns: int = Field(description="Coalitions evaluated.")


class RunResults(_Read):
    """Every figure of a finished run (``results.json``)."""

    engine: str
    scenario: str
    seed: int
    contagion: dict[str, JsonValue] = Field(description="The scenario's contagion model and settings.")
    network: NetworkSummary
    system: SystemMetrics
    pool: Pool
    institutions: tuple[InstitutionResult, ...]
    deployments: tuple[DeploymentResult, ...]
    providers: tuple[ProviderResult, ...]
    attribution: Attribution | None = Field(None, description="Absent for runs before engine custos-risk/4.")
    convergence: Convergence
    insurance_capacity: float | None = None
    linchpins: tuple[str, ...] = Field(description="The uninsurable linchpins, by id.")
    graph: dict[str, list[list[str]]] | None = Field(
        None, description="The network chart's nodes and edges (hosting, deployment, interbank)."
    )
    precision: PrecisionResult | None = Field(
        None, description="The rounds of a run drawn to a target error (precision.target_se)."
    )
    fire_sales: dict[str, JsonValue] | None = Field(
        None,
        description="The fire sale's method, its asset classes' holdings and price changes, each "
        "institution's second-round loss and the rounds' convergence; absent when the scenario has none.",
    )


class FailedUnit(_Read):
    """A provider or model in a reverse stress test's failure set."""

    id: str
    name: str
    layer: Literal["compute", "model"]


class FailureSetView(_Read):
    """A set of failures and the system loss it causes, in the network's currency."""

    units: tuple[FailedUnit, ...]
    loss: float


class ReverseStressView(_Read):
    """The fewest provider or model failures whose system loss reaches a threshold, and how that
    was found (``method``: exhaustive over the candidates, or greedy, an upper bound)."""

    scenario: str
    network: NetworkSummary
    threshold: float = Field(description="In the network's currency.")
    method: Literal["exhaustive", "greedy", "none"]
    explanation: str = Field(description="The method, stated.")
    size: int | None = Field(description="The smallest breaching size found; null when nothing breaches.")
    sets: tuple[FailureSetView, ...] = Field(description="Breaching sets of that size, largest loss first.")
    breaching: int = Field(description="How many sets of that size were found to breach.")
    candidates: tuple[FailedUnit, ...] = Field(description="The units searched exhaustively, by loss alone.")
    max_size: int
    evaluated: int = Field(description="Failure sets whose loss was computed.")
    baseline: float = Field(description="The loss with nothing failing: the mean asset moves alone.")
    worst: FailureSetView = Field(description="The largest loss of the largest set tried.")
    asset_moves: str = Field(description="How asset prices move in every set.")
