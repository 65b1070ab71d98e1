"""A model's components and the exportability of its weights, against files the format libraries write."""

from __future__ import annotations

import json
import os
import re
import struct
import tracemalloc
from pathlib import Path

import gguf
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from safetensors.numpy import save_file

from custos.core.errors import InvalidInput
from custos.escrow.components import Component, Format, Role, gather
from custos.escrow.weight_formats import (
    DEFAULT_TOLERANCE,
    Inventory,
    check_exportable,
    inventory,
    require_exportable,
)

SHARD_ONE = {"embed": np.zeros((32, 8), np.float32), "norm": np.ones(8, np.float16)}
SHARD_TWO = {"layer.0.weight": np.zeros((8, 8), np.float32), "head": np.zeros((8, 32), np.float32)}
TWO_SHARD_PARAMETERS = 32 * 8 + 8 + 8 * 8 + 8 * 32


def write_json(path: Path, document: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    return path


def write_shard(path: Path, tensors: dict[str, np.ndarray]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path))
    return path


def hugging_face_folder(root: Path) -> Path:
    write_json(root / "config.json", {"model_type": "x", "hidden_size": 8})
    write_json(root / "generation_config.json", {"max_new_tokens": 16})
    write_json(root / "tokenizer.json", {"version": "1.0", "model": {"type": "BPE"}})
    write_json(root / "tokenizer_config.json", {"model_max_length": 128})
    write_shard(root / "model-00001-of-00002.safetensors", SHARD_ONE)
    write_shard(root / "model-00002-of-00002.safetensors", SHARD_TWO)
    (root / "modeling_x.py").write_text("class XModel:\n    pass\n")
    (root / "README.md").write_text("# X\n\nA small model.\n")
    return root


def by_name(components: list[Component]) -> dict[str, Component]:
    return {component.name: component for component in components}


# Gathering


def test_a_hugging_face_folder_has_its_roles_and_formats(tmp_path: Path) -> None:
    root = hugging_face_folder(tmp_path / "model")

    components = gather([root])

    assert [(c.name, c.role, c.format) for c in components] == [
        ("README.md", Role.OTHER, Format.TEXT),
        ("config.json", Role.CONFIGURATION, Format.JSON),
        ("generation_config.json", Role.CONFIGURATION, Format.JSON),
        ("model-00001-of-00002.safetensors", Role.WEIGHTS, Format.SAFETENSORS),
        ("model-00002-of-00002.safetensors", Role.WEIGHTS, Format.SAFETENSORS),
        ("modeling_x.py", Role.CODE, Format.PYTHON),
        ("tokenizer.json", Role.TOKENIZER, Format.JSON),
        ("tokenizer_config.json", Role.TOKENIZER, Format.JSON),
    ]
    for component in components:
        assert component.source == (root / component.name).resolve()
        assert component.size == os.stat(root / component.name).st_size


def test_directories_name_their_files_relative_to_themselves_and_files_by_their_own_name(
    tmp_path: Path,
) -> None:
    root = tmp_path / "deposit"
    write_shard(root / "weights" / "model-00002.safetensors", SHARD_TWO)
    (root / "code" / "serve").mkdir(parents=True)
    (root / "code" / "serve" / "run.py").write_text("print('x')\n")
    passport = write_json(tmp_path / "elsewhere" / "passport-x.json", {"name": "X"})

    names = [c.name for c in gather([root, passport])]

    assert names == ["code/serve/run.py", "passport-x.json", "weights/model-00002.safetensors"]


def test_passports_are_told_by_name_and_by_cyclonedx_or_spdx_content(tmp_path: Path) -> None:
    write_json(tmp_path / "passport.json", {"anything": 1})
    write_json(tmp_path / "bom.json", {"bomFormat": "CycloneDX", "specVersion": "1.6"})
    write_json(tmp_path / "sbom.json", {"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"})
    write_json(tmp_path / "legacy.json", {"spdxVersion": "SPDX-2.3"})
    write_json(tmp_path / "model.cdx.json", {"components": []})
    write_json(tmp_path / "results.json", {"accuracy": 0.9})
    (tmp_path / "broken.json").write_text("{not json")

    roles = {c.name: c.role for c in gather([tmp_path])}

    assert roles == {
        "passport.json": Role.PASSPORT,
        "bom.json": Role.PASSPORT,
        "sbom.json": Role.PASSPORT,
        "legacy.json": Role.PASSPORT,
        "model.cdx.json": Role.PASSPORT,
        "results.json": Role.OTHER,
        "broken.json": Role.OTHER,
    }


