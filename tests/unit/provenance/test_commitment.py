"""Manifest commitments, reveals and their verification, against the RFC 9162 reference root,
the in-memory Merkle tree's proofs and the pydantic model of a record."""

from __future__ import annotations

import hashlib
import json
import stat
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest
from blake3 import blake3
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from custos.core.errors import Conflict, InvalidInput
from custos.ledger.hashing import reference_root
from custos.ledger.merkle_tree import MerkleTree
from custos.provenance import commitment
from custos.provenance.commitment import (
    SALT_SIZE,
    commit_manifest,
    new_key,
    read_key,
    record_leaf,
    reveal,
    salts,
    verify_revealed,
    write_key,
)
from custos.provenance.commitment_worker import _CANONICAL_LINE, canonical_records, canonical_value
from custos.provenance.records import COMPOSITION_DIMENSIONS, ManifestRecord, RevealedRecord, record_bytes

from .test_records import records

KEY = bytes(range(32))
SOURCE_TYPES = ("web", "code", "books")
LANGUAGES = ("en", "de", "zh-Hans")


def record(number: int) -> dict[str, Any]:
    return {
        "id": f"doc-{number}",
        "source": f"https://example{number % 5}.org/{number}" + ("/Übersicht" if number % 4 == 0 else ""),
        "source_type": SOURCE_TYPES[number % 3],
        "licence": ("MIT", "CC-BY-4.0")[number % 2],
        "language": LANGUAGES[number % 3 - 1],
        "collected_on": f"2024-0{number % 9 + 1}-1{number % 10}",
        "pii": number % 7 == 0,
        "opt_out": number % 3 == 0,
        "content_hash": "sha256:" + hashlib.sha256(str(number).encode()).hexdigest(),
    }


def line(value: dict[str, Any], number: int) -> bytes:
    """Lines in several forms: canonical, insertion order, and json.dumps with spaces and escapes."""
    if number % 3 == 0:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    if number % 3 == 1:
        return orjson.dumps(value)
    return json.dumps(value).encode()


def write(path: Path, values: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(line(value, number) + b"\n" for number, value in enumerate(values)))
    return path


