"""``custos monitor``: continuous monitoring of deployments from their telemetry, the alerts it
files and the outages it sees across firms.

Commands act as the installation's operator (a supervisor) on the local store, or with ``--url``
and ``--token`` as that token's actor through the installation's API, where the service decides
what the actor may see: a firm its own deployments and alerts, supervisors every firm's, the
systemic alerts and the system view. ``simulate`` replays a synthetic day of telemetry for the
local registry's deployments, in process or to an installation's OTLP endpoint.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

import typer

from custos.cli.context import open_store, state
from custos.cli.documents import read_document
from custos.cli.output import (
    JsonOption,
    commands,
    console,
    emit,
    figures_table,
    print_line,
    print_lines,
    show,
)
from custos.cli.parsing import day, terms
from custos.cli.remote import TokenOption, UrlOption, acting, connect, local_operator, remote
from custos.core import units
from custos.core.errors import InvalidInput

if TYPE_CHECKING:
    from custos.access.model import Principal
    from custos.monitoring.model import Enrolled, SummaryPublished, Thresholds
    from custos.monitoring.service import MonitoringService
    from custos.monitoring.simulation import Outage, Simulated
    from custos.monitoring.views import (
        AlertView,
        BoundView,
        DeploymentNow,
        EnrolmentView,
        SeriesView,
        SystemView,
    )
    from custos.monitoring.world import Deployment
    from custos.store import Store

app = commands("Continuous monitoring: telemetry from deployers, alerts, correlated outages across firms.")

#: A year of enrolment, the most the service accepts.
ENROLMENT_DAYS = 365
#: Characters in a series' sparkline.
SPARK_WIDTH = 60
SPARKS = "▁▂▃▄▅▆▇█"


class Monitoring(Protocol):
    """What the commands ask of an installation: the local service as the operator, or
    ``custos.client`` as the token's actor."""

    def monitoring_system(self) -> SystemView: ...
    def monitoring_deployments(self) -> list[DeploymentNow]: ...
    def monitoring_series(
        self, deployment_id: str, figure: str, *, start: datetime | None = None, end: datetime | None = None
    ) -> SeriesView: ...
    def monitoring_alerts(
        self, *, open_only: bool = False, kind: str | None = None, limit: int = 200
    ) -> list[AlertView]: ...
    def monitoring_enrol(self, enrolment: Enrolled) -> EnrolmentView: ...
    def monitoring_enrolments(self) -> list[EnrolmentView]: ...
    def monitoring_thresholds(self) -> Thresholds: ...
    def monitoring_bounds(self) -> list[BoundView]: ...
    def set_monitoring_thresholds(self, thresholds: Thresholds) -> Thresholds: ...
    def monitoring_summaries(self) -> list[SummaryPublished]: ...
    def publish_monitoring_summary(self, day: date) -> SummaryPublished: ...


class _Local:
    """The monitoring service on the local store, acting as the operator."""

    def __init__(self, store: Store, by: Principal) -> None:
        from custos.monitoring.service import MonitoringService

        self.by = by
        self.service: MonitoringService = MonitoringService(store)

    def monitoring_system(self) -> SystemView:
        return self.service.system(by=self.by)

    def monitoring_deployments(self) -> list[DeploymentNow]:
        return self.service.deployments(by=self.by)

    def monitoring_series(
        self, deployment_id: str, figure: str, *, start: datetime | None = None, end: datetime | None = None
    ) -> SeriesView:
        return self.service.series(deployment_id, figure, start=start, end=end, by=self.by)

    def monitoring_alerts(
        self, *, open_only: bool = False, kind: str | None = None, limit: int = 200
    ) -> list[AlertView]:
        return self.service.alerts(by=self.by, open_only=open_only, kind=kind, limit=limit)

    def monitoring_enrol(self, enrolment: Enrolled) -> EnrolmentView:
        return self.service.enrol(enrolment, by=self.by)

    def monitoring_enrolments(self) -> list[EnrolmentView]:
        return self.service.enrolments(by=self.by)

    def monitoring_thresholds(self) -> Thresholds:
        return self.service.thresholds()

    def monitoring_bounds(self) -> list[BoundView]:
        return self.service.bounds()

    def set_monitoring_thresholds(self, thresholds: Thresholds) -> Thresholds:
        return self.service.set_thresholds(thresholds, by=self.by)

    def monitoring_summaries(self) -> list[SummaryPublished]:
        return self.service.summaries()

    def publish_monitoring_summary(self, day: date) -> SummaryPublished:
        return self.service.publish_summary(day, by=self.by)


