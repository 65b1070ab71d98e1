"""The demonstration's continuous monitoring: every decision-critical deployment above the
licensing exposure enrolled (so the baseline duty is answered), two hours of each deployment's
telemetry to build its baseline while seeding, and, once the dashboard is served, the last half
hour replayed fifteen times faster than real time with the busiest host failing ten simulated
minutes in: the Monitoring page shows the outage, and the systemic alert it raises, within
seconds of its first minute.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from datetime import timedelta

from custos.access.model import Principal
from custos.access.service import operator
from custos.core import units
from custos.monitoring import otlp
from custos.monitoring.model import Enrolled
from custos.monitoring.service import MonitoringService
from custos.monitoring.simulation import Minute, Outage, Simulated, busiest_host, day
from custos.store import Store
from custos.store.policy_views import ObligationQuery

#: Minutes of history sent while seeding, ending this many minutes before the live replay.
HISTORY, LIVE = 120, 30
#: When the host fails in the live replay (minutes in), for how long, and the replay's pace.
OUTAGE_AFTER, OUTAGE_MINUTES, SPEED = 10, 15, 15.0
#: The baseline duty an enrolment answers.
DUTY = "continuous-monitoring"


def _simulated(service: MonitoringService) -> list[Simulated]:
    return [
        Simulated(d.id, d.deployer_id, d.model_id, d.host_id, d.exposure_eur)
        for d in service.world.deployments().values()
    ]


def _send(service: MonitoringService, by: Principal, minutes: Iterable[Minute], pace: float | None) -> int:
    """Each minute's requests through the service; at ``pace`` simulated seconds a second."""
    sent, started = 0, time.monotonic()
    for number, minute in enumerate(minutes):
        if pace is not None:
            time.sleep(max(0.0, started + number * 60 / pace - time.monotonic()))
        for body in minute.requests.values():
            service.ingest(body, otlp.PROTOBUF, by=by)
        sent += minute.points
    return sent


def seed_monitoring(store: Store, by: Principal, say: Callable[[str], None]) -> None:
    """Enrol the deployments the baseline asks it of, and send two hours of telemetry."""
    from custos.policy.service import PolicyService

    service = MonitoringService(store)
    until = store.clock.now().date() + timedelta(days=365)
    everything = PolicyService(store).obligations(by, ObligationQuery(pack="custos-baseline"), limit=100_000)
    owed = [o for o in everything if o.key.endswith(f"/{DUTY}") and o.status == "open"]
    for obligation in owed:
        enrolment = Enrolled(
            deployment_id=obligation.subject_id,
            figures=("availability", "error_rate", "latency_p95"),
            valid_until=until,
        )
        service.enrol(enrolment, by=by)
    end = int(store.clock.now().timestamp()) // 60 * 60 - LIVE * 60
    points = _send(service, by, day(_simulated(service), end - HISTORY * 60, HISTORY, None), None)
    service.close()
    say(
        f"Continuous monitoring: {units.count(len(owed))} deployments enrolled; {units.count(points)} points "
        f"of telemetry over {HISTORY} minutes build each deployment's baseline."
    )


def start_live_outage(opened: Callable[[], Store]) -> threading.Thread:
    """Replay the last half hour in the background on a store of its own (``opened``), the
    busiest host failing ten minutes in."""

    def replay() -> None:
        store = opened()
        try:
            service, by = MonitoringService(store), operator(store)
            deployments = _simulated(service)
            start = int(time.time()) // 60 * 60 - LIVE * 60
            outage = Outage(busiest_host(deployments), start + OUTAGE_AFTER * 60, OUTAGE_MINUTES)
            try:
                _send(service, by, day(deployments, start, LIVE, outage), SPEED)
            finally:
                service.close()
        finally:
            store.close()

    thread = threading.Thread(target=replay, name="custos-demo-telemetry", daemon=True)
    thread.start()
    return thread
