"""YAML with lines and bounds: real documents with aliases load, bombs and deep nesting are refused
at once, before anything expands them."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from custos.core.yaml_lines import (
    MAX_DEPTH,
    YamlDuplicateKey,
    YamlTooLarge,
    load_with_lines,
    safe_load_bounded,
)
from tests.hostile.corpus import billion_laughs, nested_yaml


def test_aliases_in_a_real_document_still_load_with_their_lines() -> None:
    data, lines = load_with_lines("base: &base {draws: 1000}\nrun: *base\nlist:\n  - 1\n  - 2\n")
    assert data == {"base": {"draws": 1000}, "run": {"draws": 1000}, "list": [1, 2]}
    assert lines[("list", 1)] == 5


def test_the_alias_bomb_is_refused_quickly_and_in_little_memory() -> None:
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(YamlTooLarge, match="expands to more than"):
        load_with_lines(billion_laughs())
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 20 * 2**20, f"{peak / 2**20:.1f} MiB"
    assert elapsed < 5


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 20_000, 50_000])
def test_deep_nesting_is_refused_with_its_line(depth: int) -> None:
    with pytest.raises(YamlTooLarge, match=f"line 1: nested more than {MAX_DEPTH} levels"):
        safe_load_bounded(nested_yaml(depth))


def test_nesting_at_the_bound_is_accepted() -> None:
    assert safe_load_bounded(nested_yaml(MAX_DEPTH - 1)) is not None


def test_a_bomb_in_a_mapping_key_is_measured_too() -> None:
    within = billion_laughs(5)  # about 66,000 values: inside the bound
    assert safe_load_bounded(within) is not None
    with pytest.raises(YamlTooLarge):
        safe_load_bounded(within + "? [*a4, *a4, *a4, *a4]\n: value\n")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("severity: critical\nsource: external\nseverity: low\n", 3),
        ("outer:\n  a: 1\n  b: 2\n  a: 1\n", 4),
        ("- {x: 1, x: 2}\n", 1),
    ],
)
def test_a_repeated_key_is_refused_with_its_line(text: str, line: int) -> None:
    """YAML forbids a key twice in one mapping; keeping the last value would file what its
    author may not have meant."""
    for load in (safe_load_bounded, load_with_lines):
        with pytest.raises(YamlDuplicateKey, match=f"line {line}: the key"):
            load(text)


def test_merged_keys_and_equal_keys_in_other_mappings_are_not_repeats() -> None:
    text = "base: &base {x: 1}\nmerged:\n  <<: *base\n  y: 2\nother: {x: 1}\n"
    assert safe_load_bounded(text) == {"base": {"x": 1}, "merged": {"x": 1, "y": 2}, "other": {"x": 1}}