@contextmanager
def _acting(ctx: typer.Context, url: str | None, token: str | None) -> Iterator[Monitoring]:
    with acting(ctx, url, token, _Local) as found:
        yield found


# --- how figures read ------------------------------------------------------------------------


def _latency(seconds: float) -> str:
    """A time to answer: milliseconds below a second (320 ms), as a duration above."""
    return f"{units.number(seconds * 1000, 0)} ms" if seconds < 1 else units.seconds(seconds)


def _reading(unit: str, value: float | None) -> str:
    """A figure's value in its unit: ratios as percentages, seconds as latencies, requests counted."""
    if value is None:
        return units.MISSING
    if unit == "1":
        return units.percent(value)
    if unit == "s":
        return _latency(value)
    return f"{units.count(value)} requests"


def _eur(amount: float | None) -> str:
    return units.money(amount, "EUR")


def _moment(value: str | None, option: str) -> datetime | None:
    """The moment ``option`` names (UTC when no zone is given), or None when it was left out."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(
            f"{option} takes a moment as YYYY-MM-DDTHH:MM (UTC unless a zone is given), not {value!r}"
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def sparkline(values: Sequence[float], width: int = SPARK_WIDTH) -> str:
    """The series in one line of block characters, lowest to highest, each the mean of its share of
    the points when there are more points than characters."""
    if not values:
        return ""
    step = max(1, -(-len(values) // width))
    means = [sum(chunk) / len(chunk) for chunk in (values[i : i + step] for i in range(0, len(values), step))]
    low, high = min(means), max(means)
    if high == low:
        return SPARKS[0] * len(means)
    top = len(SPARKS) - 1
    return "".join(SPARKS[round((m - low) / (high - low) * top)] for m in means)


# --- reads -----------------------------------------------------------------------------------


@app.command()
def status(
    ctx: typer.Context,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """The system view now: deployments watched and degraded, the exposure affected by provider,
    host and model, and the groups degrading together with the chance of that by coincidence."""
    with _acting(ctx, url, token) as monitoring:
        found = monitoring.monitoring_system()
    show(found, as_json, _system)


def _system(view: SystemView) -> None:
    share = units.percent(view.affected_eur / view.exposure_eur) if view.exposure_eur else units.MISSING
    for line in (
        f"As of {units.timestamp(view.as_of)}: {units.count_of(view.watched, 'deployment')} watched at "
        f"{units.count_of(view.institutions, 'institution')}, {units.count(view.degraded)} degraded.",
        f"Exposure affected: {_eur(view.affected_eur)} of {_eur(view.exposure_eur)} ({share}).",
        f"Open alerts: {units.count(view.open_alerts)}; "
        f"open systemic alerts: {units.count(view.open_systemic_alerts)}.",
    ):
        console.print(line, highlight=False, soft_wrap=True)
    for title, column, rows in (
        ("By provider", "provider", view.by_provider),
        ("By host", "host", view.by_host),
        ("By model", "model", view.by_model),
    ):
        if rows:
            figures_table(
                [
                    {
                        column: row.name,
                        "deployments": units.count(row.deployments),
                        "degraded": units.count(row.degraded),
                        "exposure": _eur(row.exposure_eur),
                        "affected": _eur(row.affected_eur),
                    }
                    for row in rows
                ],
                [column, "deployments", "degraded", "exposure", "affected"],
                title,
                ["deployments", "degraded", "exposure", "affected"],
            )
    if view.groups:
        figures_table(
            [
                {
                    "shared": f"{group.group_by} {group.name}",
                    "degraded": f"{units.count(group.degraded)} of {units.count(group.watched)}",
                    "institutions": units.count(group.institutions),
                    "exposure": _eur(group.exposure_eur),
                    "chance": units.scientific(group.chance),
                }
                for group in view.groups
            ],
            ["shared", "degraded", "institutions", "exposure", "chance"],
            "Degrading together (chance: of so many at once, were they independent)",
            ["degraded", "institutions", "exposure", "chance"],
        )


@app.command()
def deployments(
    ctx: typer.Context,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Each watched deployment as its figures stand: a firm its own, supervisors every firm's."""
    with _acting(ctx, url, token) as monitoring:
        found = monitoring.monitoring_deployments()
    print_lines(found, as_json, "no deployment has sent telemetry you may read", _deployment_line)


