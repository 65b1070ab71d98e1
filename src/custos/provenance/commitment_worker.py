"""What one process does with one chunk of a manifest: validate its lines, hash its leaves, and
hash the blocks of the tree they make.

A chunk is a byte range of the file holding whole blocks of ``2**k`` records, aligned on record
indices (the parent cuts it so, and tells it the index of its first record). Such a block is a
complete subtree of the RFC 9162 tree, so the chunk returns one root per block.

Every line is parsed in up to three ways, cheapest first, and the cheaper ones answer only
when they are sure. A line already in canonical form with printable ASCII strings (what
``orjson.dumps(record, option=OPT_SORT_KEYS)`` writes) is checked by one regular expression and
is its own canonical bytes. Any other line is parsed by orjson and its fields checked by type;
its canonical bytes are its strings written into a template when the line holds no escape, else
orjson's with sorted keys, which for strings and booleans are the RFC 8785 bytes. Anything
either declines goes to the pydantic model, which accepts it or names the line and field at
fault. A test holds the first two to the model, byte for byte.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import orjson
from blake3 import blake3
from pydantic import ValidationError

from custos.core.errors import InvalidInput
from custos.ledger.merkle_tree import MerkleTree
from custos.provenance.records import (
    CONTENT_HASH_PATTERN,
    DATE_PATTERN,
    ID_MAX,
    LANGUAGE_PATTERN,
    LICENCE_MAX,
    RECORD_FIELDS,
    SOURCE_MAX,
    SOURCE_TYPE_PATTERN,
    ManifestRecord,
    record_bytes,
)

SALT_SIZE = 16
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

#: A composition cell: (source_type, licence, language), UTF-8.
Cell = tuple[bytes, bytes, bytes]

# A JSON string of printable ASCII needs no escape in RFC 8785, so the line is its canonical form.
_PRINTABLE = rb"[ !#-\[\]-~]"
_CANONICAL_LINE = re.compile(
    rb'\{"collected_on":"(' + DATE_PATTERN.encode() + rb')"'
    rb',"content_hash":"' + CONTENT_HASH_PATTERN.encode() + rb'"'
    rb',"id":"' + _PRINTABLE + b"{1,%d}+" % ID_MAX + rb'"'
    rb',"language":"(' + LANGUAGE_PATTERN.encode() + rb')"'
    rb',"licence":"(' + _PRINTABLE + b"{1,%d}+" % LICENCE_MAX + rb')"'
    rb',"opt_out":(?:true|false),"pii":(?:true|false)'
    rb',"source":"' + _PRINTABLE + b"{1,%d}+" % SOURCE_MAX + rb'"'
    rb',"source_type":"(' + SOURCE_TYPE_PATTERN.encode() + rb')"\}'
).fullmatch

_SOURCE_TYPE = re.compile(SOURCE_TYPE_PATTERN).fullmatch
_LANGUAGE = re.compile(LANGUAGE_PATTERN).fullmatch
_CONTENT_HASH = re.compile(CONTENT_HASH_PATTERN).fullmatch
_DATE = re.compile(DATE_PATTERN).fullmatch


def _is_date(text: str) -> bool:
    if not _DATE(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


#: The canonical form of a record whose strings need no escape, keys in RFC 8785 order.
_TEMPLATE = (
    '{"collected_on":"%s","content_hash":"%s","id":"%s","language":"%s","licence":"%s",'
    '"opt_out":%s,"pii":%s,"source":"%s","source_type":"%s"}'
)
_JSON_BOOLEAN = {True: "true", False: "false"}


def canonical_value(value: object, *, unescaped: bool = False) -> tuple[bytes, Cell] | None:
    """The canonical bytes and cell of a parsed line when it is surely a valid record, else None.

    ``unescaped`` says the line held no backslash, so no string in it needs an escape (JSON
    text cannot carry a quote or a control character unescaped) and each is written as it is.
    """
    if type(value) is not dict or value.keys() != RECORD_FIELDS:
        return None
    id_, source, source_type = value["id"], value["source"], value["source_type"]
    licence, language, collected_on = value["licence"], value["language"], value["collected_on"]
    pii, opt_out, content_hash = value["pii"], value["opt_out"], value["content_hash"]
    if not (
        type(id_) is str
        and 0 < len(id_) <= ID_MAX
        and type(source) is str
        and 0 < len(source) <= SOURCE_MAX
        and type(licence) is str
        and 0 < len(licence) <= LICENCE_MAX
        and type(source_type) is str
        and _SOURCE_TYPE(source_type)
        and type(language) is str
        and _LANGUAGE(language)
        and type(collected_on) is str
        and _is_date(collected_on)
        and type(pii) is bool
        and type(opt_out) is bool
        and type(content_hash) is str
        and _CONTENT_HASH(content_hash)
    ):
        return None
    if unescaped:
        fields = (
            collected_on,
            content_hash,
            id_,
            language,
            licence,
            _JSON_BOOLEAN[opt_out],
            _JSON_BOOLEAN[pii],
        )
        canonical = (_TEMPLATE % (*fields, source, source_type)).encode()
    else:
        canonical = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    return canonical, (source_type.encode(), licence.encode(), language.encode())


def _refusal(error: ValidationError) -> str:
    problems = []
    for detail in error.errors(include_url=False):
        where = ".".join(str(part) for part in detail["loc"])
        problems.append(f"field '{where}': {detail['msg']}" if where else f"{detail['msg']}")
    return "; ".join(problems)


def canonical_slow(line: bytes, number: int) -> tuple[bytes, Cell]:
    """Any line, through the model: its canonical bytes and cell, or InvalidInput naming line ``number``."""
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        if not line.strip():
            raise InvalidInput(f"manifest line {number} is blank: every line must hold one record") from exc
        raise InvalidInput(f"manifest line {number} is not valid JSON: {exc}") from exc
    fast = canonical_value(value, unescaped=b"\\" not in line)
    if fast is not None:
        return fast
    if not isinstance(value, dict):
        raise InvalidInput(f"manifest line {number} must be a JSON object, got {type(value).__name__}")
    try:
        record = ManifestRecord.model_validate(value)
    except ValidationError as exc:
        raise InvalidInput(f"manifest line {number}: {_refusal(exc)}") from exc
    return record_bytes(record), (
        record.source_type.encode(),
        record.licence.encode(),
        record.language.encode(),
    )


def canonical_records(lines: list[bytes], first_number: int) -> tuple[list[bytes], Counter[Cell]]:
    """The canonical bytes of every line and the count of records per composition cell.

    Raises InvalidInput naming the first bad line; ``first_number`` is the 1-based number of
    ``lines[0]`` in the manifest. A line in canonical form is its own canonical bytes, so
    ``lines`` is returned as it is when every line is.
    """
    canonical = lines
    cells: Counter[Cell] = Counter()
    valid_dates: set[bytes] = set()
    fast = _CANONICAL_LINE
    for offset, line in enumerate(lines):
        match = fast(line)
        if match is not None:
            collected_on, language, licence, source_type = match.groups()
            if collected_on not in valid_dates and _is_date(collected_on.decode()):
                valid_dates.add(collected_on)
            if collected_on in valid_dates:
                cells[source_type, licence, language] += 1
                continue
        if canonical is lines:
            canonical = list(lines)
        canonical[offset], cell = canonical_slow(line, first_number + offset)
        cells[cell] += 1
    return canonical, cells


def block_salts(key: bytes, start: int, count: int) -> bytes:
    """Salts ``start .. start+count-1`` concatenated: one call of the keyed BLAKE3 XOF."""
    return blake3(key=key).digest(length=SALT_SIZE * count, seek=SALT_SIZE * start)


def leaves_of(canonical: list[bytes], salts: bytes) -> list[bytes]:
    sha = hashlib.sha256
    return [
        sha(_LEAF_PREFIX + salts[SALT_SIZE * i : SALT_SIZE * i + SALT_SIZE] + record).digest()
        for i, record in enumerate(canonical)
    ]


def perfect_root(leaves: list[bytes]) -> bytes:
    """Root of a complete subtree (a power-of-two count of leaves)."""
    sha = hashlib.sha256
    level = leaves
    while len(level) > 1:
        pairs = iter(level)
        level = [sha(_NODE_PREFIX + left + right).digest() for left, right in zip(pairs, pairs, strict=True)]
    return level[0]


@dataclass(frozen=True)
class Chunk:
    """A byte range of the manifest on line boundaries, holding whole blocks of records from
    record ``first`` (a multiple of ``block``), and the indices among them to reveal."""

    path: Path
    start: int
    end: int
    first: int
    key: bytes
    block: int
    wanted: tuple[int, ...] = ()


@dataclass(frozen=True)
class Found:
    """A wanted record: its canonical bytes, its salt and its inclusion proof within its block."""

    index: int
    canonical: bytes
    salt: bytes
    block_proof: tuple[bytes, ...]


@dataclass(frozen=True)
class ChunkHashes:
    """A chunk's record count, the roots of its blocks in order (the last one partial when the
    chunk ends the manifest off a block boundary), its composition cells and the wanted records."""

    count: int
    roots: tuple[bytes, ...]
    cells: Counter[Cell]
    found: tuple[Found, ...] = ()


def _lines(path: Path, start: int, end: int) -> list[bytes]:
    with path.open("rb") as manifest:
        manifest.seek(start)
        data = manifest.read(end - start)
    lines = data.split(b"\n")
    if data.endswith(b"\n"):
        lines.pop()
    return lines


def hash_chunk(chunk: Chunk) -> ChunkHashes:
    """Validate and hash the chunk's records and the roots of its blocks: the worker's whole job."""
    lines = _lines(chunk.path, chunk.start, chunk.end)
    canonical, cells = canonical_records(lines, chunk.first + 1)
    first, block = chunk.first, chunk.block
    salts = block_salts(chunk.key, first, len(canonical))
    leaves = leaves_of(canonical, salts)
    roots = []
    for start in range(0, len(leaves), block):
        members = leaves[start : start + block]
        roots.append(perfect_root(members) if len(members) == block else MerkleTree(members).root())
    found = []
    for index in chunk.wanted:
        offset = index - first
        start = offset - offset % block
        proof = MerkleTree(leaves[start : start + block]).inclusion_proof(offset - start)
        found.append(
            Found(
                index, canonical[offset], salts[SALT_SIZE * offset : SALT_SIZE * (offset + 1)], tuple(proof)
            )
        )
    return ChunkHashes(count=len(canonical), roots=tuple(roots), cells=cells, found=tuple(found))
