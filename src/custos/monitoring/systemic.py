"""The systemic check: run after a request changed any deployment's state, it groups the
deployments degraded within one window by what they share and files a systemic alert for the
groups that qualify (``correlation.systemic``).

One outage is one alert. The same degraded deployments fall in several groups at once (a host's
deployments also share a sector, often a model), so the qualifying groups are taken from the
least likely by chance, the sharpest explanation, and a group is passed over when it has an open
alert already, or when most of its degraded deployments fall in a group that has one (filed now,
or open): a host's outage, alerted with its first few firms, is not blamed again on the models
and the sector of the deployments that fail after them.

A group that shares a model or a version has someone answerable: its alert opens an incident
about the model (a hazard, OECD 2024: the disruption could plausibly lead to harm; a supervisor
confirms or raises it), owned by the model's provider, and holds every active rollout of a
licence for the model, since promoting a model while it fails across firms is what a rollout's
gates exist to stop. A host's alert opens an incident about the models its failing deployments
run, owned by the host, and holds nothing: the models are not at fault. The incident is shared
with peers as every incident is (``federation.notices``). A sector has no one answerable: its
alert informs supervisors and opens nothing. A group's alert is cleared when fewer than
``min_deployments`` of the group's deployments are still degraded.

The window is read in the telemetry's own time, from the newest onset back, so a replayed day
groups as it happened.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from custos.access.filer import file_as
from custos.access.model import OPERATOR_ID
from custos.core import units
from custos.core.clock import Clock
from custos.filings import Filing
from custos.licensing.rollout import ROLLOUT_HELD
from custos.monitoring.alerts import MONITOR, utc
from custos.monitoring.chance import window_rate
from custos.monitoring.correlation import (
    GROUPINGS,
    Group,
    Onset,
    Watched,
    first_onsets,
    group_key,
    groups,
    systemic,
)
from custos.monitoring.model import (
    MONITOR_ALERT_CLEARED,
    MONITOR_SYSTEMIC_ALERT,
    AlertCleared,
    Member,
    SystemicAlert,
    Thresholds,
)
from custos.monitoring.world import Deployment
from custos.oversight.model import INCIDENT_REPORTED
from custos.registry.telemetry import BY_FIGURE, Figure
from custos.store import Connection, UnitOfWork
from custos.store import filing_views as fv
from custos.store import licensing_views as lv
from custos.store import monitoring_views as mv

#: The interval a deployment is assumed to report at when it has not enrolled (a minute).
DEFAULT_INTERVAL = 60


def group_name(
    group_by: str, key: str, deployments: Mapping[str, Deployment], names: Mapping[str, str]
) -> str:
    """What a person calls the group: the model's, host's or sector's name."""
    if group_by in ("model", "version"):
        model_id, _, version = key.partition("@")
        model = next((d.model_name for d in deployments.values() if d.model_id == model_id), model_id)
        return f"{model} {version}".strip()
    if group_by == "host":
        return names.get(key, key)
    return key.replace("_", " ")


def onsets_of(states: Sequence[Mapping[str, Any]]) -> list[Onset]:
    """Each degraded series' onset: its deployment, figure, first degraded point and alert."""
    return [
        Onset(s["deployment_id"], BY_FIGURE[Figure(s["figure"])].key, int(s["since"]), s["alert_id"])
        for s in states
        if s["degraded"] and s["alert_id"]
    ]


def _answerable(group: Group, first: Deployment) -> str:
    """Who owns a group's alert: the model's provider, the host, or (a sector) the installation."""
    if group.group_by == "host":
        return group.key
    return OPERATOR_ID if group.group_by == "sector" else first.provider_id


def _subject(group: Group) -> str:
    return group.key.partition("@")[0] if group.group_by == "version" else group.key


