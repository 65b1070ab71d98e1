"""Correlated degradation: deployments that share a model, a model version, a host or a sector and
degrade within the same window, and how unlikely it is that so many do so by chance.

No single firm sees this: each sees its own deployment fail. Grouping every watched deployment by
what it shares, the supervisor sees twenty institutions on one host degrade in the same ten
minutes. Whether that is news depends on the group: among a thousand flaky deployments three
failures a window are ordinary, among fifty steady ones they are not. So each group's count is
set against its members' own base rates (each deployment's chance of an onset within a window,
from its history, ``chance.window_rate``): the chance that at least this many of the group's
watched deployments degrade in one window, were they independent, is the Poisson-binomial upper
tail (``chance.at_least``). A tiny chance says the failures share a cause.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from custos.monitoring.chance import at_least
from custos.monitoring.model import GroupBy

GROUPINGS: tuple[GroupBy, ...] = ("model", "version", "host", "sector")


@dataclass(frozen=True)
class Watched:
    """A deployment whose telemetry arrives, with what it shares with others."""

    deployment_id: str
    deployer_id: str
    model_id: str
    version: str | None
    host_id: str | None
    sector: str
    exposure_eur: float | None
    rate: float  # its chance of an onset within one window, from its own history

    def key(self, group_by: GroupBy) -> str | None:
        """The group this deployment falls in under ``group_by`` (None: it shares nothing there)."""
        return group_key(group_by, self.model_id, self.version, self.host_id, self.sector)


def group_key(
    group_by: str, model_id: str, version: str | None, host_id: str | None, sector: str
) -> str | None:
    """A deployment's group under ``group_by``: its model, model@version, host or sector (None
    where it names no version or host)."""
    if group_by == "model":
        return model_id
    if group_by == "version":
        return f"{model_id}@{version}" if version else None
    if group_by == "host":
        return host_id
    return sector


@dataclass(frozen=True)
class Onset:
    """A deployment's first degraded figure in the window."""

    deployment_id: str
    figure: str
    since: int  # unix seconds
    alert_id: str


@dataclass(frozen=True)
class Group:
    group_by: GroupBy
    key: str
    onsets: tuple[Onset, ...]
    watched: int
    institutions: int
    exposure_eur: float
    chance: float


def euros(amounts: Iterable[float | None]) -> float:
    """A sum of amounts in EUR, to the cent (a missing amount counts as none): float sums of
    cents drift in the last digit, which a reader should never see."""
    return round(math.fsum(amount or 0.0 for amount in amounts), 2)


def first_onsets(onsets: Iterable[Onset], window_start: int) -> list[Onset]:
    """Each deployment's earliest onset at or after ``window_start``."""
    first: dict[str, Onset] = {}
    for onset in onsets:
        if onset.since < window_start:
            continue
        held = first.get(onset.deployment_id)
        if held is None or (onset.since, onset.figure) < (held.since, held.figure):
            first[onset.deployment_id] = onset
    return sorted(first.values(), key=lambda o: (o.since, o.deployment_id))


def groups(watched: Mapping[str, Watched], onsets: Sequence[Onset]) -> list[Group]:
    """Every group with at least two onsets, by each grouping, the largest exposure first."""
    members: dict[tuple[GroupBy, str], list[str]] = defaultdict(list)
    for deployment in watched.values():
        for group_by in GROUPINGS:
            if (key := deployment.key(group_by)) is not None:
                members[(group_by, key)].append(deployment.deployment_id)
    hit: dict[tuple[GroupBy, str], list[Onset]] = defaultdict(list)
    for onset in onsets:
        found_deployment = watched.get(onset.deployment_id)
        if found_deployment is None:
            continue
        for group_by in GROUPINGS:
            if (key := found_deployment.key(group_by)) is not None:
                hit[(group_by, key)].append(onset)
    found = []
    for (group_by, key), degraded in hit.items():
        if len(degraded) < 2:
            continue
        rates = np.array([watched[d].rate for d in members[(group_by, key)]], dtype=np.float64)
        found.append(
            Group(
                group_by=group_by,
                key=key,
                onsets=tuple(degraded),
                watched=len(rates),
                institutions=len({watched[o.deployment_id].deployer_id for o in degraded}),
                exposure_eur=euros(watched[o.deployment_id].exposure_eur for o in degraded),
                chance=at_least(rates, len(degraded)),
            )
        )
    return sorted(found, key=lambda g: (-g.exposure_eur, g.group_by, g.key))


def systemic(found: Sequence[Group], *, min_deployments: int, chance: float) -> list[Group]:
    """The groups a supervisor is alerted to: enough deployments, more than one institution (one
    firm's own outage is its own incident), and too many together to be chance."""
    return [
        group
        for group in found
        if len(group.onsets) >= min_deployments and group.institutions >= 2 and group.chance < chance
    ]
