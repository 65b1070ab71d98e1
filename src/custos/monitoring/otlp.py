"""OTLP/HTTP metrics in and out: a deployer's export request read into each deployment's points,
and the answer that tells the deployer what was refused and why.

Deployers send what their OpenTelemetry SDK or Collector exports to ``POST /v1/metrics``, in
protobuf or JSON as the OTLP/HTTP specification allows. A request is refused whole only when it
cannot be read at all; otherwise each data point is kept or refused on its own, and the answer's
partial success counts the refused points with their reasons. So a deployer learns what to fix
without losing the rest of its batch, and a sender that retries on error never resends points that
were already kept (OTLP: a partially accepted request is a success and MUST NOT be retried).

The figures, their names, units and plausible ranges are the catalogue's
(``custos.registry.telemetry``). This module is pure: it reads bytes and returns arrays; which
deployments exist and belong to the sender is the service's to check (``refuse``).

It sits on the ingestion path at a hundred thousand points a second on two cores, so it parses with
protobuf's upb backend, walks the points once in a tight loop, appends to typed buffers and
builds each deployment's arrays once.
"""

from __future__ import annotations

import json
import math
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import KeyValue
from opentelemetry.proto.metrics.v1 import metrics_pb2

from custos.core import units
from custos.core.errors import InvalidInput
from custos.registry.telemetry import (
    BY_FIGURE,
    BY_OTLP_NAME,
    DEPLOYMENT_ATTRIBUTE,
    LATENCY_SUMMARY,
    METRICS,
    MODEL_ATTRIBUTE,
    SUMMARY_QUANTILES,
    VERSION_ATTRIBUTE,
    Figure,
    Metric,
)

PROTOBUF: Final = "application/x-protobuf"
JSON: Final = "application/json"

#: Reasons an answer lists one by one; the rest are summed in one line, so an answer stays short.
MAX_REASONS: Final = 10

#: OTLP's ``FLAG_NO_RECORDED_VALUE``: the point marks a gap (a series that stopped), not a value.
_NO_RECORDED_VALUE: Final = 1
_NANOSECONDS: Final = 1_000_000_000
_DELTA: Final = metrics_pb2.AGGREGATION_TEMPORALITY_DELTA
_CUMULATIVE: Final = metrics_pb2.AGGREGATION_TEMPORALITY_CUMULATIVE
#: A name from the sender is shown at most this long in a reason.
_LONGEST_NAME: Final = 80
_KINDS: Final = {
    "gauge": "a gauge",
    "sum": "a sum",
    "histogram": "a histogram",
    "exponential_histogram": "an exponential histogram",
    "summary": "a summary",
}
_Reading = tuple[Metric, int, float, float]
_QUANTILES: Final = ", ".join(f"{quantile:g}" for quantile in SUMMARY_QUANTILES)
#: Each catalogued metric by name, with what the hot loop reads of it as plain numbers: its figure,
#: low and high (an enum member's value is a property, too slow to read per point).
_READINGS: Final = {
    metric.otlp_name: (metric, int(metric.figure), metric.low, metric.high) for metric in METRICS
}
#: The catalogued gauges: the figures most points carry, read on the fast path.
_GAUGES: Final = {
    name: reading for name, reading in _READINGS.items() if reading[0].figure is not Figure.VOLUME
}
_IDENTITY: Final = frozenset((DEPLOYMENT_ATTRIBUTE, MODEL_ATTRIBUTE, VERSION_ATTRIBUTE))
_QUANTILE_OF: Final = {figure: quantile for quantile, figure in SUMMARY_QUANTILES.items()}
_LATENCY_GAUGES: Final = ", ".join(BY_FIGURE[figure].otlp_name for figure in SUMMARY_QUANTILES.values())


@dataclass(frozen=True, eq=False)
class ResourcePoints:
    """The accepted points of one deployment, in the order they were sent: three parallel arrays,
    one entry per point (figure as ``catalogue.Figure``, time in unix seconds, value in the
    figure's unit)."""

    deployment_id: str
    model_id: str | None
    model_version: str | None
    figures: npt.NDArray[np.int8]
    at: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]


@dataclass(frozen=True)
class Decoded:
    """A request read: the accepted points by deployment (one entry per deployment, however many
    resources named it), and the refused data points counted by reason in the order each reason
    first arose.

    Refusals are kept as counts, not as a list of points, so a batch of a million bad points
    costs a few lines; ``rejected`` and ``reasons`` are derived from them, so they cannot
    disagree."""

    resources: tuple[ResourcePoints, ...]
    refusals: tuple[tuple[str, int], ...] = ()

    @property
    def rejected(self) -> int:
        """Data points refused (OTLP's ``rejected_data_points``)."""
        return sum(points for _, points in self.refusals)

    @property
    def reasons(self) -> tuple[str, ...]:
        """The reasons, most points first, each with its count, at most ``MAX_REASONS`` of them and
        one line for the rest."""
        ranked = sorted(self.refusals, key=lambda refusal: -refusal[1])
        listed = tuple(f"{_points(points)}: {reason}" for reason, points in ranked[:MAX_REASONS])
        rest = ranked[MAX_REASONS:]
        if rest:
            listed += (f"{_points(sum(points for _, points in rest))}: {len(rest)} other reasons",)
        return listed