def test_tokenizer_files_by_their_usual_names(tmp_path: Path) -> None:
    (tmp_path / "vocab.txt").write_text("[PAD]\n[UNK]\n")
    (tmp_path / "merges.txt").write_text("#version: 0.2\nh e\n")
    (tmp_path / "tokenizer.model").write_bytes(b"\x0a\x00\x12\x05\xff\xfe\x00\x01")

    found = by_name(gather([tmp_path]))

    assert {name: c.role for name, c in found.items()} == dict.fromkeys(found, Role.TOKENIZER)
    assert found["tokenizer.model"].format is Format.SENTENCEPIECE
    assert found["vocab.txt"].format is Format.TEXT


def test_weights_are_recognised_by_their_header_whatever_the_name(tmp_path: Path) -> None:
    write_shard(tmp_path / "shard.dat", SHARD_ONE)
    gguf_path = tmp_path / "model.bin"
    write_gguf(gguf_path)
    (tmp_path / "notes.safetensors.txt").write_text("not a shard\n")
    (tmp_path / "blob.bin").write_bytes(bytes(range(256)) * 4)

    found = {c.name: (c.role, c.format) for c in gather([tmp_path])}

    assert found == {
        "shard.dat": (Role.WEIGHTS, Format.SAFETENSORS),
        "model.bin": (Role.WEIGHTS, Format.GGUF),
        "notes.safetensors.txt": (Role.OTHER, Format.TEXT),
        "blob.bin": (Role.OTHER, Format.BINARY),
    }


def test_a_shard_named_safetensors_with_a_broken_header_stays_a_shard_to_be_refused(tmp_path: Path) -> None:
    (tmp_path / "model.safetensors").write_bytes(b"\x00" * 64)

    (component,) = gather([tmp_path])

    assert (component.role, component.format) == (Role.WEIGHTS, Format.SAFETENSORS)


def test_gathering_reads_only_the_head_of_a_large_weight_file(tmp_path: Path) -> None:
    header = json.dumps({"w": {"dtype": "F32", "shape": [2**24], "data_offsets": [0, 2**26]}}).encode()
    big = tmp_path / "big.safetensors"
    with big.open("wb") as handle:
        handle.write(struct.pack("<Q", len(header)) + header)
        handle.truncate(8 + len(header) + 2**26)

    tracemalloc.start()
    (component,) = gather([big])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert component.size == 8 + len(header) + 2**26
    assert peak < 1024 * 1024


def test_nothing_given_is_refused() -> None:
    with pytest.raises(InvalidInput, match="nothing to deposit"):
        gather([])


def test_an_empty_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="hold no files"):
        gather([tmp_path])


def test_a_missing_path_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=re.escape("missing.safetensors: does not exist")):
        gather([tmp_path / "missing.safetensors"])


def test_two_components_with_the_same_name_are_refused(tmp_path: Path) -> None:
    write_json(tmp_path / "a" / "config.json", {})
    write_json(tmp_path / "b" / "config.json", {})

    with pytest.raises(InvalidInput, match=re.escape("two components are named config.json")):
        gather([tmp_path / "a", tmp_path / "b"])


def test_a_symbolic_link_inside_the_directory_is_followed(tmp_path: Path) -> None:
    root = tmp_path / "model"
    target = write_json(root / "configs" / "config.json", {"hidden_size": 8})
    (root / "config.json").symlink_to(target)

    found = by_name(gather([root]))

    assert found["config.json"].source == target.resolve()
    assert found["config.json"].role is Role.CONFIGURATION


def test_a_symbolic_link_leaving_the_directory_is_refused(tmp_path: Path) -> None:
    outside = write_json(tmp_path / "secret.json", {})
    root = tmp_path / "model"
    root.mkdir()
    (root / "config.json").symlink_to(outside)

    with pytest.raises(
        InvalidInput, match=re.escape("config.json: a symbolic link that leaves the directory")
    ):
        gather([root])


def test_a_symbolic_link_back_up_the_tree_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "model"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "loop").symlink_to(root)

    with pytest.raises(InvalidInput, match="sub/loop: a symbolic link back to a directory above it"):
        gather([root])


