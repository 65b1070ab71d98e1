"""The OTLP/HTTP metrics codec, against what real senders emit.

Requests are made by the OpenTelemetry SDK and encoded by the OTLP exporter's own encoder (what
the HTTP exporter sends), by ``json_format`` for the JSON encoding, or taken from the OTLP
specification's published JSON example (``opentelemetry-proto/examples/metrics.json``, kept in
``tests/fixtures/otlp``). Expected values are the ones the sender was given.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pytest
from google.protobuf import json_format  # type: ignore[import-untyped]
from hypothesis import given, settings
from hypothesis import strategies as st
from opentelemetry.exporter.otlp.proto.common._internal.metrics_encoder import encode_metrics
from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.metrics.v1 import metrics_pb2
from opentelemetry.sdk.metrics import Counter, MeterProvider
from opentelemetry.sdk.metrics.export import AggregationTemporality, InMemoryMetricReader
from opentelemetry.sdk.resources import Resource

from custos.core.errors import InvalidInput
from custos.monitoring.otlp import JSON, MAX_REASONS, PROTOBUF, Decoded, decode, refuse, response
from custos.registry.telemetry import (
    DEPLOYMENT_ATTRIBUTE,
    MODEL_ATTRIBUTE,
    VERSION_ATTRIBUTE,
    Figure,
)

EXAMPLE = Path(__file__).parents[1] / "fixtures" / "otlp" / "metrics.json"
#: 2026-06-01 00:00 UTC, for the hand-built requests.
NOW = 1_780_272_000
WINDOW = {"earliest": NOW - 3600, "latest": NOW + 300}

GAUGES = {
    "custos.availability": (Figure.AVAILABILITY, 0.995),
    "custos.error_rate": (Figure.ERROR_RATE, 0.004),
    "custos.latency.p50": (Figure.LATENCY_P50, 0.42),
    "custos.latency.p95": (Figure.LATENCY_P95, 1.5),
    "custos.latency.p99": (Figure.LATENCY_P99, 3.25),
    "custos.human_override_rate": (Figure.OVERRIDE_RATE, 0.02),
    "custos.refusal_rate": (Figure.REFUSAL_RATE, 0.0),
}


def sdk_request(*, requests: int = 120, delta: bool = True, deployment: str | None = "dep-7") -> bytes:
    """What the OTLP HTTP exporter would send for one collection of every figure."""
    attributes = {MODEL_ATTRIBUTE: "model-3", VERSION_ATTRIBUTE: "2026-05"}
    if deployment is not None:
        attributes[DEPLOYMENT_ATTRIBUTE] = deployment
    temporality: dict[type, AggregationTemporality] = {Counter: AggregationTemporality.DELTA} if delta else {}
    reader = InMemoryMetricReader(preferred_temporality=temporality)
    provider = MeterProvider(resource=Resource.create(attributes), metric_readers=[reader])
    meter = provider.get_meter("custos.test")
    for name, (_, value) in GAUGES.items():

        def observe(_: CallbackOptions, value: float = value) -> Iterable[Observation]:
            return [Observation(value)]

        meter.create_observable_gauge(name, callbacks=[observe])
    meter.create_counter("custos.requests", unit="{request}").add(requests)
    data = reader.get_metrics_data()
    provider.shutdown()
    assert data is not None
    body: bytes = encode_metrics(data).SerializeToString()
    return body


def as_json(body: bytes) -> bytes:
    request = ExportMetricsServiceRequest()
    request.ParseFromString(body)
    text: str = json_format.MessageToJson(request)
    return text.encode()


def around_now() -> dict[str, int]:
    now = int(time.time())
    return {"earliest": now - 60, "latest": now + 60}


def parsed(answer: bytes, content_type: str = PROTOBUF) -> ExportMetricsServiceResponse:
    message = ExportMetricsServiceResponse()
    if content_type == JSON:
        json_format.Parse(answer, message)
    else:
        message.ParseFromString(answer)
    return message


def points_of(decoded: Decoded) -> dict[Figure, float]:
    (resource,) = decoded.resources
    return {
        Figure(int(figure)): float(value)
        for figure, value in zip(resource.figures, resource.values, strict=True)
    }


# --- requests as the SDK sends them ---------------------------------------------------------------


@pytest.mark.parametrize("encoding", [PROTOBUF, JSON])
def test_every_figure_from_the_sdk_is_read_with_its_value_and_time(encoding: str) -> None:
    before = int(time.time())
    body = sdk_request()
    after = int(time.time())
    decoded = decode(body if encoding == PROTOBUF else as_json(body), encoding, **around_now())

    assert decoded.rejected == 0 and decoded.reasons == ()
    (resource,) = decoded.resources
    assert (resource.deployment_id, resource.model_id, resource.model_version) == (
        "dep-7",
        "model-3",
        "2026-05",
    )
    expected = {figure: value for figure, value in GAUGES.values()} | {Figure.VOLUME: 120.0}
    assert points_of(decoded) == expected
    assert resource.figures.dtype == np.int8 and resource.at.dtype == np.int64
    assert resource.values.dtype == np.float64
    assert all(before <= at <= after for at in resource.at)


@pytest.mark.parametrize("encoding", [PROTOBUF, JSON])
def test_all_accepted_leaves_partial_success_unset(encoding: str) -> None:
    decoded = decode(
        sdk_request() if encoding == PROTOBUF else as_json(sdk_request()), encoding, **around_now()
    )
    answer = response(decoded, encoding)
    assert not parsed(answer, encoding).HasField("partial_success")
    assert answer == (b"" if encoding == PROTOBUF else b"{}")


def test_a_cumulative_counter_is_refused_and_named_in_the_answer() -> None:
    decoded = decode(sdk_request(delta=False), PROTOBUF, **around_now())

    assert Figure.VOLUME not in points_of(decoded)
    assert decoded.rejected == 1
    (reason,) = decoded.reasons
    assert reason.startswith("1 point: custos.requests is a cumulative sum") and "cumulativetodelta" in reason
    success = parsed(response(decoded, PROTOBUF)).partial_success
    assert success.rejected_data_points == 1 and "cumulativetodelta" in success.error_message


def test_a_resource_without_the_deployment_attribute_has_every_point_refused() -> None:
    decoded = decode(sdk_request(deployment=None), PROTOBUF, **around_now())
    assert decoded.resources == ()
    assert decoded.rejected == 8
    assert decoded.reasons == (f"8 points: a resource without the string attribute {DEPLOYMENT_ATTRIBUTE}",)


# --- the specification's published JSON example -------------------------------------------------


def test_the_published_example_parses_and_is_refused_for_want_of_a_deployment() -> None:
    decoded = decode(EXAMPLE.read_bytes(), "application/json; charset=utf-8", earliest=0, latest=2**40)
    assert decoded.resources == () and decoded.rejected == 3


def test_the_published_example_with_custos_names() -> None:
    text = (
        EXAMPLE.read_text()
        .replace('"service.name"', f'"{DEPLOYMENT_ATTRIBUTE}"')
        .replace('"my.counter"', '"custos.requests"')
        .replace('"my.gauge"', '"custos.latency.p50"')
        .replace('"my.histogram"', '"custos.latency.p95"')
    )
    # 1544712660300000000 ns is 2018-12-13 14:51:00.3 UTC
    decoded = decode(text.encode(), JSON, earliest=1544712660, latest=1544712660)

    (resource,) = decoded.resources
    assert resource.deployment_id == "my.service" and resource.model_id is None
    assert points_of(decoded) == {Figure.VOLUME: 5.0, Figure.LATENCY_P50: 10.0}
    assert list(resource.at) == [1544712660, 1544712660]
    assert decoded.reasons == ("1 point: custos.latency.p95 arrives as a histogram: it must be a gauge",)
    success = json.loads(response(decoded, JSON))["partialSuccess"]
    assert success["rejectedDataPoints"] in (1, "1")
    assert "histogram" in success["errorMessage"]


# --- bodies that cannot be read ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"\xff\xff\xff", PROTOBUF),
        (b"\x0a\x05\x0a", PROTOBUF),  # a field that claims five bytes and has one
        (b"{", JSON),
        (b"[]", JSON),
        (b'{"resourceMetrics": 3}', JSON),
        (b'{"resourceMetrics": [{"scopeMetrics": [{"metrics": [{"gauge": {"dataPoints": "x"}}]}]}]}', JSON),
        (b"\xff\xfe", JSON),
        (b"", "text/plain"),
        (b"", "application/grpc"),
    ],
)
def test_an_unreadable_body_is_refused_whole(body: bytes, content_type: str) -> None:
    with pytest.raises(InvalidInput):
        decode(body, content_type, **WINDOW)


def test_an_empty_body_is_an_empty_request() -> None:
    decoded = decode(b"", PROTOBUF, **WINDOW)
    assert decoded.resources == () and decoded.rejected == 0


# --- hand-built requests: one point per case -----------------------------------------------------


class Build:
    """An ExportMetricsServiceRequest built field by field, one resource at a time."""

    def __init__(self) -> None:
        self.request = ExportMetricsServiceRequest()

    def resource(self, **attributes: str | int) -> metrics_pb2.ScopeMetrics:
        resource = self.request.resource_metrics.add()
        for key, value in attributes.items():
            attribute = resource.resource.attributes.add()
            attribute.key = {"deployment": DEPLOYMENT_ATTRIBUTE, "model": MODEL_ATTRIBUTE}.get(key, key)
            if isinstance(value, str):
                attribute.value.string_value = value
            else:
                attribute.value.int_value = value
        scope: metrics_pb2.ScopeMetrics = resource.scope_metrics.add()
        return scope

    def body(self) -> bytes:
        body: bytes = self.request.SerializeToString()
        return body


def gauge(scope: metrics_pb2.ScopeMetrics, name: str, *values: float | int | None, at: int = NOW) -> None:
    metric = scope.metrics.add()
    metric.name = name
    for value in values:
        point = metric.gauge.data_points.add()
        point.time_unix_nano = at * 1_000_000_000 + 750_000_000
        if isinstance(value, int):
            point.as_int = value
        elif value is not None:
            point.as_double = value


def one(name: str, value: float | int | None, at: int = NOW) -> Decoded:
    build = Build()
    gauge(build.resource(deployment="dep-1"), name, value, at=at)
    return decode(build.body(), PROTOBUF, **WINDOW)


@pytest.mark.parametrize(
    ("name", "value", "at", "reason"),
    [
        ("custos.error_rate", 1.7, NOW, "1 point: custos.error_rate is outside 0–1 (first: 1.7)"),
        ("custos.availability", -0.1, NOW, "1 point: custos.availability is outside 0–1 (first: -0.1)"),
        ("custos.latency.p99", 7200.0, NOW, "1 point: custos.latency.p99 is outside 0 s–1 h (first: 2 h)"),
        (
            "custos.error_rate",
            math.nan,
            NOW,
            "1 point: custos.error_rate is not a finite number (first: nan)",
        ),
        (
            "custos.latency.p50",
            math.inf,
            NOW,
            "1 point: custos.latency.p50 is not a finite number (first: inf)",
        ),
        ("custos.error_rate", None, NOW, "1 point: custos.error_rate has a data point without a value"),
        ("http.server.duration", 0.5, NOW, "1 point: unknown metric 'http.server.duration'"),
        (
            "custos.error_rate",
            0.01,
            NOW - 7200,
            "1 point: timestamp earlier than 2026-05-31 23:00 UTC, the earliest accepted "
            "(first: 2026-05-31 22:00 UTC)",
        ),
        (
            "custos.error_rate",
            0.01,
            NOW + 3600,
            "1 point: timestamp later than 2026-06-01 00:05 UTC, the latest accepted "
            "(is the sender's clock ahead?) (first: 2026-06-01 01:00 UTC)",
        ),
        ("custos.latency", 0.5, NOW, "1 point: custos.latency arrives as a gauge"),
        ("custos.requests", 10, NOW, "1 point: custos.requests arrives as a gauge: it must be a monotonic"),
    ],
)
def test_each_refusal_is_counted_with_its_reason(
    name: str, value: float | None, at: int, reason: str
) -> None:
    decoded = one(name, value, at)
    assert decoded.resources == ()
    assert decoded.rejected == 1
    (given_reason,) = decoded.reasons
    assert given_reason.startswith(reason)
    success = parsed(response(decoded, PROTOBUF)).partial_success
    assert success.rejected_data_points == 1 and success.error_message == given_reason


def test_bounds_and_zero_are_accepted_as_int_or_double() -> None:
    build = Build()
    scope = build.resource(deployment="dep-1")
    gauge(scope, "custos.error_rate", 0, 1, 0.0, 1.0)
    gauge(scope, "custos.latency.p99", 3600)
    decoded = decode(build.body(), PROTOBUF, earliest=NOW, latest=NOW)
    (resource,) = decoded.resources
    assert list(resource.values) == [0.0, 1.0, 0.0, 1.0, 3600.0]
    assert list(resource.figures) == [Figure.ERROR_RATE] * 4 + [Figure.LATENCY_P99]
    assert list(resource.at) == [NOW] * 5  # nanoseconds dropped, not rounded
    assert decoded.rejected == 0


def test_a_point_with_no_recorded_value_is_skipped_and_not_counted() -> None:
    build = Build()
    metric = build.resource(deployment="dep-1").metrics.add()
    metric.name = "custos.error_rate"
    gap = metric.gauge.data_points.add()
    gap.time_unix_nano, gap.flags = NOW * 1_000_000_000, metrics_pb2.DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK
    gap_with_value = metric.gauge.data_points.add()
    gap_with_value.CopyFrom(gap)
    gap_with_value.as_double = 5.0
    decoded = decode(build.body(), PROTOBUF, **WINDOW)
    assert decoded.resources == () and decoded.rejected == 0


def test_the_same_deployment_in_two_resources_is_one_series() -> None:
    build = Build()
    gauge(build.resource(deployment="dep-1"), "custos.error_rate", 0.1)
    gauge(build.resource(deployment="dep-2"), "custos.error_rate", 0.2)
    gauge(build.resource(deployment="dep-1", model="m-1"), "custos.availability", 0.9)
    decoded = decode(build.body(), PROTOBUF, **WINDOW)
    assert [resource.deployment_id for resource in decoded.resources] == ["dep-1", "dep-2"]
    first = decoded.resources[0]
    assert first.model_id == "m-1"
    assert list(first.figures) == [Figure.ERROR_RATE, Figure.AVAILABILITY]
    assert list(first.values) == [0.1, 0.9]


def test_a_deployment_attribute_that_is_not_a_string_names_nothing() -> None:
    build = Build()
    gauge(build.resource(deployment=17), "custos.error_rate", 0.1)
    decoded = decode(build.body(), PROTOBUF, **WINDOW)
    assert decoded.resources == () and decoded.rejected == 1


def counter(temporality: int, *, monotonic: bool = True) -> bytes:
    build = Build()
    metric = build.resource(deployment="dep-1").metrics.add()
    metric.name = "custos.requests"
    metric.sum.aggregation_temporality = temporality
    metric.sum.is_monotonic = monotonic
    for count in (30, 45):
        point = metric.sum.data_points.add()
        point.time_unix_nano, point.as_int = NOW * 1_000_000_000, count
    return build.body()


def test_a_delta_counter_is_read_and_others_are_refused() -> None:
    delta = decode(counter(metrics_pb2.AGGREGATION_TEMPORALITY_DELTA), PROTOBUF, **WINDOW)
    assert points_of(Decoded(delta.resources[:1])) == {Figure.VOLUME: 45.0}
    assert list(delta.resources[0].values) == [30.0, 45.0]

    for body, why in [
        (counter(metrics_pb2.AGGREGATION_TEMPORALITY_CUMULATIVE), "cumulativetodelta"),
        (counter(metrics_pb2.AGGREGATION_TEMPORALITY_UNSPECIFIED), "no aggregation temporality"),
        (counter(metrics_pb2.AGGREGATION_TEMPORALITY_DELTA, monotonic=False), "not monotonic"),
    ]:
        refused = decode(body, PROTOBUF, **WINDOW)
        assert refused.resources == () and refused.rejected == 2
        assert refused.reasons[0].startswith("2 points: ") and why in refused.reasons[0]


def summary(*quantiles: tuple[float, float], at: int = NOW) -> Decoded:
    build = Build()
    metric = build.resource(deployment="dep-1").metrics.add()
    metric.name = "custos.latency"
    point = metric.summary.data_points.add()
    point.time_unix_nano, point.count, point.sum = at * 1_000_000_000, 100, 50.0
    for quantile, value in quantiles:
        entry = point.quantile_values.add()
        entry.quantile, entry.value = quantile, value
    return decode(build.body(), PROTOBUF, **WINDOW)


def test_the_latency_summary_gives_the_three_percentiles_and_ignores_other_quantiles() -> None:
    decoded = summary((0.0, 0.01), (0.5, 0.4), (0.9, 0.8), (0.95, 1.2), (0.99, 2.5), (1.0, 9.0))
    assert points_of(decoded) == {Figure.LATENCY_P50: 0.4, Figure.LATENCY_P95: 1.2, Figure.LATENCY_P99: 2.5}
    assert decoded.rejected == 0


def test_a_summary_point_is_refused_whole() -> None:
    impossible = summary((0.5, 0.4), (0.99, -1.0))
    assert impossible.resources == () and impossible.rejected == 1
    assert impossible.reasons == ("1 point: custos.latency quantile 0.99 is outside 0 s–1 h (first: -1 s)",)
    nothing_wanted = summary((0.0, 0.01), (1.0, 9.0))
    assert (
        nothing_wanted.rejected == 1 and "none of the quantiles 0.5, 0.95, 0.99" in nothing_wanted.reasons[0]
    )
    too_old = summary((0.5, 0.4), at=NOW - 86_400)
    assert too_old.rejected == 1 and too_old.reasons[0].startswith("1 point: timestamp earlier than")


# --- refusing resources afterwards, and the answer ----------------------------------------------


def test_refusing_a_resource_counts_its_points() -> None:
    build = Build()
    gauge(build.resource(deployment="dep-1"), "custos.error_rate", 0.1, 0.2, 7.0)
    gauge(build.resource(deployment="dep-2"), "custos.error_rate", 0.3)
    decoded = decode(build.body(), PROTOBUF, **WINDOW)
    assert decoded.rejected == 1

    refused = refuse(decoded, {0: "deployment dep-1 is not one of yours"})
    assert [resource.deployment_id for resource in refused.resources] == ["dep-2"]
    assert refused.rejected == 3
    assert refused.reasons == (
        "2 points: deployment dep-1 is not one of yours",
        "1 point: custos.error_rate is outside 0–1 (first: 7)",
    )
    assert parsed(response(refused, PROTOBUF)).partial_success.rejected_data_points == 3
    with pytest.raises(IndexError):
        refuse(decoded, {2: "no such resource"})


def test_many_reasons_are_listed_up_to_the_limit_and_the_rest_summed() -> None:
    build = Build()
    scope = build.resource(deployment="dep-1")
    for index in range(MAX_REASONS + 5):
        gauge(scope, f"vendor.metric.{index}", *([0.5] * (index + 1)))
    decoded = decode(build.body(), PROTOBUF, **WINDOW)
    assert decoded.rejected == sum(range(1, MAX_REASONS + 6))
    assert len(decoded.reasons) == MAX_REASONS + 1
    assert decoded.reasons[0] == f"{MAX_REASONS + 5} points: unknown metric 'vendor.metric.{MAX_REASONS + 4}'"
    assert decoded.reasons[-1] == "15 points: 5 other reasons"  # the five smallest: 1 + 2 + 3 + 4 + 5


def test_a_long_name_is_cut_short_in_the_reason() -> None:
    (reason,) = one("x" * 10_000, 0.5).reasons
    assert len(reason) < 120


# --- a property: every point sent is accepted or rejected, once ---------------------------------

KINDS = ("good", "nan", "high", "old", "new", "unknown", "gap")


def sent(kinds: Iterable[str]) -> Iterator[tuple[str, float, int, int]]:
    """(metric name, value, time, flags) for each kind of point."""
    for index, kind in enumerate(kinds):
        value = {"nan": math.nan, "high": 2.0}.get(kind, (index % 100) / 100)
        at = {"old": NOW - 7200, "new": NOW + 7200}.get(kind, NOW)
        name = "vendor.metric" if kind == "unknown" else "custos.error_rate"
        yield name, value, at, (1 if kind == "gap" else 0)


@settings(max_examples=60, deadline=None)
@given(
    deployments=st.lists(
        st.lists(st.sampled_from(KINDS), max_size=12),
        min_size=1,
        max_size=5,
    ),
    names=st.lists(st.sampled_from(["a", "b", "c"]), min_size=5, max_size=5),
    encoding=st.sampled_from([PROTOBUF, JSON]),
)
def test_accepted_and_rejected_add_up_to_the_points_sent(
    deployments: list[list[str]], names: list[str], encoding: str
) -> None:
    build = Build()
    expected: dict[str, list[float]] = {}
    for kinds, deployment in zip(deployments, names[: len(deployments)], strict=True):
        scope = build.resource(deployment=deployment)
        for name, value, at, flags in sent(kinds):
            metric = scope.metrics.add()
            metric.name = name
            point = metric.gauge.data_points.add()
            point.time_unix_nano, point.as_double, point.flags = at * 1_000_000_000, value, flags
        good = [value for (_, value, _, _), kind in zip(sent(kinds), kinds, strict=True) if kind == "good"]
        expected.setdefault(deployment, []).extend(good)
    body = build.body() if encoding == PROTOBUF else as_json(build.body())

    decoded = decode(body, encoding, **WINDOW)

    points_sent = sum(kind != "gap" for kinds in deployments for kind in kinds)
    accepted = sum(len(resource.values) for resource in decoded.resources)
    assert accepted + decoded.rejected == points_sent
    assert {resource.deployment_id: list(resource.values) for resource in decoded.resources} == {
        deployment: values for deployment, values in expected.items() if values
    }
    answer = parsed(response(decoded, encoding), encoding)
    assert answer.HasField("partial_success") == (decoded.rejected > 0)
    assert answer.partial_success.rejected_data_points == decoded.rejected
