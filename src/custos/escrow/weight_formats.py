"""Whether a deposit's weights can be exported: every shard's header parses, and its tensors add up
to the parameter count the passport declares.

Only headers are read: safetensors and GGUF through memory maps, ONNX without its external data.
A deposit whose shards cannot be read, or hold a different model than the passport describes,
would be escrowed in good faith and found useless only on the day it is released.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import onnx
from gguf import GGUFReader
from safetensors import safe_open

from custos.core import units
from custos.core.errors import InvalidInput
from custos.escrow.components import Component, Format, Role

DEFAULT_TOLERANCE = 0.02
"""How far the counted parameters may be from the declared count, as a share of the declared count.

Counts differ for innocent reasons: a published count is rounded (to three significant figures it
errs by up to 0.5%), an export may store a tied embedding and output head once where the count
names both, or keep buffers (rotary tables, position ids) the count leaves out. Two per cent
absorbs those in a model of a few billion parameters and more, and is still smaller than one
transformer layer in a model of up to about fifty layers, so a truncated model or a smaller
sibling does not pass. A difference exactly at the tolerance is accepted.
"""

MOST_TOLERANCE = 0.05
"""The largest tolerance a deposit may state: the depositor chooses it, and past a few per cent a
missing shard or a smaller sibling would pass."""


def check_tolerance(tolerance: float) -> float:
    """Refuse a tolerance that is not a share between 0 and ``MOST_TOLERANCE``."""
    if not (math.isfinite(tolerance) and 0 <= tolerance <= MOST_TOLERANCE):
        raise InvalidInput(
            f"the tolerance must be between 0 and {units.percent(MOST_TOLERANCE)}, not {tolerance}"
        )
    return tolerance


COUNTED_FORMATS = (Format.SAFETENSORS, Format.GGUF, Format.ONNX)
"""Shards whose header lists their tensors. ONNX external data is counted through its graph;
a PyTorch pickle is not read, since unpickling runs code."""


@dataclass(frozen=True, slots=True)
class Shard:
    """One weight shard's tensors, as its header lists them."""

    name: str
    format: Format
    tensors: int
    parameters: int


@dataclass(frozen=True, slots=True)
class Inventory:
    """Every weight shard of a deposit and the parameters they hold together."""

    shards: tuple[Shard, ...]
    parameters: int


@dataclass(frozen=True, slots=True)
class Exportability:
    """The counted parameters against the declared ones; ``checked`` is false when none were declared."""

    counted: int
    declared: float | None
    difference: float | None
    tolerance: float
    checked: bool
    ok: bool
    summary: str


def inventory(components: Sequence[Component]) -> Inventory:
    """The tensors of every weight shard.

    Refuses a deposit without shards, a header that does not parse, and a tensor stored twice
    (it would be counted twice).
    """
    weights = [component for component in components if component.role is Role.WEIGHTS]
    if not weights:
        raise InvalidInput("no weight shards: a deposit escrows the weights")
    shards: list[Shard] = []
    owner: dict[tuple[Format, str], str] = {}
    for component in weights:
        if component.format is Format.ONNX_DATA:
            continue
        shapes = _shapes(component)
        for tensor in {name for name, _ in shapes}:
            key = (component.format, tensor)
            if key in owner:
                raise InvalidInput(
                    f"tensor {tensor} is in two shards, {owner[key]} and {component.name}",
                    evidence={"tensor": tensor},
                )
            owner[key] = component.name
        parameters = sum(math.prod(shape) for _, shape in shapes)
        shards.append(Shard(component.name, component.format, len(shapes), parameters))
    if not shards:
        raise InvalidInput(
            "no weight shards: a deposit escrows the weights (external data without its ONNX graph)"
        )
    return Inventory(shards=tuple(shards), parameters=sum(shard.parameters for shard in shards))


