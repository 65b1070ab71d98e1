"""Shapley attribution of the expected shortfall to the failures and the asset markets.

A supervisor asks who stands behind the tail: the loss of a draw is not a sum of parts once
contagion defaults an institution that no single failure would, so shares in proportion to
direct losses misstate it. Each tail draw of the capital level is a cooperative game: its players
are the failure units that failed in it, and the asset markets (its asset moves) as one player
when they moved; v(S) is the system loss when only the units in S fail and the assets move only
if the markets are in S. A player's Shapley value averages its marginal loss over every order in
which the players could join, so the values add up to v(all) − v(∅) (efficiency), give two
interchangeable players the same (symmetry) and a player that changes no loss nothing (null
player). v(∅), no failure and no move, is the network's baseline loss: zero on any network whose
balance sheets are solvent as given (``network_build`` refuses negative equity); it is computed
and reported, never assumed. A unit's contribution is the mean of its values over the tail draws,
so the contributions and the markets' add up to the expected shortfall less the baseline.

Cost, and the budget that bounds it. A game of m players has 2^m coalitions, each a column of one
vectorised :func:`~custos.risk.engine.simulate.propagate` call, and a column costs what a draw
costs. The attribution may evaluate ``max(draws × BUDGET_SHARE, MIN_BUDGET)`` columns, so it takes
about a third of a run's time however large the network. Shared equally among the tail draws, a
draw whose 2^m coalitions fit its share is exact; the others take p random permutations each
(Castro, Gómez & Tejada 2009, *Polynomial calculation of the Shapley value based on sampling*), p
the same for every such draw, fitted to what the exact draws leave of the budget and held between
``MIN_PERMUTATIONS`` and ``MAX_PERMUTATIONS`` (so a tail of many players may exceed the budget by
what two permutations cost), drawn from a generator seeded by the scenario's seed and the draw
number, so a run's attribution is reproducible wherever its chunks ran. Each permutation's
marginal losses add up to v(all) − v(∅), so sampled values keep efficiency exactly; their standard
error (the marginals' standard deviation over √p, combined over the tail draws) is reported.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from custos.risk.engine.montecarlo import Aggregate, chunk_seeds, tail_size
from custos.risk.engine.network import Network
from custos.risk.engine.plan import Plan
from custos.risk.engine.simulate import draw_shocks, propagate

#: The attribution may evaluate this share of the run's draws as coalitions (columns) ...
BUDGET_SHARE = 0.5
#: ... and at least this many, so that a short run's tail is not starved.
MIN_BUDGET = 4096
#: Permutations per sampled draw, whatever the budget: two are the fewest a standard error can be
#: estimated from; more than the most would spend budget where the error is already small.
MIN_PERMUTATIONS = 2
MAX_PERMUTATIONS = 1000
#: Keeps the permutations' generator apart from the chunks' (which spawn from the bare seed).
PERMUTATION_DOMAIN = 0x5348_4150  # "SHAP"


@dataclass(frozen=True)
class Attribution:
    """The capital level's expected shortfall shared out by Shapley values."""

    units: np.ndarray  # (units,) each failure unit's mean Shapley value over the tail draws
    markets: float  # the asset markets' mean Shapley value
    baseline: float  # v(∅): the loss with no failure and no asset move
    standard_error: np.ndarray  # (units + 1,) sampling error of each contribution (0 where exact)
    draws: int  # tail draws attributed
    exact_draws: int
    sampled_draws: int
    permutations: int  # per sampled draw (0 when none was sampled)
    subsets: int  # the most coalitions a draw could take exactly: its share of the budget
    columns: int  # coalitions evaluated

    def summary(self) -> dict[str, object]:
        """What a run's metrics record of it: the method named, so a reader knows which allocation."""
        sampled = (
            f"; above it {self.permutations} random permutations per draw (Castro, Gómez & Tejada "
            "2009), seeded by the scenario's seed and the draw"
            if self.sampled_draws
            else ""
        )
        return {
            "method": "Shapley values of each tail draw's game (the failed units and the asset "
            f"markets as players), averaged over the tail: exact when a draw's coalitions number at "
            f"most {self.subsets:,}{sampled}",
            "draws": self.draws,
            "exact_draws": self.exact_draws,
            "sampled_draws": self.sampled_draws,
            "permutations": self.permutations,
            "markets": self.markets,
            "baseline": self.baseline,
            "standard_error": float(self.standard_error.max(initial=0.0)),
            "columns": self.columns,
        }


