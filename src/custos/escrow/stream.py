"""The sealed stream: Tink's streaming AEAD ``AES256_GCM_HKDF_1MB`` on ``cryptography``.

The ciphertext format is Tink's, specified by its reference implementation
``com.google.crypto.tink.subtle.AesGcmHkdfStreaming`` (tink-java; tink-py wraps the same format
from tink-cc) and built on the STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár
("Online Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance", CRYPTO 2015):

* header = header length (one byte, 40) || salt (32 bytes) || nonce prefix (7 bytes);
* segment key = HKDF-SHA256(ikm = data key, salt = salt, info = associated data), 32 bytes;
* ciphertext segments of 2**20 bytes, the first shortened by the header, so header and first
  segment fill exactly one MiB (plaintext 2**20 - 40 - 16 bytes first, 2**20 - 16 after);
* segment i is AES-256-GCM, no associated data, under nonce = prefix || i (4 bytes, big
  endian) || 1 if the segment is the last else 0.

Writing the format Tink reads lets anyone open a deposit with a stock Tink library and a key,
without Custos. Because header and first segment fill one MiB, chunk ``i`` of a sealed stream
is always bytes ``[i * 2**20, (i + 1) * 2**20)``: the unit the Merkle tree commits to, audits
read by range and a decryption error names.

The file pipeline reads, encrypts and writes in order with a bounded number of segments in
flight (memory does not grow with the file), runs AES-GCM and the chunks' BLAKE3 digests on
worker threads and the plaintext SHA-256, which is sequential, on a thread of its own.
``cryptography``, ``blake3`` and ``hashlib`` release the GIL on large buffers, so threads use
every core.
"""

from __future__ import annotations

import hashlib
import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from blake3 import blake3
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from custos.core.errors import IntegrityFailure, InvalidInput
from custos.ledger.hashing import leaf_hash

KEY_SIZE = 32
SEGMENT_SIZE = 2**20
HEADER_SIZE = 1 + KEY_SIZE + 7
TAG_SIZE = 16
NONCE_PREFIX_SIZE = 7
FIRST_PLAINTEXT_SIZE = SEGMENT_SIZE - HEADER_SIZE - TAG_SIZE
PLAINTEXT_SEGMENT_SIZE = SEGMENT_SIZE - TAG_SIZE
MAX_SEGMENTS = 2**32

#: Called with the count of plaintext bytes just processed.
Progress = Callable[[int], None]


class ChunkError(IntegrityFailure):
    """A sealed stream does not decrypt; ``index`` is the first segment that is not as sealed.

    ``leaf`` is the RFC 9162 leaf hash of the bytes found at that segment's place (empty when
    there were none), so a caller holding the deposit's leaf hashes can say whose ciphertext
    it is.
    """

    def __init__(self, index: int, problem: str, *, leaf: bytes = b"") -> None:
        super().__init__(f"segment {index}: {problem}", evidence={"segment": index, "problem": problem})
        self.index = index
        self.problem = problem
        self.leaf = leaf


@dataclass(frozen=True)
class Sealed:
    """What sealing a stream produced; ``leaves`` commit to each ciphertext segment in order."""

    plaintext_size: int
    plaintext_sha256: str
    ciphertext_size: int
    leaves: tuple[bytes, ...]


@dataclass(frozen=True)
class Opened:
    plaintext_size: int
    plaintext_sha256: str


@dataclass(frozen=True)
class Header:
    salt: bytes
    nonce_prefix: bytes

    def encode(self) -> bytes:
        return bytes([HEADER_SIZE]) + self.salt + self.nonce_prefix


def new_header() -> Header:
    return Header(salt=os.urandom(KEY_SIZE), nonce_prefix=os.urandom(NONCE_PREFIX_SIZE))