def check_exportable(
    found: Inventory, declared_parameters: float | None, tolerance: float = DEFAULT_TOLERANCE
) -> Exportability:
    """The inventory's parameter count against the declared one; ``None`` declared leaves it unchecked."""
    check_tolerance(tolerance)
    counted = found.parameters
    if declared_parameters is None:
        return Exportability(
            counted=counted,
            declared=None,
            difference=None,
            tolerance=tolerance,
            checked=False,
            ok=True,
            summary=f"the shards hold {units.scientific(counted)} parameters; "
            "unchecked: the passport declares no parameter count",
        )
    if not (math.isfinite(declared_parameters) and declared_parameters > 0):
        raise InvalidInput(
            f"the declared parameter count must be a positive number, not {declared_parameters}"
        )
    difference = abs(counted - declared_parameters) / declared_parameters
    ok = difference <= tolerance
    return Exportability(
        counted=counted,
        declared=declared_parameters,
        difference=difference,
        tolerance=tolerance,
        checked=True,
        ok=ok,
        summary=f"the shards hold {units.scientific(counted)} parameters; the passport declares "
        f"{units.scientific(declared_parameters)} ({units.percent(difference)} off, "
        f"tolerance {units.percent(tolerance)})",
    )


def require_exportable(
    components: Sequence[Component], declared_parameters: float | None, tolerance: float = DEFAULT_TOLERANCE
) -> Exportability:
    """``check_exportable`` over the components' inventory; refuses a count outside the tolerance."""
    result = check_exportable(inventory(components), declared_parameters, tolerance)
    if not result.ok:
        raise InvalidInput(
            result.summary,
            evidence={"counted": result.counted, "declared": result.declared, "tolerance": result.tolerance},
        )
    return result


def _shapes(component: Component) -> list[tuple[str, tuple[int, ...]]]:
    """Each tensor's name and shape from the shard's header; refuses the shard by name if it does not parse.

    The parsers raise many kinds of error on a damaged file (their own, ``ValueError``,
    ``IndexError``, protobuf's ``DecodeError``), and each means the same: the header does not parse.
    """
    if component.format not in COUNTED_FORMATS:
        reason = (
            "a PyTorch pickle is not read, since unpickling runs code; convert it to safetensors"
            if component.format is Format.PYTORCH
            else f"no header to read in {component.format} format"
        )
        raise InvalidInput(
            f"{component.name}: the header does not parse: {reason}", evidence={"name": component.name}
        )
    try:
        if component.format is Format.SAFETENSORS:
            return _safetensors_shapes(component)
        if component.format is Format.GGUF:
            return _gguf_shapes(component)
        return _onnx_shapes(component)
    except Exception as error:
        raise InvalidInput(
            f"{component.name}: the header does not parse: {error}", evidence={"name": component.name}
        ) from error


def _safetensors_shapes(component: Component) -> list[tuple[str, tuple[int, ...]]]:
    """The library checks the header against the spec: its length, its JSON, offsets covering the file."""
    with safe_open(str(component.source), framework="numpy") as handle:
        return [(key, tuple(handle.get_slice(key).get_shape())) for key in handle.keys()]  # noqa: SIM118 (not iterable)


def _gguf_shapes(component: Component) -> list[tuple[str, tuple[int, ...]]]:
    reader = GGUFReader(component.source)
    return [(tensor.name, tuple(int(dim) for dim in tensor.shape)) for tensor in reader.tensors]


def _onnx_shapes(component: Component) -> list[tuple[str, tuple[int, ...]]]:
    """Initializers of the graph and of its subgraphs (the branches of ``If``, the bodies of ``Loop``)."""
    model = onnx.load(str(component.source), load_external_data=False)
    if model.ir_version <= 0 or not model.HasField("graph"):
        raise ValueError("not an ONNX model (no IR version or no graph)")
    shapes: list[tuple[str, tuple[int, ...]]] = []
    for graph in _graphs([model.graph]):
        shapes.extend((tensor.name, tuple(tensor.dims)) for tensor in graph.initializer)
        shapes.extend((sparse.values.name, tuple(sparse.dims)) for sparse in graph.sparse_initializer)
    return shapes


def _graphs(graphs: Iterable[Any]) -> Iterable[Any]:
    for graph in graphs:
        yield graph
        for node in graph.node:
            for attribute in node.attribute:
                yield from _graphs([attribute.g] if attribute.HasField("g") else [])
                yield from _graphs(attribute.graphs)