def media_type(content_type: str) -> str:
    """The OTLP/HTTP encoding a ``Content-Type`` names (parameters such as a charset ignored).

    Raises ``InvalidInput`` for any other type, since the body could not be read."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media not in (PROTOBUF, JSON):
        raise InvalidInput(
            f"content type {_shown(content_type)} is not an OTLP/HTTP encoding: send {PROTOBUF} or {JSON}"
        )
    return media


def decode(body: bytes, content_type: str, *, earliest: int, latest: int) -> Decoded:
    """The points of an OTLP ``ExportMetricsServiceRequest``, each kept or refused on its own.

    A point is refused when its metric is not in the catalogue or is of the wrong type (a
    histogram, a cumulative or non-monotonic sum), when its value is missing, not finite or outside
    the figure's range, when its time falls outside ``earliest``–``latest`` (unix seconds), or when
    its resource names no deployment. A point flagged as having no recorded value is skipped and
    not counted. Raises ``InvalidInput`` when the body cannot be parsed at all."""
    reader = _Reader(earliest, latest)
    for resource_metrics in _parse(body, media_type(content_type)).resource_metrics:
        reader.resource(resource_metrics)
    return reader.decoded()


def refuse(decoded: Decoded, reasons: Mapping[int, str]) -> Decoded:
    """``decoded`` without the resources at the given indices (into ``decoded.resources``), each
    refused whole for its reason: a deployment the registry does not know, or one the sender does
    not deploy. Their points count as rejected, so the answer still adds up."""
    unknown = sorted(index for index in reasons if not 0 <= index < len(decoded.resources))
    if unknown:
        raise IndexError(f"no resource at {unknown}: there are {len(decoded.resources)}")
    tally = dict(decoded.refusals)
    for index, reason in reasons.items():
        points = len(decoded.resources[index].values)
        if points:
            tally[reason] = tally.get(reason, 0) + points
    kept = tuple(resource for index, resource in enumerate(decoded.resources) if index not in reasons)
    return Decoded(kept, tuple(tally.items()))


def response(decoded: Decoded, content_type: str) -> bytes:
    """The ``ExportMetricsServiceResponse`` to a request, in the request's encoding.

    ``partial_success`` is set only when points were refused: OTLP says a server MUST leave it
    unset when it accepted everything. JSON follows the OTLP/HTTP rules: lowerCamelCase names,
    enums as integers."""
    answer = ExportMetricsServiceResponse()
    if decoded.rejected:
        answer.partial_success.rejected_data_points = decoded.rejected
        answer.partial_success.error_message = "; ".join(decoded.reasons)
    if media_type(content_type) == JSON:
        text: str = json_format.MessageToJson(answer, indent=None, use_integers_for_enums=True)
        return text.encode()
    serialized: bytes = answer.SerializeToString()
    return serialized


def _parse(body: bytes, media: str) -> ExportMetricsServiceRequest:
    request = ExportMetricsServiceRequest()
    try:
        if media == PROTOBUF:
            request.ParseFromString(body)
        else:
            document = json.loads(body)
            if not isinstance(document, dict):
                raise ValueError(f"a JSON {type(document).__name__}, not an object")
            for name in ("resourceMetrics", "resource_metrics"):
                if name in document and not isinstance(document[name], list):
                    raise ValueError(f"{name} is a JSON {type(document[name]).__name__}, not an array")
            json_format.ParseDict(document, request, ignore_unknown_fields=True)
    except (DecodeError, json_format.ParseError, ValueError, RecursionError) as error:
        raise InvalidInput(
            f"the body is not an OTLP metrics export request in {media}: {_shown(str(error))}"
        ) from None
    return request


@dataclass
class _Series:
    """One deployment's accepted points while a request is read, in typed buffers that become
    arrays without a copy per point."""

    model_id: str | None
    model_version: str | None
    figures: array[int] = field(default_factory=lambda: array("b"))
    at: array[int] = field(default_factory=lambda: array("q"))
    values: array[float] = field(default_factory=lambda: array("d"))


class _Reader:
    """Reads the resources of one request, keeping points by deployment and refusals by reason."""

    def __init__(self, earliest: int, latest: int) -> None:
        self.earliest = earliest
        self.latest = latest
        self.series: dict[str, _Series] = {}
        #: reason → [points, the first offending value or time, shown after the reason]
        self.tally: dict[str, list[Any]] = {}

    def decoded(self) -> Decoded:
        resources = tuple(
            ResourcePoints(
                deployment_id,
                series.model_id,
                series.model_version,
                np.frombuffer(series.figures, dtype=np.int8),
                np.frombuffer(series.at, dtype=np.int64),
                np.frombuffer(series.values, dtype=np.float64),
            )
            for deployment_id, series in self.series.items()
            if len(series.values)
        )
        refusals = tuple(
            (f"{reason} (first: {example})" if example else reason, points)
            for reason, (points, example) in self.tally.items()
        )
        return Decoded(resources, refusals)

    def refuse(self, reason: str, example: str = "", points: int = 1) -> None:
        counted = self.tally.get(reason)
        if counted is None:
            self.tally[reason] = [points, example]
        else:
            counted[0] += points

    def resource(self, resource_metrics: metrics_pb2.ResourceMetrics) -> None:
        deployment_id, model_id, model_version = _identity(resource_metrics.resource.attributes)
        if deployment_id is None:
            points = sum(
                _recorded(_data_points(metric))
                for scope in resource_metrics.scope_metrics
                for metric in scope.metrics
            )
            if points:
                self.refuse(f"a resource without the string attribute {DEPLOYMENT_ATTRIBUTE}", points=points)
            return
        series = self.series.get(deployment_id)
        if series is None:
            series = self.series[deployment_id] = _Series(model_id, model_version)
        else:  # the same deployment in another resource: its first naming of the model stands
            series.model_id = series.model_id or model_id
            series.model_version = series.model_version or model_version
        # The hot loop, inlined: a good point costs its fields, three appends and the comparisons.
        earliest, latest = self.earliest, self.latest
        add_figure, add_time, add_value = series.figures.append, series.at.append, series.values.append
        for scope in resource_metrics.scope_metrics:
            for metric in scope.metrics:
                reading = _GAUGES.get(metric.name)
                data_points: Iterable[metrics_pb2.NumberDataPoint] = (
                    metric.gauge.data_points
                )  # empty unless a gauge
                if reading is None or not data_points:
                    counter = self.metric(metric, series)
                    if counter is None:
                        continue
                    reading, data_points = counter
                catalogued, figure, low, high = reading
                for point in data_points:
                    if point.flags & _NO_RECORDED_VALUE:
                        continue
                    second = point.time_unix_nano // _NANOSECONDS
                    # as_double or as_int, whichever is set: both read zero when unset, so only
                    # a zero asks which one (if either) was sent
                    value = point.as_double or point.as_int
                    if (
                        low <= value <= high
                        and earliest <= second <= latest
                        and (value or point.WhichOneof("value"))
                    ):
                        add_figure(figure)
                        add_time(second)
                        add_value(value)
                    elif not earliest <= second <= latest:
                        self.refuse_time(second)
                    else:
                        self.refuse_value(
                            catalogued.otlp_name, catalogued, value if point.WhichOneof("value") else None
                        )

    def metric(
        self, metric: metrics_pb2.Metric, series: _Series
    ) -> tuple[_Reading, Iterable[metrics_pb2.NumberDataPoint]] | None:
        """Any metric but a catalogued gauge (which ``resource`` reads on its fast path): the
        latency summary is read, what is refused whole is tallied, and the request counter's
        points are handed back to be read as a gauge's are."""
        kind = metric.WhichOneof("data")
        name = metric.name
        if kind is None or (kind == "gauge" and name in _GAUGES):  # no data, or a gauge with no points
            return None
        catalogued = BY_OTLP_NAME.get(name)
        if name == LATENCY_SUMMARY and kind == "summary":
            self.summary(metric.summary.data_points, series)
        elif name == LATENCY_SUMMARY:
            self.refuse_all(
                metric,
                f"{name} arrives as {_KINDS[kind]}: send it as a summary with the quantiles "
                f"{_QUANTILES}, or send the gauges {_LATENCY_GAUGES}",
            )
        elif catalogued is None:
            self.refuse_all(metric, f"unknown metric {_shown(name)}")
        elif catalogued.figure is not Figure.VOLUME:
            self.refuse_all(metric, f"{name} arrives as {_KINDS[kind]}: it must be a gauge")
        elif kind != "sum":
            self.refuse_all(metric, f"{name} arrives as {_KINDS[kind]}: it must be a monotonic delta sum")
        elif metric.sum.aggregation_temporality == _CUMULATIVE:
            self.refuse_all(
                metric,
                f"{name} is a cumulative sum: send deltas (a Collector's cumulativetodelta "
                "processor turns a cumulative counter into deltas)",
            )
        elif metric.sum.aggregation_temporality != _DELTA:
            self.refuse_all(metric, f"{name} has no aggregation temporality: it must be a delta sum")
        elif not metric.sum.is_monotonic:
            self.refuse_all(metric, f"{name} is not monotonic: it must count requests (a counter)")
        else:
            return _READINGS[name], metric.sum.data_points
        return None

    def refuse_all(self, metric: metrics_pb2.Metric, reason: str) -> None:
        points = _recorded(_data_points(metric))
        if points:
            self.refuse(reason, points=points)

    def summary(self, points: Iterable[metrics_pb2.SummaryDataPoint], series: _Series) -> None:
        """The latency summary: its quantiles 0.5, 0.95 and 0.99 become the three latency figures;
        other quantiles are not figures and are passed over. A point with an impossible latency
        is refused whole (one data point, as OTLP counts)."""
        earliest, latest = self.earliest, self.latest
        for point in points:
            if point.flags & _NO_RECORDED_VALUE:
                continue
            second = point.time_unix_nano // _NANOSECONDS
            if not earliest <= second <= latest:
                self.refuse_time(second)
                continue
            found: dict[Figure, float] = {}
            for quantile in point.quantile_values:
                figure = SUMMARY_QUANTILES.get(quantile.quantile)
                if figure is not None:
                    found[figure] = quantile.value
            bad = [
                (figure, value) for figure, value in found.items() if not _within(BY_FIGURE[figure], value)
            ]
            if bad:
                figure, value = bad[0]
                self.refuse_value(
                    f"{LATENCY_SUMMARY} quantile {_QUANTILE_OF[figure]:g}", BY_FIGURE[figure], value
                )
            elif not found:
                self.refuse(f"{LATENCY_SUMMARY} has none of the quantiles {_QUANTILES}")
            else:
                for figure, value in found.items():
                    series.figures.append(figure)
                    series.at.append(second)
                    series.values.append(value)

    def refuse_time(self, second: int) -> None:
        if second < self.earliest:
            self.refuse(
                f"timestamp earlier than {_moment(self.earliest)}, the earliest accepted", _moment(second)
            )
        else:
            self.refuse(
                f"timestamp later than {_moment(self.latest)}, the latest accepted "
                "(is the sender's clock ahead?)",
                _moment(second),
            )

    def refuse_value(self, name: str, metric: Metric, value: float | None) -> None:
        if value is None:
            self.refuse(f"{name} has a data point without a value")
        elif not math.isfinite(value):
            self.refuse(f"{name} is not a finite number", repr(value))
        else:
            self.refuse(
                f"{name} is outside {_amount(metric, metric.low)}–{_amount(metric, metric.high)}",
                _amount(metric, value),
            )