def parse_header(data: bytes) -> Header:
    if len(data) < HEADER_SIZE:
        raise ChunkError(0, f"bad header: the stream holds {len(data)} bytes, a header needs {HEADER_SIZE}")
    if data[0] != HEADER_SIZE:
        raise ChunkError(0, f"bad header: its length byte is {data[0]}, expected {HEADER_SIZE}")
    return Header(salt=bytes(data[1 : 1 + KEY_SIZE]), nonce_prefix=bytes(data[1 + KEY_SIZE : HEADER_SIZE]))


def segment_nonce(nonce_prefix: bytes, index: int, last: bool) -> bytes:
    return nonce_prefix + index.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def chunk_digest(segment: bytes | bytearray | memoryview, header: bytes = b"") -> bytes:
    """BLAKE3-256 of a ciphertext chunk (segment 0 carries the stream's header): the entry the
    chunk is in the deposit's Merkle tree. BLAKE3, not SHA-256, because sealing already spends
    one SHA-256 pass on the plaintext digests the manifest needs, and a second over the
    ciphertext would halve the speed a deposit runs at; BLAKE3 runs at several times SHA-256's
    speed on one core. The tree above the entries is RFC 9162's, SHA-256."""
    digest = blake3(header)
    digest.update(segment)
    return digest.digest()


def segment_leaf(segment: bytes | bytearray | memoryview, header: bytes = b"") -> bytes:
    """RFC 9162 leaf hash of a ciphertext chunk: SHA-256 over 0x00 and the chunk's digest."""
    return leaf_hash(chunk_digest(segment, header))


class SegmentCipher:
    """The per-stream AES-256-GCM key derived from the data key, salt and associated data."""

    def __init__(self, key: bytes, associated_data: bytes, header: Header) -> None:
        if len(key) != KEY_SIZE:
            raise InvalidInput(f"the data key must be {KEY_SIZE} bytes, got {len(key)}")
        derived = HKDF(
            algorithm=hashes.SHA256(), length=KEY_SIZE, salt=header.salt, info=associated_data
        ).derive(key)
        self._aead = AESGCM(derived)
        self._prefix = header.nonce_prefix

    def encrypt_into(self, index: int, last: bool, plaintext: memoryview, out: memoryview) -> None:
        self._aead.encrypt_into(segment_nonce(self._prefix, index, last), plaintext, None, out)

    def decrypt_into(self, index: int, last: bool, ciphertext: memoryview, out: memoryview) -> bool:
        """Decrypt one segment; False (never an exception) when it does not authenticate."""
        try:
            self._aead.decrypt_into(segment_nonce(self._prefix, index, last), ciphertext, None, out)
        except InvalidTag:
            return False
        return True

    def encrypt(self, index: int, last: bool, plaintext: bytes) -> bytes:
        out = bytearray(len(plaintext) + TAG_SIZE)
        self.encrypt_into(index, last, memoryview(plaintext), memoryview(out))
        return bytes(out)

    def decrypt(self, index: int, last: bool, ciphertext: bytes, *, header: bytes = b"") -> bytes:
        """Decrypt one segment or raise :class:`ChunkError` saying why it is refused."""
        if len(ciphertext) < TAG_SIZE:
            raise ChunkError(index, f"truncated: {len(ciphertext)} bytes cannot hold a tag")
        out = bytearray(len(ciphertext) - TAG_SIZE)
        view = memoryview(ciphertext)
        if not self.decrypt_into(index, last, view, memoryview(out)):
            raise self.diagnose(index, last, view, header)
        return bytes(out)

    def diagnose(self, index: int, last: bool, ciphertext: memoryview, header: bytes) -> ChunkError:
        """Why a segment failed: it authenticates with the other last-segment flag or not at all."""
        leaf = segment_leaf(ciphertext, header)
        scratch = memoryview(bytearray(len(ciphertext) - TAG_SIZE))
        if self.decrypt_into(index, not last, ciphertext, scratch):
            if last:
                return ChunkError(
                    index + 1,
                    f"truncated: the stream ends after segment {index}, which is not the last",
                    leaf=b"",
                )
            return ChunkError(index + 1, f"trailing data after segment {index}, the last", leaf=b"")
        place = "at the stream's end " if last else ""
        cause = "wrong key or associated data, or " if index == 0 else ""
        return ChunkError(
            index, f"does not authenticate {place}({cause}modified, out of place or cut short)", leaf=leaf
        )