def _deployment_line(panel: DeploymentNow) -> str:
    """A deployment on one line (a table of seven columns folds its names at 80 columns): its
    id, name and deployer, three figures, and what degraded since when."""
    now = {figure.figure: figure for figure in panel.figures}
    shown = [
        f"{label} {_reading(now[key].unit, now[key].value)}"
        for key, label in (("availability", "availability"), ("error_rate", "errors"), ("latency_p95", "p95"))
        if key in now
    ]
    degraded = [f for f in panel.figures if f.degraded]
    since = min((f.since for f in degraded if f.since), default=None)
    state = (
        f"DEGRADED ({', '.join(f.figure for f in degraded)})"
        + (f" since {units.timestamp(since)}" if since else "")
        if degraded
        else "healthy"
    )
    return f"{panel.deployment_id}  {panel.name} ({panel.deployer_name}): {', '.join(shown)}; {state}"


@app.command()
def series(
    ctx: typer.Context,
    deployment: str = typer.Argument(..., help="The deployment's id."),
    figure: str = typer.Argument(..., help="availability, error_rate, latency_p50, latency_p95, ..."),
    start: str | None = typer.Option(
        None, "--start", help="From, YYYY-MM-DDTHH:MM UTC (a day before --end)."
    ),
    end: str | None = typer.Option(None, "--end", help="To, YYYY-MM-DDTHH:MM UTC (now)."),
    rows: int = typer.Option(
        60, "--rows", min=1, help="The newest points shown in the table (--json gives all)."
    ),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """One figure of one deployment over a span, at the finest resolution that keeps it small: a
    sparkline of the whole span and a table of the newest points."""
    given_start, given_end = _moment(start, "--start"), _moment(end, "--end")
    with _acting(ctx, url, token) as monitoring:
        found = monitoring.monitoring_series(deployment, figure, start=given_start, end=given_end)
    show(found, as_json, lambda view: _series(view, rows))


def _series(view: SeriesView, rows: int) -> None:
    console.print(
        f"{view.figure} of {view.deployment_id}, "
        f"{units.timestamp(view.start)} to {units.timestamp(view.end)}: "
        f"{units.count(len(view.points))} points ({view.resolution})",
        highlight=False,
        soft_wrap=True,
    )
    if not view.points:
        return
    console.print(sparkline([p.value for p in view.points]), highlight=False, soft_wrap=True)
    shown = view.points[-rows:] if rows > 0 else ()
    if len(shown) < len(view.points):
        console.print(f"the newest {units.count(len(shown))}:", highlight=False)
    figures_table(
        [
            {
                "at": units.timestamp(p.at),
                "value": _reading(view.unit, p.value),
                "min": _reading(view.unit, p.min),
                "max": _reading(view.unit, p.max),
            }
            for p in shown
        ],
        ["at", "value", "min", "max"],
        None,
        ["value", "min", "max"],
    )


@app.command()
def alerts(
    ctx: typer.Context,
    open_only: bool = typer.Option(False, "--open", help="Only alerts not cleared."),
    kind: str | None = typer.Option(None, "--kind", help="Only `alert` (a deployment's) or `systemic`."),
    limit: int = typer.Option(200, "--limit", help="At most this many, newest first (1 to 1,000)."),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Alerts, newest first, one a line: a firm its own deployments', supervisors every alert and
    the systemic ones. Each alert's evidence is in its filing (`GET /v1/filings/{id}`)."""
    if not 1 <= limit <= 1000:
        raise InvalidInput(f"--limit takes 1 to 1,000, not {limit}")
    if kind not in (None, "alert", "systemic"):
        raise InvalidInput(f"--kind takes alert or systemic, not {kind!r}")
    with _acting(ctx, url, token) as monitoring:
        found = monitoring.monitoring_alerts(open_only=open_only, kind=kind, limit=limit)
    print_lines(found, as_json, "no alert" + (" open" if open_only else ""), _alert_line)


def _alert_line(alert: AlertView) -> str:
    state = f"cleared {units.timestamp(alert.cleared_at)}" if alert.cleared_at else "open"
    what = (
        _systemic(alert, alert.group_name or alert.group)
        if alert.kind == "systemic"
        else f"{alert.deployment_id} {alert.figure}"
    )
    return f"{alert.id}  {units.timestamp(alert.raised_at)}  {what}  ({state})"


def _systemic(alert: AlertView, group: str | None) -> str:
    """A systemic alert: the group (by name where the caller knows it), its size, exposure and chance."""
    what = (
        f"SYSTEMIC {alert.group_by} {group}: {units.count(alert.deployments)} deployments, "
        f"{_eur(alert.exposure_eur)}, chance {units.scientific(alert.chance)}"
    )
    return what + (f", incident {alert.incident_id}" if alert.incident_id else "")


# --- filings ---------------------------------------------------------------------------------


@app.command()
def enrol(
    ctx: typer.Context,
    deployment: str = typer.Argument(..., help="The deployment's id."),
    figure: list[str] = typer.Option(
        [], "--figure", help="A figure it sends (availability, error_rate, ...), repeated."
    ),
    interval: int = typer.Option(60, "--interval", help="Seconds between points (1 to 3,600)."),
    valid_until: str | None = typer.Option(
        None, "--valid-until", help="The last day it commits to send, YYYY-MM-DD (a year on)."
    ),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Enrol a deployment in continuous monitoring (its deployer): the figures it sends, how often,
    until when. Discharges the baseline duty to report telemetry."""
    from custos.filings import parse
    from custos.monitoring.model import Enrolled
    from custos.registry.telemetry import BY_KEY

    if not figure:
        raise InvalidInput(f"give at least one --figure: {', '.join(BY_KEY)}")
    until = day(valid_until, "--valid-until") or datetime.now(UTC).date() + timedelta(days=ENROLMENT_DAYS)
    given = terms(deployment_id=deployment, figures=figure, interval_seconds=interval, valid_until=until)
    enrolment = parse(Enrolled, given, "enrolment")
    with _acting(ctx, url, token) as monitoring:
        filed = monitoring.monitoring_enrol(enrolment)
    print_line(filed, as_json, _enrolment_line)


def _enrolment_line(enrolment: EnrolmentView) -> str:
    return (
        f"{enrolment.id}  {enrolment.deployment_id}: {', '.join(enrolment.figures)} every "
        f"{units.seconds(enrolment.interval_seconds)}, until {enrolment.valid_until.isoformat()}"
    )


@app.command()
def enrolments(
    ctx: typer.Context,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """The enrolments in force, each deployment's latest: a firm its own, supervisors all."""
    with _acting(ctx, url, token) as monitoring:
        found = monitoring.monitoring_enrolments()
    print_lines(found, as_json, "no enrolment", _enrolment_line)


@app.command()
def thresholds(
    ctx: typer.Context,
    set_: Path | None = typer.Option(
        None,
        "--set",
        help="Change them (supervisors) to those in a YAML or JSON file; the change is a filing.",
    ),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """The change detector's settings in force, or (``--set FILE``) a supervisor's change of them."""
    from custos.filings import parse
    from custos.monitoring.model import Thresholds

    change = parse(Thresholds, read_document(set_), f"thresholds in {set_}") if set_ else None
    with _acting(ctx, url, token) as monitoring:
        found = monitoring.set_monitoring_thresholds(change) if change else monitoring.monitoring_thresholds()
        bounds = monitoring.monitoring_bounds()
    # Every setting in force, the defaults too: they are what the detector runs with.
    emit(found.model_dump(mode="json"), as_json, formats={"chance": units.scientific})
    if not as_json:
        console.print(
            "Fixed bounds in force (a rollout's gates narrow them for its deployments):", highlight=False
        )
        for bound in bounds or []:
            console.print(f"  {_bound_line(bound)}", highlight=False, soft_wrap=True)
        if not bounds:
            console.print("  none", highlight=False)


def _bound_line(bound: BoundView) -> str:
    ends = [
        f"{word} {_reading(bound.unit, value)}"
        for word, value in (("at least", bound.min), ("at most", bound.max))
        if value is not None
    ]
    return f"{bound.figure} {' and '.join(ends)} ({'; '.join(bound.sources)})"


@app.command()
def summarise(
    ctx: typer.Context,
    day_: str = typer.Argument(..., metavar="DAY", help="A past day, YYYY-MM-DD."),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Publish a past day's monitoring for the public (supervisors): each figure's spread across
    deployments, alerts counted, affected exposure by provider where three firms or more stand behind it."""
    published = cast("date", day(day_, "DAY"))  # an argument is never None
    with _acting(ctx, url, token) as monitoring:
        found = monitoring.publish_monitoring_summary(published)
    show(found, as_json, lambda summary: _summaries([summary]))


@app.command()
def summaries(
    ctx: typer.Context,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """The daily summaries published for the public, newest first."""
    with _acting(ctx, url, token) as monitoring:
        found = monitoring.monitoring_summaries()
    show(found, as_json, _summaries)


def _summaries(found: Sequence[SummaryPublished]) -> None:
    if not found:
        console.print("no summary published", highlight=False)
        return
    figures_table(
        [
            {
                "day": summary.day.isoformat(),
                "deployments": units.count(summary.deployments),
                "institutions": units.count(summary.institutions),
                "alerts": units.count(summary.alerts),
                "systemic": units.count(summary.systemic_alerts),
                "affected": _eur(sum(summary.affected_exposure_eur.values())),
            }
            for summary in found
        ],
        ["day", "deployments", "institutions", "alerts", "systemic", "affected"],
        None,
        ["deployments", "institutions", "alerts", "systemic", "affected"],
    )
    from custos.registry.telemetry import BY_KEY

    latest = found[0]
    figures_table(
        [
            {
                "figure": figure.figure,
                "deployments": units.count(figure.deployments),
                "10th percentile": _reading(BY_KEY[figure.figure].unit, figure.p10),
                "median": _reading(BY_KEY[figure.figure].unit, figure.median),
                "90th percentile": _reading(BY_KEY[figure.figure].unit, figure.p90),
            }
            for figure in latest.figures
        ],
        ["figure", "deployments", "10th percentile", "median", "90th percentile"],
        f"{latest.day.isoformat()}: each figure across deployments' daily means (withheld with "
        "fewer than three deployers behind it)",
        ["deployments", "10th percentile", "median", "90th percentile"],
    )


@app.command()
def prune(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Drop raw points and hourly rollups past their retention (CUSTOS_MONITOR_RAW_DAYS,
    CUSTOS_MONITOR_HOURLY_DAYS), on the local store."""
    from custos.monitoring.service import MonitoringService

    with open_store(ctx) as store:
        dropped = MonitoringService(store).prune()
    if as_json:
        emit(dropped, True)
        return
    console.print(
        f"dropped {units.count_of(dropped['raw'], 'raw point')} and "
        f"{units.count_of(dropped['hourly'], 'hourly rollup')} past their retention",
        highlight=False,
    )


# --- the simulated day -----------------------------------------------------------------------


def _outage_minute(minutes: int, start: int, outage_at: str | None, outage_after: int | None) -> int:
    """The minute of the replay at which the outage starts (20 minutes before the end by default)."""
    if outage_at is not None and outage_after is not None:
        raise InvalidInput("give --outage-at or --outage-after, not both")
    if outage_after is not None:
        if not 0 <= outage_after < minutes:
            raise InvalidInput(
                f"--outage-after takes 0 to {minutes - 1} minutes (within --minutes), not {outage_after}"
            )
        return outage_after
    if outage_at is None:
        return max(0, minutes - 20)
    try:
        clock = datetime.strptime(outage_at, "%H:%M")
    except ValueError as exc:
        raise InvalidInput(f"--outage-at takes a time of day as HH:MM (UTC), not {outage_at!r}") from exc
    wanted = clock.hour * 60 + clock.minute
    offset = (wanted - (start % 86_400) // 60) % 1440
    if offset >= minutes:
        raise InvalidInput(f"--outage-at {outage_at} UTC is not within the {minutes} minutes replayed")
    return offset


def _host(simulated: Sequence[Simulated], names: Mapping[str, str], host: str | None) -> str:
    """The failing host: the one named (id or exact name), or the busiest."""
    from custos.monitoring.simulation import busiest_host

    hosts = {d.host_id for d in simulated if d.host_id}
    if host is None:
        if not hosts:
            raise InvalidInput("no deployment in the registry names its host: there is no host to fail")
        return busiest_host(simulated)
    found = [h for h in hosts if host in (h, names.get(h))]
    if not found:
        raise InvalidInput(f"--host {host!r} hosts no deployment in the registry")
    return found[0]


class _Sent:
    """What one minute's requests came to: points refused and the alerts they filed."""

    def __init__(self) -> None:
        self.rejected = 0
        self.alerts: list[AlertView] = []


def _in_process(service: MonitoringService, by: Principal) -> Callable[[Mapping[str, bytes]], _Sent]:
    """Each deployer's request through the service, as the endpoint would hand it over."""
    from custos.monitoring import otlp

    def send(requests: Mapping[str, bytes]) -> _Sent:
        sent, filed = _Sent(), []
        for body in requests.values():
            _, ingested = service.ingest(body, otlp.PROTOBUF, by=by)
            sent.rejected += ingested.rejected
            filed += [*ingested.alerts, *ingested.systemic_alerts]
        if filed:
            wanted = set(filed)
            views = service.alerts(by=by, limit=len(filed) + 50)
            sent.alerts = sorted(
                (a for a in views if a.id in wanted), key=lambda a: (a.kind == "systemic", a.raised_at)
            )
        return sent

    return send


@contextmanager
def _over_http(url: str, token: str) -> Iterator[Callable[[Mapping[str, bytes]], _Sent]]:
    """Each deployer's request to the installation's OTLP endpoint; the alerts found open after
    each minute that were not open before."""
    from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceResponse

    with connect(url, token) as client:
        seen = {a.id for a in client.monitoring_alerts(open_only=True, limit=1000)}

        def send(requests: Mapping[str, bytes]) -> _Sent:
            sent = _Sent()
            for body in requests.values():
                answer = ExportMetricsServiceResponse.FromString(client.export_metrics(body))
                sent.rejected += answer.partial_success.rejected_data_points
            fresh = [a for a in client.monitoring_alerts(open_only=True, limit=1000) if a.id not in seen]
            seen.update(a.id for a in fresh)
            sent.alerts = sorted(fresh, key=lambda a: (a.kind == "systemic", a.raised_at))
            return sent

        yield send


def _registry(store: Store) -> tuple[dict[str, Deployment], dict[str, str]]:
    from custos.monitoring.world import World

    world = World(store)
    return world.deployments(), world.names()


@app.command()
def simulate(
    ctx: typer.Context,
    minutes: int = typer.Option(1440, "--minutes", help="Minutes replayed, ending now."),
    outage_at: str | None = typer.Option(None, "--outage-at", help="The outage starts at HH:MM UTC."),
    outage_after: int | None = typer.Option(
        None, "--outage-after", help="The outage starts this many minutes in."
    ),
    outage_minutes: int = typer.Option(30, "--outage-minutes", help="How long the host fails."),
    host: str | None = typer.Option(None, "--host", help="The failing host, id or exact name (the busiest)."),
    speed: float | None = typer.Option(
        None, "--speed", help="Simulated seconds per real second (as fast as it goes when absent)."
    ),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Replay a synthetic day of telemetry for the registry's deployments, one OTLP request per
    deployer per minute, with an outage of a host many firms share: in process, or to the OTLP
    endpoint at --url. Prints each alert as it is filed and how soon the systemic one came."""
    from custos.monitoring.simulation import Outage, Simulated, day

    most = state(ctx).settings.monitor_raw_days * 1440
    if not 1 <= minutes <= most:
        raise InvalidInput(f"--minutes takes 1 to {most:,} (the raw points kept), not {minutes}")
    if outage_minutes < 1:
        raise InvalidInput(f"--outage-minutes takes 1 or more, not {outage_minutes}")
    if speed is not None and not speed > 0:
        raise InvalidInput(
            f"--speed takes a number of simulated seconds per real second above 0, not {speed}"
        )
    api = remote(url, token)
    end = int(time.time()) // 60 * 60
    start = end - minutes * 60
    outage_start = start + _outage_minute(minutes, start, outage_at, outage_after) * 60
    with _sender(ctx, api) as (send, registry):
        deployments, names = registry
        simulated = [
            Simulated(d.id, d.deployer_id, d.model_id, d.host_id, d.exposure_eur)
            for d in deployments.values()
        ]
        if not simulated:
            raise InvalidInput("the registry has no deployment to simulate")
        outage = Outage(_host(simulated, names, host), outage_start, outage_minutes)
        replay = _Replay(deployments, names, outage, as_json)
        replay.run(day(simulated, start, minutes, outage), minutes, send, speed)
    replay.report()


@contextmanager
def _sender(
    ctx: typer.Context, api: tuple[str, str] | None
) -> Iterator[tuple[Callable[[Mapping[str, bytes]], _Sent], tuple[dict[str, Deployment], dict[str, str]]]]:
    """How minutes are sent, and the local registry's deployments and names they are made for."""
    if api is None:
        from custos.monitoring.service import MonitoringService

        with local_operator(ctx) as (store, by):
            service = MonitoringService(store)
            try:
                yield _in_process(service, by), (service.world.deployments(), service.world.names())
            finally:
                service.close()
        return
    with open_store(ctx) as store:
        registry = _registry(store)
    with _over_http(*api) as send:
        yield send, registry


class _Replay:
    """A replay's progress and tallies: points sent, alerts as they come, and the real time from
    the outage's first minute to the first systemic alert."""

    def __init__(
        self, deployments: Mapping[str, Deployment], names: Mapping[str, str], outage: Outage, quiet: bool
    ) -> None:
        self.deployments, self.names, self.outage, self.quiet = deployments, names, outage, quiet
        self.points = self.rejected = 0
        self.alerts: list[AlertView] = []
        self.systemic: list[AlertView] = []
        self.seconds = 0.0
        self.outage_sent: float | None = None
        self.latency: float | None = None

    def run(
        self,
        minutes: Iterator[Any],
        count: int,
        send: Callable[[Mapping[str, bytes]], _Sent],
        speed: float | None,
    ) -> None:
        from rich.progress import Progress

        began = time.perf_counter()
        with Progress(console=console, disable=self.quiet, transient=True) as progress:
            task = progress.add_task("minutes", total=count)
            for index, minute in enumerate(minutes):
                if minute.at == self.outage.start:
                    self.outage_sent = time.perf_counter()
                sent = send(minute.requests)
                self.points += minute.points
                self.rejected += sent.rejected
                for alert in sent.alerts:
                    self._filed(alert, minute.at, progress.console.print)
                progress.advance(task)
                if speed is not None:
                    time.sleep(max(0.0, began + (index + 1) * 60 / speed - time.perf_counter()))
        self.seconds = time.perf_counter() - began

    def _filed(self, alert: AlertView, at: int, say: Callable[..., None]) -> None:
        since = None if self.outage_sent is None else time.perf_counter() - self.outage_sent
        if alert.kind == "systemic":
            self.systemic.append(alert)
            if self.latency is None and since is not None:
                self.latency = since
        else:
            self.alerts.append(alert)
        if self.quiet:
            return
        after = f"+{units.seconds(since)}" if since is not None else "before the outage"
        say(
            f"{datetime.fromtimestamp(at, UTC):%H:%M} UTC ({after})  {self._what(alert)}",
            highlight=False,
            soft_wrap=True,
        )

    def _what(self, alert: AlertView) -> str:
        if alert.kind != "systemic":
            deployment = self.deployments.get(alert.deployment_id or "")
            who = f"{deployment.deployer_name}'s {deployment.name}" if deployment else alert.deployment_id
            return f"alert: {who}, {alert.figure}"
        from custos.monitoring.systemic import group_name

        name = group_name(alert.group_by or "", alert.group or "", self.deployments, self.names)
        return _systemic(alert, name)

    def report(self) -> None:
        latency = units.MISSING if self.latency is None else units.seconds(self.latency)
        host = self.names.get(self.outage.host_id, self.outage.host_id)
        if self.quiet:
            emit(
                {
                    "points": self.points,
                    "rejected": self.rejected,
                    "seconds": round(self.seconds, 3),
                    "host_id": self.outage.host_id,
                    "outage_start": datetime.fromtimestamp(self.outage.start, UTC).isoformat(),
                    "alerts": [a.id for a in self.alerts],
                    "systemic_alerts": [a.id for a in self.systemic],
                    "latency_seconds": None if self.latency is None else round(self.latency, 3),
                },
                True,
            )
            return
        rate = units.count(self.points / self.seconds) if self.seconds else units.MISSING
        refused = f" ({units.count(self.rejected)} refused)" if self.rejected else ""
        console.print(
            f"Sent {units.count(self.points)} points{refused} in {units.seconds(self.seconds)} "
            f"({rate} points/s); "
            f"{units.count(len(self.alerts))} alerts, {units.count(len(self.systemic))} systemic; "
            f"{host} failed from {units.timestamp(datetime.fromtimestamp(self.outage.start, UTC))}: "
            + (
                f"its first point to the systemic alert took {latency}."
                if self.latency is not None
                else "no systemic alert was raised (too few deployments, or too short an outage)."
            ),
            highlight=False,
            soft_wrap=True,
        )
