"""The components of a deposit: what files make up a model, and what each of them is.

A deposit escrows everything needed to run the model again: its weight shards, tokenizer,
configuration, inference code and passport. ``gather`` turns the paths a provider names into that
list, each file with the name it will carry inside the deposit, its role and its format. It reads
only the first bytes of a file (and a small JSON file whole, to tell a passport), never hashes
it: the sealing pass hashes every byte while it encrypts, so the files are read once.
"""

from __future__ import annotations

import json
import os
import stat
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from custos.core.errors import InvalidInput

HEAD_BYTES = 4096
"""How much of a file is read to recognise it: magic numbers and the start of a header."""

PASSPORT_SNIFF_LIMIT = 16 * 1024 * 1024
"""JSON files up to this size are parsed to tell a CycloneDX or SPDX passport; larger ones are not."""

GGUF_MAGIC = b"GGUF"
ZIP_MAGIC = b"PK\x03\x04"
PICKLE_PROTOCOL_OPCODE = 0x80


class Role(StrEnum):
    """What a component is for in the model."""

    WEIGHTS = "weights"
    TOKENIZER = "tokenizer"
    CONFIGURATION = "configuration"
    CODE = "code"
    PASSPORT = "passport"
    OTHER = "other"


class Format(StrEnum):
    """How a component is encoded."""

    SAFETENSORS = "safetensors"
    GGUF = "gguf"
    ONNX = "onnx"
    ONNX_DATA = "onnx-external-data"
    PYTORCH = "pytorch"
    JSON = "json"
    PYTHON = "python"
    SENTENCEPIECE = "sentencepiece"
    YAML = "yaml"
    TEXT = "text"
    BINARY = "binary"


WEIGHT_FORMATS = frozenset({Format.SAFETENSORS, Format.GGUF, Format.ONNX, Format.ONNX_DATA, Format.PYTORCH})
TOKENIZER_NAMES = frozenset(
    {
        "tokenizer.json",
        "tokenizer.model",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "added_tokens.json",
        "merges.txt",
        "spiece.model",
        "chat_template.json",
        "chat_template.jinja",
    }
)
CONFIGURATION_NAMES = frozenset(
    {
        "config.json",
        "generation_config.json",
        "preprocessor_config.json",
        "processor_config.json",
        "params.json",
    }
)
PYTORCH_SUFFIXES = frozenset({".bin", ".pt", ".pth", ".ckpt"})
TEXT_SUFFIXES = frozenset({".txt", ".md", ".jinja", ".cfg", ".toml"})


@dataclass(frozen=True, slots=True)
class Component:
    """One file of a deposit: ``name`` is its relative POSIX path inside the deposit."""

    name: str
    source: Path
    role: Role
    format: Format
    size: int


def gather(paths: Sequence[Path]) -> list[Component]:
    """The components under ``paths``, sorted by name; directories are walked recursively.

    A file given directly is named by its file name; a file found in a directory by its path
    relative to that directory. Refuses an empty list, a missing path, two components with the
    same name, a symbolic link that leads out of its directory, and anything but regular files.
    """
    if not paths:
        raise InvalidInput("nothing to deposit: give at least one file or directory")
    found: dict[str, Component] = {}
    for given in paths:
        for name, source in _files(Path(given)):
            if name in found:
                raise InvalidInput(
                    f"two components are named {name}: {found[name].source} and {source}",
                    evidence={"name": name},
                )
            found[name] = recognise(name, source)
    if not found:
        raise InvalidInput("nothing to deposit: the directories given hold no files")
    return [found[name] for name in sorted(found)]


def recognise(name: str, source: Path) -> Component:
    """The component ``source`` makes under ``name``: its format from content and name, then its role."""
    size = source.stat().st_size
    with source.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    file_format = _format(name, head, size)
    return Component(
        name=name, source=source, role=_role(name, file_format, source, size), format=file_format, size=size
    )


def _files(given: Path) -> Iterator[tuple[str, Path]]:
    """``(name, real path)`` of every file ``given`` stands for."""
    if not given.exists():
        kind = "a broken symbolic link" if given.is_symlink() else "does not exist"
        raise InvalidInput(f"{given}: {kind}", evidence={"path": str(given)})
    real = given.resolve()
    mode = real.stat().st_mode
    if stat.S_ISREG(mode):
        yield given.name, real
    elif stat.S_ISDIR(mode):
        yield from _walk(real, real, "", frozenset({real}))
    else:
        raise InvalidInput(f"{given}: {_special(mode)}, not a regular file", evidence={"path": str(given)})