@dataclass
class _Slot:
    """Buffers for one segment in flight, and the work still reading them."""

    incoming: bytearray
    outgoing: bytearray
    pending: list[Future[Any]] = field(default_factory=list)

    def release(self) -> None:
        for future in self.pending:
            future.result()
        self.pending.clear()


def _read_full(source: BinaryIO, view: memoryview) -> int:
    """Read until ``view`` is full or the source ends; one ``readinto`` may return less."""
    filled = 0
    while filled < len(view):
        got = source.readinto(view[filled:])  # type: ignore[attr-defined]
        if not got:
            break
        filled += got
    return filled


def _depth(workers: int) -> int:
    if workers < 1:
        raise InvalidInput(f"workers must be at least 1, got {workers}")
    return max(4, 4 * workers)


def _feed(
    source: BinaryIO,
    slots: list[_Slot],
    sizes: tuple[int, int],
    inflight: deque[Any],
    submit: Callable[[int, _Slot, int, bool], None],
    drain: Callable[[], None],
    backlog: int,
) -> None:
    """Read segments into the slots in order and hand each to ``submit``, then drain the rest.

    A full segment is the last only if the source ends right after it, so the next segment is
    read before one is submitted. A slot is refilled only once its segment has been drained and
    the work still reading it has finished, which bounds memory at ``len(slots)`` segments. At
    most ``backlog`` segments wait to be drained.
    """
    depth = len(slots)
    first, full = sizes
    index, size = 0, _read_full(source, memoryview(slots[0].incoming)[:first])
    while True:
        if index >= MAX_SEGMENTS:
            raise InvalidInput(f"a sealed stream holds at most {MAX_SEGMENTS} segments")
        last, following = True, 0
        if size == (first if index == 0 else full):
            while len(inflight) >= backlog:
                drain()
            ahead = slots[(index + 1) % depth]
            ahead.release()
            following = _read_full(source, memoryview(ahead.incoming)[:full])
            last = following == 0
        submit(index, slots[index % depth], size, last)
        if last:
            break
        index, size = index + 1, following
    while inflight:
        drain()
    for slot in slots:
        slot.release()


def seal(
    key: bytes,
    associated_data: bytes,
    source: BinaryIO,
    sink: BinaryIO,
    *,
    workers: int = 2,
    progress: Progress | None = None,
) -> Sealed:
    """Encrypt ``source`` to ``sink`` in Tink's format; return sizes, SHA-256 and leaf hashes."""
    header = new_header()
    header_bytes = header.encode()
    cipher = SegmentCipher(key, associated_data, header)
    slots = [
        _Slot(bytearray(PLAINTEXT_SEGMENT_SIZE), bytearray(SEGMENT_SIZE)) for _ in range(_depth(workers))
    ]
    plaintext_digest = hashlib.sha256()
    leaves: list[bytes] = []
    inflight: deque[tuple[Future[bytes], _Slot, int]] = deque()
    totals = [0, 0]

    def encrypt(index: int, slot: _Slot, size: int, last: bool) -> bytes:
        out = memoryview(slot.outgoing)[: size + TAG_SIZE]
        cipher.encrypt_into(index, last, memoryview(slot.incoming)[:size], out)
        return segment_leaf(out, header_bytes if index == 0 else b"")

    def submit(index: int, slot: _Slot, size: int, last: bool) -> None:
        slot.pending.append(hasher.submit(plaintext_digest.update, memoryview(slot.incoming)[:size]))
        inflight.append((pool.submit(encrypt, index, slot, size, last), slot, size))

    def drain() -> None:
        future, slot, size = inflight.popleft()
        leaves.append(future.result())
        if len(leaves) == 1:
            sink.write(header_bytes)
        sink.write(memoryview(slot.outgoing)[: size + TAG_SIZE])
        totals[0] += size
        totals[1] += size + TAG_SIZE
        if progress is not None:
            progress(size)

    with ThreadPoolExecutor(workers) as pool, ThreadPoolExecutor(1) as hasher:
        try:
            _feed(
                source,
                slots,
                (FIRST_PLAINTEXT_SIZE, PLAINTEXT_SEGMENT_SIZE),
                inflight,
                submit,
                drain,
                backlog=len(slots) - 1,
            )
        finally:
            pool.shutdown(cancel_futures=True)
            hasher.shutdown(cancel_futures=True)
    return Sealed(
        plaintext_size=totals[0],
        plaintext_sha256=plaintext_digest.hexdigest(),
        ciphertext_size=HEADER_SIZE + totals[1],
        leaves=tuple(leaves),
    )