class SystemicCheck:
    def __init__(
        self,
        deployments: Mapping[str, Deployment],
        names: Mapping[str, str],
        settings: Thresholds,
        intervals: Mapping[str, int],
        clock: Clock,
    ) -> None:
        self.deployments, self.names, self.settings = deployments, names, settings
        self.intervals, self.clock = intervals, clock

    def watched(
        self, histories: Mapping[str, tuple[int, int]], served: Mapping[str, tuple[Any, ...]]
    ) -> dict[str, Watched]:
        """Every deployment with telemetry, with its base rate over a window.

        A deployment's onsets are its episodes, not its figures: an outage that takes five of its
        figures out at once is one onset. So its history is the largest onsets and points over
        its figures, less the onset now in the window, which is what is being judged
        (``monitoring_views.histories``)."""
        ids = [d for d in histories if d in self.deployments]
        counts = np.array([histories[d] for d in ids], dtype=np.int64).reshape(-1, 2)
        window = self.settings.window_minutes * 60
        rates = np.zeros(len(ids))
        spans = np.array([window / self.intervals.get(d, DEFAULT_INTERVAL) for d in ids])
        for span in np.unique(spans):
            chosen = spans == span
            rates[chosen] = window_rate(counts[chosen, 0], counts[chosen, 1], float(span))
        found = {}
        for deployment_id, rate in zip(ids, rates.tolist(), strict=True):
            deployment = self.deployments[deployment_id]
            version = served.get(deployment_id, (None, None, 0))[1]
            found[deployment_id] = Watched(
                deployment_id=deployment_id,
                deployer_id=deployment.deployer_id,
                model_id=deployment.model_id,
                version=version,
                host_id=deployment.host_id,
                sector=deployment.sector,
                exposure_eur=deployment.exposure_eur,
                rate=rate,
            )
        return found

    def now(self, conn: Connection, states: Sequence[Mapping[str, Any]]) -> list[Group]:
        """The groups of every deployment degraded now, however long ago each began (the
        alerts judged each window as it came): the system view's."""
        onsets = onsets_of(states)
        if not onsets:
            return []
        start = min(o.since for o in onsets)
        return groups(self.watched(mv.histories(conn, start), mv.served(conn)), first_onsets(onsets, start))

    def run(self, uow: UnitOfWork) -> list[Filing]:
        conn = uow.conn
        onsets = onsets_of(mv.states_of(conn, None, degraded_only=True))
        served = mv.served(conn)
        degraded = {o.deployment_id for o in onsets}
        filed = self._clear(uow, degraded, served)
        if not onsets:
            return filed
        window_start = max(o.since for o in onsets) - self.settings.window_minutes * 60
        watched = self.watched(mv.histories(conn, window_start), served)
        found = groups(watched, first_onsets(onsets, window_start))
        alerted = {(a["group_by"], a["group_key"]) for a in mv.alerts(conn, kind="systemic", open_only=True)}
        qualifying = systemic(
            found, min_deployments=self.settings.min_deployments, chance=self.settings.chance
        )
        for group in sorted(qualifying, key=lambda g: (g.chance, GROUPINGS.index(g.group_by))):
            explained = sum(1 for o in group.onsets if self._in_alerted(o.deployment_id, alerted, served))
            if (group.group_by, group.key) in alerted or 2 * explained > len(group.onsets):
                continue  # the outage has its alert: most of these deployments fall in its group
            filed.extend(self._raise(uow, group, watched, window_start))
            alerted.add((group.group_by, group.key))
        return filed

    def _key(self, deployment_id: str, group_by: str, served: Mapping[str, tuple[Any, ...]]) -> str | None:
        deployment = self.deployments[deployment_id]
        version = served.get(deployment_id, (None, None, 0))[1]
        return group_key(group_by, deployment.model_id, version, deployment.host_id, deployment.sector)

    def _in_alerted(
        self, deployment_id: str, alerted: set[tuple[str, str]], served: Mapping[str, tuple[Any, ...]]
    ) -> bool:
        """Whether the deployment falls in a group with an open systemic alert."""
        return any(self._key(deployment_id, group_by, served) == key for group_by, key in alerted)

    def _content(self, uow: UnitOfWork, alert: Mapping[str, Any]) -> dict[str, Any]:
        subject = (
            alert["group_key"].partition("@")[0] if alert["group_by"] == "version" else alert["group_key"]
        )
        filed = fv.contents(uow.conn, [subject], [MONITOR_SYSTEMIC_ALERT.name])
        return next(f.content for f in filed if f.id == alert["id"])

    def _raise(
        self, uow: UnitOfWork, group: Group, watched: Mapping[str, Watched], window_start: int
    ) -> list[Filing]:
        members = [self.deployments[o.deployment_id] for o in group.onsets]
        models = sorted({m.model_id for m in members}, key=lambda m: (m != _subject(group), m))[:50]
        incident = None
        held: list[Filing] = []
        name = group_name(group.group_by, group.key, self.deployments, self.names)
        if group.group_by != "sector":
            owner = _answerable(group, members[0])
            incident = file_as(
                MONITOR,
                INCIDENT_REPORTED,
                {
                    "model_ids": models,
                    "deployment_ids": [m.id for m in members][:200],
                    "severity": "hazard",
                    "occurred_at": utc(min(o.since for o in group.onsets)).isoformat(),
                    "discovered_at": self.clock.now().isoformat(),
                    "reporter_role": "supervisor",
                    "summary": (
                        f"Continuous monitoring: {len(members)} deployments of {group.institutions} "
                        f"institutions sharing the {group.group_by} {name} degraded within "
                        f"{self.settings.window_minutes} minutes; the chance of so many together by "
                        f"chance is {units.scientific(group.chance)}."
                    ),
                },
                owner=owner,
                subject=models[0],
                clock=self.clock,
                jurisdiction=members[0].jurisdiction,
            )
            if group.group_by in ("model", "version"):
                reason = f"{name} degrading across {len(members)} deployments"
                held = self._hold(uow, set(models), reason, members[0].jurisdiction)
        alert = file_as(
            MONITOR,
            MONITOR_SYSTEMIC_ALERT,
            SystemicAlert(
                group_by=group.group_by,
                group=group.key,
                group_name=name,
                window_start=utc(window_start),
                members=tuple(
                    Member(
                        deployment_id=o.deployment_id,
                        deployer_id=self.deployments[o.deployment_id].deployer_id,
                        figure=o.figure,
                        first_degraded_at=utc(o.since),
                        alert_id=o.alert_id,
                        base_rate=watched[o.deployment_id].rate,
                        exposure_eur=self.deployments[o.deployment_id].exposure_eur,
                    )
                    for o in group.onsets
                ),
                deployments=len(group.onsets),
                institutions=group.institutions,
                watched=group.watched,
                exposure_eur=group.exposure_eur,
                chance=group.chance,
                incident_id=incident.id if incident else None,
                rollouts_held=tuple(h.subject for h in held),
            ),
            owner=_answerable(group, members[0]),
            subject=_subject(group),
            clock=self.clock,
            jurisdiction=members[0].jurisdiction,
        )
        made = [*([incident] if incident else []), *held, alert]
        uow.file(*made)
        return made

    def _hold(self, uow: UnitOfWork, models: set[str], reason: str, jurisdiction: str) -> list[Filing]:
        held = []
        for licence in lv.in_force(uow.conn):
            if licence["model_id"] not in models or licence["status"] != "granted":
                continue
            rollout = lv.rollout(uow.conn, licence["id"])
            if rollout is None or rollout["status"] != "active":
                continue
            held.append(
                file_as(
                    MONITOR,
                    ROLLOUT_HELD,
                    {"stage": rollout["stage"], "reason": f"continuous monitoring: {reason}"},
                    owner=licence["applicant_id"],
                    subject=licence["id"],
                    clock=self.clock,
                    jurisdiction=jurisdiction,
                )
            )
        return held

    def _clear(
        self, uow: UnitOfWork, degraded: set[str], served: Mapping[str, tuple[Any, ...]]
    ) -> list[Filing]:
        """Clear each open systemic alert whose group has fewer than ``min_deployments``
        deployments still degraded (named in it or joined since)."""
        cleared = []
        for alert in mv.alerts(uow.conn, kind="systemic", open_only=True):
            group_by, key = alert["group_by"], alert["group_key"]
            if (
                sum(1 for d in degraded if self._key(d, group_by, served) == key)
                >= self.settings.min_deployments
            ):
                continue
            first = self.deployments[self._content(uow, alert)["members"][0]["deployment_id"]]
            cleared.append(
                file_as(
                    MONITOR,
                    MONITOR_ALERT_CLEARED,
                    AlertCleared(alert_id=alert["id"], recovered_at=self.clock.now()),
                    owner=alert["organisation_id"],
                    subject=key.partition("@")[0],
                    clock=self.clock,
                    jurisdiction=first.jurisdiction,
                )
            )
        uow.file(*cleared)
        return cleared