def _identity(attributes: Iterable[KeyValue]) -> tuple[str | None, str | None, str | None]:
    """The deployment, model and version a resource names (string attributes only; an empty
    string names nothing)."""
    found: dict[str, str] = {}
    for attribute in attributes:
        if attribute.key in _IDENTITY:
            value = attribute.value.string_value  # empty when the value is not a string
            if value:
                found[attribute.key] = value
    return found.get(DEPLOYMENT_ATTRIBUTE), found.get(MODEL_ATTRIBUTE), found.get(VERSION_ATTRIBUTE)


def _data_points(metric: metrics_pb2.Metric) -> Iterable[Any]:
    kind = metric.WhichOneof("data")
    return () if kind is None else getattr(metric, kind).data_points


def _recorded(points: Iterable[Any]) -> int:
    """Points that carry a value: those flagged as having none are not counted, kept or refused."""
    return sum(1 for point in points if not point.flags & _NO_RECORDED_VALUE)


def _within(metric: Metric, value: float) -> bool:
    return metric.low <= value <= metric.high


def _amount(metric: Metric, value: float) -> str:
    """A value in its figure's unit, as a person reads it: 0.42 s, 1 h, 0.98, 1 × 10^9 requests."""
    if metric.unit == "s" and abs(value) < 1e6:
        return units.seconds(value)
    text = units.scientific(value) if abs(value) >= 1e6 else units.number(value, 4)
    if metric.unit == "s":
        return f"{text} s"
    if metric.unit == "1":
        return text
    return f"{text} {metric.unit.strip('{}')}s"


def _moment(second: int) -> str:
    try:
        return units.timestamp(datetime.fromtimestamp(second, UTC))
    except (OverflowError, OSError, ValueError):
        return f"{units.count(second)} s after 1970"


def _points(count: int) -> str:
    return "1 point" if count == 1 else f"{units.count(count)} points"


def _shown(text: str) -> str:
    """Text from the sender, quoted and cut short, so a reason stays one readable line."""
    return repr(text if len(text) <= _LONGEST_NAME else f"{text[:_LONGEST_NAME]}…")