def leaves(values: list[dict[str, Any]], key: bytes = KEY) -> list[bytes]:
    """Leaves recomputed independently of the commitment: the model's bytes, the XOF's salts."""
    stream = blake3(key=key).digest(length=SALT_SIZE * len(values))
    return [
        hashlib.sha256(
            b"\x00"
            + stream[SALT_SIZE * i : SALT_SIZE * (i + 1)]
            + record_bytes(ManifestRecord.model_validate(value))
        ).digest()
        for i, value in enumerate(values)
    ]


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of 2 records and chunks of 150 bytes (a few records), so chunks and blocks abound."""
    monkeypatch.setattr(commitment, "_BLOCK", 2)
    monkeypatch.setattr(commitment, "_CHUNK_BYTES", 150)


SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33]


@pytest.mark.parametrize("size", SIZES)
def test_root_is_the_rfc_root_of_the_salted_leaves(tmp_path: Path, size: int) -> None:
    values = [record(i) for i in range(size)]
    committed = commit_manifest(write(tmp_path / "m.jsonl", values), KEY, workers=1)
    assert committed.root == reference_root(leaves(values))
    assert committed.count == size


@pytest.mark.parametrize("size", SIZES)
def test_blocks_and_chunks_stitch_to_the_rfc_root(tmp_path: Path, size: int, small_blocks: None) -> None:
    values = [record(i) for i in range(size)]
    committed = commit_manifest(write(tmp_path / "m.jsonl", values), KEY, workers=1)
    assert committed.root == reference_root(leaves(values))


@pytest.mark.parametrize(
    ("block", "chunk", "workers", "threads"), [(2, 150, 2, 1), (4, 700, 3, 1), (1, 100, 2, 2), (4, 300, 2, 2)]
)
def test_workers_commit_to_the_rfc_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int, chunk: int, workers: int, threads: int
) -> None:
    """Forked workers, and fresh interpreters (what a process running threads gets)."""
    monkeypatch.setattr(commitment, "_BLOCK", block)
    monkeypatch.setattr(commitment, "_CHUNK_BYTES", chunk)
    monkeypatch.setattr(commitment.threading, "active_count", lambda: threads)
    values = [record(i) for i in range(37)]
    seen: list[int] = []
    committed = commit_manifest(
        write(tmp_path / "m.jsonl", values), KEY, workers=workers, progress=seen.append
    )
    assert committed.root == reference_root(leaves(values))
    assert seen == sorted(seen) and seen[-1] == 37 and len(seen) > 1


def test_composition_counts_records_per_category(tmp_path: Path, small_blocks: None) -> None:
    values = [record(i) for i in range(23)]
    committed = commit_manifest(write(tmp_path / "m.jsonl", values), KEY, workers=1)
    assert committed.composition == {
        dimension: dict(Counter(value[dimension] for value in values)) for dimension in COMPOSITION_DIMENSIONS
    }


def test_the_key_changes_every_leaf(tmp_path: Path) -> None:
    path = write(tmp_path / "m.jsonl", [record(i) for i in range(5)])
    assert commit_manifest(path, KEY, workers=1).root != commit_manifest(path, new_key(), workers=1).root


def test_line_endings_do_not_change_the_commitment(tmp_path: Path) -> None:
    values = [record(i) for i in range(6)]
    plain = write(tmp_path / "lf.jsonl", values)
    crlf = tmp_path / "crlf.jsonl"
    crlf.write_bytes(plain.read_bytes().replace(b"\n", b"\r\n"))
    unterminated = tmp_path / "last.jsonl"
    unterminated.write_bytes(plain.read_bytes().rstrip(b"\n"))
    roots = {commit_manifest(path, KEY, workers=1).root for path in (plain, crlf, unterminated)}
    assert roots == {reference_root(leaves(values))}


def test_salts_are_slices_of_the_keyed_xof() -> None:
    stream = blake3(key=KEY).digest(length=SALT_SIZE * 10)
    assert salts(KEY, 0, 10) == [stream[16 * i : 16 * (i + 1)] for i in range(10)]
    assert salts(KEY, 7, 2) == [stream[112:128], stream[128:144]]
    with pytest.raises(InvalidInput, match="32 bytes"):
        salts(b"short", 0, 1)


def test_record_leaf_is_the_rfc_leaf_of_salt_and_record() -> None:
    assert record_leaf(b"s" * 16, b"{}") == hashlib.sha256(b"\x00" + b"s" * 16 + b"{}").digest()


@pytest.mark.parametrize(("workers", "patched"), [(1, False), (1, True), (2, True)])
def test_every_revealed_proof_verifies_and_is_the_trees_proof(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int, patched: bool
) -> None:
    if patched:
        monkeypatch.setattr(commitment, "_BLOCK", 4)
        monkeypatch.setattr(commitment, "_CHUNK_BYTES", 300)
    monkeypatch.setattr(commitment.os, "cpu_count", lambda: workers)
    values = [record(i) for i in range(21)]
    path = write(tmp_path / "m.jsonl", values)
    committed = commit_manifest(path, KEY, workers=1)
    asked = [20, 0, 5, 13, 4]
    revealed = reveal(path, KEY, asked)
    tree = MerkleTree(leaves(values))
    stream = blake3(key=KEY).digest(length=SALT_SIZE * 21)
    assert [item.index for item in revealed] == asked
    for item in revealed:
        assert item.record == ManifestRecord.model_validate(values[item.index])
        assert item.salt == stream[16 * item.index : 16 * (item.index + 1)].hex()
        assert item.proof == tuple(node.hex() for node in tree.inclusion_proof(item.index))
    verify_revealed(committed.root, committed.count, revealed)


@pytest.fixture
def sample(tmp_path: Path) -> tuple[bytes, int, list[RevealedRecord]]:
    path = write(tmp_path / "m.jsonl", [record(i) for i in range(13)])
    committed = commit_manifest(path, KEY, workers=1)
    return committed.root, committed.count, reveal(path, KEY, [2, 7, 12])


def tampered(item: RevealedRecord, **changes: Any) -> RevealedRecord:
    return item.model_copy(update=changes)


def test_a_tampered_record_fails(sample: tuple[bytes, int, list[RevealedRecord]]) -> None:
    root, count, revealed = sample
    changed = tampered(
        revealed[1], record=revealed[1].record.model_copy(update={"opt_out": not revealed[1].record.opt_out})
    )
    with pytest.raises(InvalidInput, match="record 7 does not verify"):
        verify_revealed(root, count, [revealed[0], changed, revealed[2]])


def test_a_tampered_salt_fails(sample: tuple[bytes, int, list[RevealedRecord]]) -> None:
    root, count, revealed = sample
    salt = bytes.fromhex(revealed[0].salt)
    with pytest.raises(InvalidInput, match="record 2 does not verify"):
        verify_revealed(root, count, [tampered(revealed[0], salt=(bytes([salt[0] ^ 1]) + salt[1:]).hex())])
    with pytest.raises(InvalidInput, match="record 2: a salt is 16 bytes"):
        verify_revealed(root, count, [tampered(revealed[0], salt=salt[:15].hex())])


def test_a_tampered_proof_fails(sample: tuple[bytes, int, list[RevealedRecord]]) -> None:
    root, count, revealed = sample
    item = revealed[2]
    flipped = ("00" * 32, *item.proof[1:])
    for proof in (flipped, item.proof[:-1], (*item.proof, "00" * 32)):
        with pytest.raises(InvalidInput, match="record 12 does not verify"):
            verify_revealed(root, count, [tampered(item, proof=proof)])


def test_a_moved_index_or_wrong_count_or_root_fails(sample: tuple[bytes, int, list[RevealedRecord]]) -> None:
    root, count, revealed = sample
    with pytest.raises(InvalidInput, match="record 3 does not verify"):
        verify_revealed(root, count, [tampered(revealed[0], index=3)])
    with pytest.raises(InvalidInput, match="does not verify"):
        verify_revealed(root, count + 1, revealed)
    # A proof binds the tree's size through the shape of its path: 8 records make other paths.
    with pytest.raises(InvalidInput, match="does not verify"):
        verify_revealed(root, 8, revealed[:2])
    with pytest.raises(InvalidInput, match="does not verify"):
        verify_revealed(hashlib.sha256(root).digest(), count, revealed)


def test_an_index_outside_or_repeated_fails(sample: tuple[bytes, int, list[RevealedRecord]]) -> None:
    root, count, revealed = sample
    with pytest.raises(InvalidInput, match="record 12 is outside a manifest of 12 records"):
        verify_revealed(root, 12, revealed)
    with pytest.raises(InvalidInput, match="record 7 is revealed twice"):
        verify_revealed(root, count, [revealed[1], revealed[0], revealed[1]])


def test_reveal_refuses_indices_outside_or_repeated(tmp_path: Path) -> None:
    path = write(tmp_path / "m.jsonl", [record(i) for i in range(4)])
    with pytest.raises(InvalidInput, match="record 4 is outside a manifest of 4 records"):
        reveal(path, KEY, [1, 4])
    with pytest.raises(InvalidInput, match="negative"):
        reveal(path, KEY, [-1])
    with pytest.raises(InvalidInput, match="twice"):
        reveal(path, KEY, [2, 2])


BAD_LINES = [
    (b"", "line 3 is blank"),
    (b"   ", "line 3 is blank"),
    (b'{"id": ', "line 3 is not valid JSON"),
    (b"[1, 2]", "line 3 must be a JSON object"),
    (orjson.dumps({**record(2), "pii": "yes"}), "line 3: field 'pii'"),
    (orjson.dumps({**record(2), "collected_on": "2023-02-30"}), "line 3: field 'collected_on'"),
    (orjson.dumps({**record(2), "extra": 1}), "line 3: field 'extra'"),
    (orjson.dumps({k: v for k, v in record(2).items() if k != "source"}), "line 3: field 'source'"),
]


@pytest.mark.parametrize(("bad", "message"), BAD_LINES)
def test_a_malformed_line_is_named(tmp_path: Path, bad: bytes, message: str) -> None:
    lines = [orjson.dumps(record(i)) for i in range(5)]
    lines[2] = bad
    path = tmp_path / "m.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    with pytest.raises(InvalidInput, match=message):
        commit_manifest(path, KEY, workers=1)


def test_the_first_bad_line_is_named_across_chunks_and_workers(tmp_path: Path, small_blocks: None) -> None:
    lines = [orjson.dumps(record(i)) for i in range(30)]
    lines[17] = orjson.dumps({**record(17), "opt_out": 0})
    lines[25] = b""
    path = tmp_path / "m.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    with pytest.raises(InvalidInput, match="line 18: field 'opt_out'"):
        commit_manifest(path, KEY, workers=2)


def test_an_empty_manifest_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    with pytest.raises(InvalidInput, match="empty"):
        commit_manifest(path, KEY)


def test_a_key_file_round_trips_private_and_is_never_overwritten(tmp_path: Path) -> None:
    key, path = new_key(), tmp_path / "salt.key"
    write_key(path, key)
    assert read_key(path) == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(Conflict):
        write_key(path, new_key())


@pytest.mark.parametrize("content", ["", "zz" * 32, "ab" * 31, "AB" * 32, "ab" * 33])
def test_a_bad_key_file_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "salt.key"
    path.write_text(content)
    with pytest.raises(InvalidInput, match="salt key"):
        read_key(path)


def test_a_missing_key_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read"):
        read_key(tmp_path / "absent.key")


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=5,
)


@st.composite
def candidate_lines(draw: st.DrawFn) -> tuple[Any, bytes]:
    """A valid record, often spoiled (a field replaced, removed or added), in one of four forms."""
    value: Any = draw(records())
    spoil = draw(st.sampled_from(["none", "replace", "remove", "add", "whole"]))
    if spoil == "replace":
        value[draw(st.sampled_from(sorted(value)))] = draw(JSON_VALUES)
    elif spoil == "remove":
        del value[draw(st.sampled_from(sorted(value)))]
    elif spoil == "add":
        value[draw(st.text(min_size=1, max_size=8))] = draw(JSON_VALUES)
    elif spoil == "whole":
        value = draw(JSON_VALUES)
    form = draw(st.sampled_from(["canonical", "orjson", "json-ascii", "json-sorted"]))
    if form == "canonical":
        text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    elif form == "orjson":
        text = orjson.dumps(value)
    else:
        text = json.dumps(value, ensure_ascii=form == "json-ascii", sort_keys=form == "json-sorted").encode()
    return value, text


@settings(max_examples=1500, deadline=None)
@given(candidate_lines())
def test_the_fast_paths_accept_and_write_exactly_what_the_model_does(candidate: tuple[Any, bytes]) -> None:
    value, text = candidate
    try:
        model = ManifestRecord.model_validate(value)
    except ValidationError:
        model = None
    fast = canonical_value(value, unescaped=b"\\" not in text)
    try:
        canonical, cells = canonical_records([text], 1)
    except InvalidInput:
        assert model is None
        assert fast is None
        return
    assert model is not None
    assert canonical == [record_bytes(model)]
    assert cells == Counter(
        {(model.source_type.encode(), model.licence.encode(), model.language.encode()): 1}
    )
    assert fast is None or fast[0] == record_bytes(model)
    assert fast is not None  # the typed check takes every valid record


PRINTABLE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=40)


@settings(max_examples=300, deadline=None)
@given(records(), PRINTABLE, PRINTABLE, PRINTABLE)
def test_a_canonical_printable_ascii_line_takes_the_expression(
    value: dict[str, Any], id_: str, source: str, licence: str
) -> None:
    value = {**value, "id": id_, "source": source, "licence": licence}
    text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    canonical, _ = canonical_records([text], 1)
    assert canonical[0] == record_bytes(ManifestRecord.model_validate(value))
    assert (_CANONICAL_LINE(text) is not None) == (b"\\" not in text)