def _walk(root: Path, directory: Path, prefix: str, ancestors: frozenset[Path]) -> Iterator[tuple[str, Path]]:
    """The files under ``directory``, following links only while they stay inside ``root``.

    ``ancestors`` holds the real directories on the way down, so a link back up is refused
    instead of walked forever.
    """
    with os.scandir(directory) as scan:
        entries = sorted(scan, key=lambda entry: entry.name)
    for entry in entries:
        name = prefix + entry.name
        path = Path(entry.path)
        real = path
        if entry.is_symlink():
            if not path.exists():
                raise InvalidInput(f"{name}: a broken symbolic link", evidence={"name": name})
            real = path.resolve()
            if not real.is_relative_to(root):
                raise InvalidInput(
                    f"{name}: a symbolic link that leaves the directory (to {real})", evidence={"name": name}
                )
        mode = real.stat().st_mode
        if stat.S_ISDIR(mode):
            if real in ancestors:
                raise InvalidInput(
                    f"{name}: a symbolic link back to a directory above it", evidence={"name": name}
                )
            yield from _walk(root, real, name + "/", ancestors | {real})
        elif stat.S_ISREG(mode):
            yield name, real
        else:
            raise InvalidInput(f"{name}: {_special(mode)}, not a regular file", evidence={"name": name})


def _special(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def _format(name: str, head: bytes, size: int) -> Format:
    """The format by magic number first, then by name, then by whether the content reads as text.

    A file named ``*.safetensors`` whose header is broken stays a safetensors shard: the
    exportability check then refuses it by name, where calling it opaque data would let a
    damaged shard into escrow unnoticed.
    """
    suffix = Path(name).suffix.lower()
    base = Path(name).name.lower()
    if head.startswith(GGUF_MAGIC):
        return Format.GGUF
    if _looks_like_safetensors(head, size) or suffix == ".safetensors":
        return Format.SAFETENSORS
    if suffix == ".gguf":
        return Format.GGUF
    if suffix == ".onnx":
        return Format.ONNX
    if base.endswith((".onnx_data", ".onnx.data")):
        return Format.ONNX_DATA
    if suffix in PYTORCH_SUFFIXES and (
        head.startswith(ZIP_MAGIC) or head[:1] == bytes([PICKLE_PROTOCOL_OPCODE])
    ):
        return Format.PYTORCH
    if suffix == ".model" and not _is_text(head):
        return Format.SENTENCEPIECE
    if suffix in {".json", ".jsonl"}:
        return Format.JSON
    if suffix == ".py":
        return Format.PYTHON
    if suffix in {".yaml", ".yml"}:
        return Format.YAML
    if suffix in TEXT_SUFFIXES or _is_text(head):
        return Format.TEXT
    return Format.BINARY


def _looks_like_safetensors(head: bytes, size: int) -> bool:
    """An 8-byte little-endian header length that fits in the file, then a JSON object (the spec's layout)."""
    if len(head) < 10:
        return False
    (length,) = struct.unpack("<Q", head[:8])
    return 2 <= length <= size - 8 and head[8:9] == b"{"


def _is_text(head: bytes) -> bool:
    """UTF-8 without NUL bytes; a character cut off at the end of the head does not count against it."""
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start >= len(head) - 3 and len(head) == HEAD_BYTES
    return True


def _role(name: str, file_format: Format, source: Path, size: int) -> Role:
    base = Path(name).name.lower()
    if file_format in WEIGHT_FORMATS:
        return Role.WEIGHTS
    if base in TOKENIZER_NAMES or base.startswith("vocab.") or base.endswith(".tiktoken"):
        return Role.TOKENIZER
    if base in CONFIGURATION_NAMES:
        return Role.CONFIGURATION
    if file_format is Format.PYTHON:
        return Role.CODE
    if file_format is Format.JSON and (
        base.startswith("passport") or base.endswith((".cdx.json", ".spdx.json")) or _is_bom(source, size)
    ):
        return Role.PASSPORT
    return Role.OTHER


def _is_bom(source: Path, size: int) -> bool:
    """Whether a JSON file is a CycloneDX or SPDX (2 or 3) document, the formats a passport is exported in."""
    if size > PASSPORT_SNIFF_LIMIT:
        return False
    try:
        document = json.loads(source.read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
    if not isinstance(document, dict):
        return False
    context = document.get("@context", "")
    contexts = context if isinstance(context, list) else [context]
    return (
        document.get("bomFormat") == "CycloneDX"
        or "spdxVersion" in document
        or any(isinstance(item, str) and "spdx.org" in item for item in contexts)
    )