def tail_shocks(plan: Plan, network: Network, draws: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The failures and asset moves of the given draws (columns, in the order given), drawn again
    exactly as :func:`~custos.risk.engine.simulate.simulate_chunk` drew them: each needed chunk is
    drawn once from its own seed and the draws are picked from it."""
    seeds = chunk_seeds(plan)
    failed = np.zeros((plan.forced.size, draws.size), dtype=bool)
    moves = np.zeros((len(network.institutions), draws.size))
    chunks = draws // plan.chunk_size
    for chunk in np.unique(chunks):
        rng = np.random.Generator(np.random.PCG64(seeds[int(chunk)]))
        chunk_failed, chunk_moves = draw_shocks(plan, network, rng, plan.chunk_draws(int(chunk)))
        here = np.flatnonzero(chunks == chunk)
        columns = draws[here] - int(chunk) * plan.chunk_size
        failed[:, here], moves[:, here] = chunk_failed[:, columns], chunk_moves[:, columns]
    return failed, moves


@dataclass(frozen=True)
class _Game:
    """One draw's game: who plays, and the coalitions to evaluate as rows of membership."""

    draw: int
    players: np.ndarray  # unit indices; the markets, when they play, are the last player
    markets: bool
    coalitions: np.ndarray  # (columns, players) bool
    order: np.ndarray | None  # (permutations, players) when sampled, else None (exact)


def _exact_coalitions(players: int) -> np.ndarray:
    masks = np.arange(2**players)
    return ((masks[:, None] >> np.arange(players)) & 1).astype(bool)


def _permutation_coalitions(order: np.ndarray) -> np.ndarray:
    """Every permutation's prefixes of one to all players, permutation by permutation."""
    permutations, players = order.shape
    joined = np.empty((permutations, players, players), dtype=bool)
    rank = np.empty_like(order)
    rank[np.arange(permutations)[:, None], order] = np.arange(players)
    # prefix j (j + 1 players) holds the players whose rank is at most j
    joined[:] = rank[:, None, :] <= np.arange(players)[None, :, None]
    return joined.reshape(permutations * players, players)


def _exact_values(values: np.ndarray, coalitions: np.ndarray) -> np.ndarray:
    """Shapley values from v over every coalition (row k is the coalition of bit mask k)."""
    players = coalitions.shape[1]
    masks = np.arange(2**players)
    sizes = coalitions.sum(axis=1)
    # the weight of a coalition of s players that one more joins: s! (m − s − 1)! / m!
    weight = np.array(
        [
            math.factorial(s) * math.factorial(players - s - 1) / math.factorial(players)
            for s in range(players)
        ]
    )
    phi = np.empty(players)
    for player in range(players):
        without = masks[(masks >> player) & 1 == 0]
        phi[player] = (weight[sizes[without]] * (values[without | (1 << player)] - values[without])).sum()
    return phi


def _sampled_values(values: np.ndarray, order: np.ndarray, empty: float) -> tuple[np.ndarray, np.ndarray]:
    """Mean marginal losses and their standard errors from each permutation's prefix values."""
    permutations, players = order.shape
    prefix = values.reshape(permutations, players)
    marginal_in_order = np.diff(np.hstack([np.full((permutations, 1), empty), prefix]), axis=1)
    marginal = np.empty_like(marginal_in_order)
    marginal[np.arange(permutations)[:, None], order] = marginal_in_order
    error = marginal.std(axis=0, ddof=1) / math.sqrt(permutations)
    return marginal.mean(axis=0), error


def _batches(games: Iterable[_Game], columns: int) -> Iterator[list[_Game]]:
    """Games in runs of about ``columns`` coalitions: one ``propagate`` call each."""
    batch: list[_Game] = []
    size = 0
    for game in games:
        if batch and size + game.coalitions.shape[0] > columns:
            yield batch
            batch, size = [], 0
        batch.append(game)
        size += game.coalitions.shape[0]
    if batch:
        yield batch


def _evaluate(
    plan: Plan, network: Network, batch: list[_Game], moves: dict[int, np.ndarray]
) -> list[np.ndarray]:
    """v of every coalition of the games in ``batch``, in one ``propagate`` call."""
    total = sum(game.coalitions.shape[0] for game in batch)
    failed = np.zeros((plan.forced.size, total), dtype=bool)
    asset_move = np.zeros((len(network.institutions), total))
    start = 0
    for game in batch:
        rows = game.coalitions
        stop = start + rows.shape[0]
        units = game.players.size
        failed[game.players[:, None], np.arange(start, stop)[None, :]] = rows[:, :units].T
        if game.markets:
            joined = np.flatnonzero(rows[:, -1])
            asset_move[:, start + joined] = moves[game.draw][:, None]
        start = stop
    system = propagate(plan, network, failed, asset_move).system
    return np.split(system, np.cumsum([game.coalitions.shape[0] for game in batch])[:-1])


def budget(plan: Plan, network: Network) -> int:
    """The coalitions the attribution may evaluate in all (see the module's docstring). A column
    costs what a draw costs, so this keeps the attribution to about a third of a run's time."""
    return max(int(plan.draws * BUDGET_SHARE), MIN_BUDGET)


def _games(
    plan: Plan,
    draws: np.ndarray,
    failed: np.ndarray,
    moves: np.ndarray,
    exact_players: int,
    permutations: int,
) -> Iterator[_Game]:
    """Each tail draw's game, built as it is evaluated so that only one batch's coalitions are held."""
    for column, draw in enumerate(draws):
        players = np.flatnonzero(failed[:, column])
        markets = bool(np.any(moves[:, column] != 0))
        count = players.size + markets
        if count <= exact_players:
            yield _Game(int(draw), players, markets, _exact_coalitions(count), None)
            continue
        rng = np.random.default_rng(np.random.SeedSequence((plan.seed, PERMUTATION_DOMAIN, int(draw))))
        order = np.vstack([rng.permutation(count) for _ in range(permutations)])
        yield _Game(int(draw), players, markets, _permutation_coalitions(order), order)


def shapley_attribution(plan: Plan, network: Network, run: Aggregate, level: float) -> Attribution:
    """Share the expected shortfall at ``level`` out among the failure units and the asset markets."""
    draws = run.tail_draws[: tail_size(run.draws, level)].astype(np.int64)
    failed, moves = tail_shocks(plan, network, draws)
    units, institutions = plan.forced.size, len(network.institutions)
    empty = float(
        propagate(plan, network, np.zeros((units, 1), dtype=bool), np.zeros((institutions, 1))).system[0]
    )
    columns_allowed = budget(plan, network)
    exact_players = int(math.log2(max(columns_allowed // draws.size, 1)))
    players = failed.sum(axis=0) + np.any(moves != 0, axis=0)
    exact = players <= exact_players
    sampled = int((~exact).sum())
    left = columns_allowed - int((2 ** players[exact]).sum())
    permutations = (
        min(max(left // int(players[~exact].sum()), MIN_PERMUTATIONS), MAX_PERMUTATIONS) if sampled else 0
    )
    by_draw = {int(draw): moves[:, column] for column, draw in enumerate(draws)}
    phi = np.zeros((units + 1, draws.size))
    variance = np.zeros(units + 1)
    column = columns = 0
    games = _games(plan, draws, failed, moves, exact_players, permutations)
    for batch in _batches(games, plan.chunk_size):
        for game, values in zip(batch, _evaluate(plan, network, batch, by_draw), strict=True):
            seats = np.append(game.players, units) if game.markets else game.players
            if game.order is None:
                phi[seats, column] = _exact_values(values, game.coalitions)
            else:
                phi[seats, column], error = _sampled_values(values, game.order, empty)
                variance[seats] += error**2
            column += 1
            columns += game.coalitions.shape[0]
    mean = phi.mean(axis=1)
    return Attribution(
        units=mean[:units],
        markets=float(mean[units]),
        baseline=empty,
        standard_error=np.sqrt(variance) / draws.size,
        draws=int(draws.size),
        exact_draws=int(draws.size) - sampled,
        sampled_draws=sampled,
        permutations=permutations,
        subsets=2**exact_players,
        columns=columns,
    )