def test_a_broken_symbolic_link_is_refused(tmp_path: Path) -> None:
    (tmp_path / "gone.json").symlink_to(tmp_path / "nowhere.json")

    with pytest.raises(InvalidInput, match=re.escape("gone.json: a broken symbolic link")):
        gather([tmp_path])


def test_a_named_pipe_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")

    with pytest.raises(InvalidInput, match="pipe: a named pipe, not a regular file"):
        gather([tmp_path])


# The inventory of weight shards


def write_gguf(path: Path) -> int:
    """A GGUF file with two tensors; returns their parameter count."""
    writer = gguf.GGUFWriter(str(path), "llama")
    tensors = {
        "token_embd.weight": np.zeros((40, 16), np.float32),
        "output_norm.weight": np.ones(16, np.float32),
    }
    for name, array in tensors.items():
        writer.add_tensor(name, array)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return sum(array.size for array in tensors.values())


def write_onnx(path: Path) -> int:
    """An ONNX model with two initializers, one inside an ``If`` branch; returns their parameter count."""
    weight = numpy_helper.from_array(np.zeros((3, 5), np.float32), "W")
    branch_bias = numpy_helper.from_array(np.zeros(5, np.float32), "B")
    out = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 5])
    branch = helper.make_graph(
        [helper.make_node("Identity", ["B"], ["y"])], "branch", [], [out], [branch_bias]
    )
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "W"], ["z"]),
            helper.make_node("If", ["c"], ["y"], then_branch=branch, else_branch=branch),
        ],
        "g",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3]),
            helper.make_tensor_value_info("c", TensorProto.BOOL, []),
        ],
        [out],
        [weight],
    )
    onnx.save(helper.make_model(graph), str(path))
    return 3 * 5 + 5 + 5  # the branch is referenced twice and its bias is stored in both


def test_safetensors_shards_add_up_to_their_parameters(tmp_path: Path) -> None:
    components = gather([hugging_face_folder(tmp_path)])

    found = inventory(components)

    assert found.parameters == sum(a.size for a in SHARD_ONE.values()) + sum(
        a.size for a in SHARD_TWO.values()
    )
    assert found.parameters == TWO_SHARD_PARAMETERS
    assert [(s.name, s.format, s.tensors) for s in found.shards] == [
        ("model-00001-of-00002.safetensors", Format.SAFETENSORS, 2),
        ("model-00002-of-00002.safetensors", Format.SAFETENSORS, 2),
    ]
    assert [s.parameters for s in found.shards] == [32 * 8 + 8, 8 * 8 + 8 * 32]


def test_a_bfloat16_shard_is_counted(tmp_path: Path) -> None:
    header = json.dumps({"w": {"dtype": "BF16", "shape": [3, 7], "data_offsets": [0, 42]}}).encode()
    (tmp_path / "model.safetensors").write_bytes(struct.pack("<Q", len(header)) + header + bytes(42))

    assert inventory(gather([tmp_path])).parameters == 21


def test_a_gguf_file_is_counted(tmp_path: Path) -> None:
    expected = write_gguf(tmp_path / "model.gguf")

    found = inventory(gather([tmp_path]))

    assert found.parameters == expected == 40 * 16 + 16
    assert [(s.format, s.tensors) for s in found.shards] == [(Format.GGUF, 2)]


def test_an_onnx_model_is_counted_with_its_subgraphs(tmp_path: Path) -> None:
    expected = write_onnx(tmp_path / "model.onnx")

    found = inventory(gather([tmp_path]))

    assert found.parameters == expected
    assert found.shards[0].format is Format.ONNX


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        ("truncated", "invalid header length"),
        ("bad json", "invalid JSON"),
        ("offsets beyond the file", "incomplete metadata"),
    ],
)
def test_a_damaged_safetensors_header_is_refused_naming_the_shard(
    tmp_path: Path, damage: str, reason: str
) -> None:
    write_shard(tmp_path / "weights" / "model-00001.safetensors", SHARD_ONE)
    shard = write_shard(tmp_path / "weights" / "model-00002.safetensors", SHARD_TWO)
    content = shard.read_bytes()
    if damage == "truncated":
        shard.write_bytes(content[:12])
    elif damage == "bad json":
        (length,) = struct.unpack("<Q", content[:8])
        shard.write_bytes(content[:8] + b"{" + b"'" * (length - 1) + content[8 + length :])
    else:
        shard.write_bytes(content[:-16])

    with pytest.raises(InvalidInput, match=reason) as refusal:
        inventory(gather([tmp_path]))

    assert refusal.value.message.startswith("weights/model-00002.safetensors: the header does not parse: ")