def unseal(
    key: bytes,
    associated_data: bytes,
    source: BinaryIO,
    sink: BinaryIO,
    *,
    workers: int = 2,
    progress: Progress | None = None,
) -> Opened:
    """Decrypt ``source`` to ``sink``; every segment is authenticated before it is written.

    Raises :class:`ChunkError` naming the first segment that is not as sealed. What was written
    to ``sink`` before the error is authentic but incomplete: the caller discards it.
    """
    header_bytes = source.read(HEADER_SIZE)
    cipher = SegmentCipher(key, associated_data, parse_header(header_bytes))
    slots = [
        _Slot(bytearray(SEGMENT_SIZE), bytearray(PLAINTEXT_SEGMENT_SIZE)) for _ in range(_depth(workers))
    ]
    plaintext_digest = hashlib.sha256()
    inflight: deque[tuple[Future[None], _Slot, int]] = deque()
    total = [0]

    def decrypt(index: int, slot: _Slot, size: int, last: bool) -> None:
        segment = memoryview(slot.incoming)[:size]
        header = header_bytes if index == 0 else b""
        if size < TAG_SIZE:
            leaf = segment_leaf(segment, header) if size else b""
            problem = "missing" if size == 0 else f"truncated to {size} bytes"
            raise ChunkError(index, f"{problem}: the stream ends before a segment flagged last", leaf=leaf)
        if not cipher.decrypt_into(index, last, segment, memoryview(slot.outgoing)[: size - TAG_SIZE]):
            raise cipher.diagnose(index, last, segment, header)

    def submit(index: int, slot: _Slot, size: int, last: bool) -> None:
        slot.release()
        inflight.append((pool.submit(decrypt, index, slot, size, last), slot, size))

    def drain() -> None:
        future, slot, size = inflight.popleft()
        future.result()
        plaintext = memoryview(slot.outgoing)[: size - TAG_SIZE]
        slot.pending.append(hasher.submit(plaintext_digest.update, plaintext))
        sink.write(plaintext)
        total[0] += len(plaintext)
        if progress is not None:
            progress(len(plaintext))

    with ThreadPoolExecutor(workers) as pool, ThreadPoolExecutor(1) as hasher:
        try:
            # The plaintext is hashed only once a segment is drained (authenticated), and its slot is
            # read into again ``len(slots)`` segments later: draining at half the slots gives the
            # hash that long to finish, so reading and hashing overlap instead of taking turns.
            _feed(
                source,
                slots,
                (SEGMENT_SIZE - HEADER_SIZE, SEGMENT_SIZE),
                inflight,
                submit,
                drain,
                backlog=len(slots) // 2,
            )
        finally:
            pool.shutdown(cancel_futures=True)
            hasher.shutdown(cancel_futures=True)
    return Opened(plaintext_size=total[0], plaintext_sha256=plaintext_digest.hexdigest())