def test_a_damaged_gguf_file_is_refused_naming_it(tmp_path: Path) -> None:
    write_gguf(tmp_path / "model.gguf")
    (tmp_path / "model.gguf").write_bytes((tmp_path / "model.gguf").read_bytes()[:40])

    with pytest.raises(InvalidInput, match=r"^model.gguf: the header does not parse: "):
        inventory(gather([tmp_path]))


def test_a_file_named_onnx_that_is_not_onnx_is_refused(tmp_path: Path) -> None:
    (tmp_path / "model.onnx").write_bytes(b"\xff\xfe garbage")

    with pytest.raises(InvalidInput, match=r"^model.onnx: the header does not parse: "):
        inventory(gather([tmp_path]))


def test_a_pytorch_pickle_is_refused_rather_than_unpickled(tmp_path: Path) -> None:
    (tmp_path / "pytorch_model.bin").write_bytes(b"\x80\x02}q\x00.")

    with pytest.raises(
        InvalidInput, match=re.escape("pytorch_model.bin: the header does not parse: a PyTorch pickle")
    ):
        inventory(gather([tmp_path]))


def test_a_tensor_in_two_shards_is_refused(tmp_path: Path) -> None:
    write_shard(tmp_path / "a.safetensors", SHARD_ONE)
    write_shard(tmp_path / "b.safetensors", SHARD_ONE)

    with pytest.raises(InvalidInput, match=re.escape("is in two shards, a.safetensors and b.safetensors")):
        inventory(gather([tmp_path]))


def test_no_weight_shards_is_refused(tmp_path: Path) -> None:
    write_json(tmp_path / "config.json", {})

    with pytest.raises(InvalidInput, match="no weight shards: a deposit escrows the weights"):
        inventory(gather([tmp_path]))


# The declared count


def counted(parameters: int) -> Inventory:
    return Inventory(shards=(), parameters=parameters)


def test_a_count_within_the_tolerance_is_accepted_and_reported() -> None:
    result = check_exportable(counted(6_900_000_000), 7.0e9)

    assert result.ok and result.checked
    assert result.difference == pytest.approx(0.1 / 7)
    assert result.tolerance == DEFAULT_TOLERANCE == 0.02
    assert result.summary == (
        "the shards hold 6.9 × 10^9 parameters; the passport declares 7 × 10^9 (1.4% off, tolerance 2%)"
    )


def test_a_count_exactly_at_the_tolerance_is_accepted_and_just_beyond_it_refused() -> None:
    assert check_exportable(counted(1020), 1000).ok
    assert check_exportable(counted(980), 1000).ok
    assert not check_exportable(counted(1021), 1000).ok
    assert not check_exportable(counted(979), 1000).ok


def test_a_count_outside_the_tolerance_is_refused_with_both_figures(tmp_path: Path) -> None:
    components = gather([hugging_face_folder(tmp_path)])
    declared = TWO_SHARD_PARAMETERS * 1.05

    with pytest.raises(InvalidInput) as refusal:
        require_exportable(components, declared)

    assert refusal.value.message == (
        "the shards hold 584 parameters; the passport declares 613 (4.8% off, tolerance 2%)"
    )


def test_real_shards_matching_the_declared_count_are_exportable(tmp_path: Path) -> None:
    components = gather([hugging_face_folder(tmp_path)])

    result = require_exportable(components, TWO_SHARD_PARAMETERS * 1.01)

    assert result.ok and result.counted == TWO_SHARD_PARAMETERS


def test_an_undeclared_count_is_left_unchecked_and_says_so(tmp_path: Path) -> None:
    result = require_exportable(gather([hugging_face_folder(tmp_path)]), None)

    assert (result.checked, result.ok, result.declared, result.difference) == (False, True, None, None)
    assert "unchecked: the passport declares no parameter count" in result.summary


@pytest.mark.parametrize("declared", [0.0, -5.0, float("nan"), float("inf")])
def test_a_declared_count_that_is_not_a_positive_number_is_refused(declared: float) -> None:
    with pytest.raises(InvalidInput, match="must be a positive number"):
        check_exportable(counted(10), declared)
