"""The sealed stream against Tink itself, and every way a stored stream can be damaged."""

from __future__ import annotations

import hashlib
import io
import os

import pytest
from blake3 import blake3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tink import cleartext_keyset_handle, streaming_aead
from tink.proto import aes_gcm_hkdf_streaming_pb2, common_pb2, tink_pb2

from custos.core.errors import IntegrityFailure, InvalidInput
from custos.escrow.stream import (
    FIRST_PLAINTEXT_SIZE,
    HEADER_SIZE,
    PLAINTEXT_SEGMENT_SIZE,
    SEGMENT_SIZE,
    ChunkError,
    Header,
    SegmentCipher,
    seal,
    unseal,
)
from custos.ledger.hashing import leaf_hash


def chunk_leaf(chunk: bytes) -> bytes:
    """A chunk's leaf, computed apart from the code under test: RFC 9162 over its BLAKE3 digest."""
    return leaf_hash(blake3(chunk).digest())


KEY = bytes(range(32))
AD = b"custos-escrow/v1\x00model\x00weights.safetensors"
SIZES = [
    0,
    1,
    FIRST_PLAINTEXT_SIZE - 1,
    FIRST_PLAINTEXT_SIZE,
    FIRST_PLAINTEXT_SIZE + 1,
    FIRST_PLAINTEXT_SIZE + PLAINTEXT_SEGMENT_SIZE - 1,
    FIRST_PLAINTEXT_SIZE + PLAINTEXT_SEGMENT_SIZE,
    FIRST_PLAINTEXT_SIZE + PLAINTEXT_SEGMENT_SIZE + 1,
    5 * 2**20 + 12_345,
]


class _Kept(io.BytesIO):
    """A BytesIO that Tink's encrypting stream cannot close, so its content can be read after."""

    def close(self) -> None:
        pass


def tink_primitive(key: bytes) -> streaming_aead.StreamingAead:
    streaming_aead.register()
    params = aes_gcm_hkdf_streaming_pb2.AesGcmHkdfStreamingParams(
        ciphertext_segment_size=2**20, derived_key_size=32, hkdf_hash_type=common_pb2.SHA256
    )
    key_proto = aes_gcm_hkdf_streaming_pb2.AesGcmHkdfStreamingKey(version=0, key_value=key, params=params)
    keyset = tink_pb2.Keyset(
        primary_key_id=7,
        key=[
            tink_pb2.Keyset.Key(
                key_data=tink_pb2.KeyData(
                    type_url="type.googleapis.com/google.crypto.tink.AesGcmHkdfStreamingKey",
                    value=key_proto.SerializeToString(),
                    key_material_type=tink_pb2.KeyData.SYMMETRIC,
                ),
                status=tink_pb2.ENABLED,
                key_id=7,
                output_prefix_type=tink_pb2.RAW,
            )
        ],
    )
    handle = cleartext_keyset_handle.from_keyset(keyset)
    return handle.primitive(streaming_aead.StreamingAead)


def sealed(data: bytes, *, key: bytes = KEY, ad: bytes = AD, workers: int = 2) -> bytes:
    sink = io.BytesIO()
    seal(key, ad, io.BytesIO(data), sink, workers=workers)
    return sink.getvalue()


def opened(ciphertext: bytes, *, key: bytes = KEY, ad: bytes = AD) -> bytes:
    sink = io.BytesIO()
    unseal(key, ad, io.BytesIO(ciphertext), sink)
    return sink.getvalue()


def chunk_error(ciphertext: bytes, **kwargs: bytes) -> ChunkError:
    with pytest.raises(ChunkError) as caught:
        opened(ciphertext, **kwargs)
    return caught.value


@pytest.fixture(scope="module")
def tink() -> streaming_aead.StreamingAead:
    return tink_primitive(KEY)


@pytest.mark.parametrize("size", SIZES)
def test_tink_opens_what_we_seal(tink: streaming_aead.StreamingAead, size: int) -> None:
    data = os.urandom(size)
    with tink.new_decrypting_stream(io.BytesIO(sealed(data)), AD) as plaintext:
        assert plaintext.read() == data


@pytest.mark.parametrize("size", SIZES)
def test_we_open_what_tink_seals(tink: streaming_aead.StreamingAead, size: int) -> None:
    data = os.urandom(size)
    kept = _Kept()
    with tink.new_encrypting_stream(kept, AD) as encrypting:
        encrypting.write(data)
    ciphertext = kept.getvalue()
    assert opened(ciphertext) == data
    assert len(sealed(data)) == len(ciphertext)


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_sealed_reports_sizes_digest_and_a_leaf_per_mebibyte(workers: int) -> None:
    data = os.urandom(3 * 2**20 + 77)
    sink = io.BytesIO()
    result = seal(KEY, AD, io.BytesIO(data), sink, workers=workers)
    ciphertext = sink.getvalue()
    assert result.plaintext_size == len(data)
    assert result.plaintext_sha256 == hashlib.sha256(data).hexdigest()
    assert result.ciphertext_size == len(ciphertext) == HEADER_SIZE + len(data) + 4 * 16
    chunks = [ciphertext[i : i + SEGMENT_SIZE] for i in range(0, len(ciphertext), SEGMENT_SIZE)]
    assert list(result.leaves) == [chunk_leaf(chunk) for chunk in chunks]
    back = io.BytesIO()
    opened_result = unseal(KEY, AD, io.BytesIO(ciphertext), back, workers=workers)
    assert back.getvalue() == data
    assert opened_result.plaintext_sha256 == result.plaintext_sha256


def test_progress_counts_every_plaintext_byte() -> None:
    data = os.urandom(2 * 2**20)
    seen: list[int] = []
    sink = io.BytesIO()
    seal(KEY, AD, io.BytesIO(data), sink, progress=seen.append)
    assert sum(seen) == len(data) and len(seen) == 3
    opened_seen: list[int] = []
    unseal(KEY, AD, io.BytesIO(sink.getvalue()), io.BytesIO(), progress=opened_seen.append)
    assert opened_seen == seen


def test_two_seals_of_the_same_data_differ() -> None:
    assert sealed(b"same") != sealed(b"same")


FOUR_SEGMENTS = FIRST_PLAINTEXT_SIZE + 2 * PLAINTEXT_SEGMENT_SIZE + 1000


def test_a_flipped_bit_names_its_segment() -> None:
    ciphertext = bytearray(sealed(os.urandom(FOUR_SEGMENTS)))
    ciphertext[2 * SEGMENT_SIZE + 500] ^= 0x04
    error = chunk_error(bytes(ciphertext))
    assert error.index == 2
    assert "does not authenticate" in error.problem
    assert isinstance(error, IntegrityFailure)


def test_swapped_segments_name_the_first_out_of_place() -> None:
    ciphertext = sealed(os.urandom(FOUR_SEGMENTS))
    one, two = ciphertext[SEGMENT_SIZE : 2 * SEGMENT_SIZE], ciphertext[2 * SEGMENT_SIZE : 3 * SEGMENT_SIZE]
    swapped = ciphertext[:SEGMENT_SIZE] + two + one + ciphertext[3 * SEGMENT_SIZE :]
    error = chunk_error(swapped)
    assert error.index == 1
    assert error.leaf == chunk_leaf(two)


def test_a_removed_last_segment_is_truncation() -> None:
    ciphertext = sealed(os.urandom(FOUR_SEGMENTS))
    error = chunk_error(ciphertext[: 3 * SEGMENT_SIZE])
    assert error.index == 3
    assert error.problem.startswith("truncated")


def test_a_stream_cut_inside_a_segment_names_it() -> None:
    ciphertext = sealed(os.urandom(FOUR_SEGMENTS))
    assert chunk_error(ciphertext[: 2 * SEGMENT_SIZE + 100]).index == 2
    assert chunk_error(ciphertext[: 2 * SEGMENT_SIZE + 5]).index == 2


def test_a_stream_of_only_its_header_is_truncated() -> None:
    ciphertext = sealed(os.urandom(10))
    error = chunk_error(ciphertext[:HEADER_SIZE])
    assert error.index == 0 and "missing" in error.problem


def test_data_after_a_full_last_segment_is_trailing() -> None:
    ciphertext = sealed(os.urandom(FIRST_PLAINTEXT_SIZE + PLAINTEXT_SEGMENT_SIZE))
    assert len(ciphertext) == 2 * SEGMENT_SIZE
    error = chunk_error(ciphertext + b"extra")
    assert error.index == 2
    assert "trailing data after segment 1" in error.problem


def test_data_appended_to_a_short_last_segment_names_it() -> None:
    ciphertext = sealed(os.urandom(FOUR_SEGMENTS))
    assert chunk_error(ciphertext + b"x").index == 3
    assert chunk_error(ciphertext + os.urandom(SEGMENT_SIZE)).index == 3


@pytest.mark.parametrize("tamper", ["key", "ad"])
def test_wrong_key_or_associated_data_fails_at_segment_zero(tamper: str) -> None:
    ciphertext = sealed(os.urandom(FOUR_SEGMENTS))
    if tamper == "key":
        error = chunk_error(ciphertext, key=bytes(32))
    else:
        error = chunk_error(ciphertext, ad=AD + b"x")
    assert error.index == 0
    assert "wrong key or associated data" in error.problem


def test_a_bad_header_is_refused() -> None:
    ciphertext = bytearray(sealed(b"hello"))
    ciphertext[0] = 41
    assert "bad header" in chunk_error(bytes(ciphertext)).problem
    assert "bad header" in chunk_error(bytes(ciphertext[:20])).problem


def test_a_key_of_the_wrong_size_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="32 bytes"):
        sealed(b"x", key=b"short")


def test_segment_cipher_binds_index_and_last_flag() -> None:
    cipher = SegmentCipher(KEY, AD, Header(salt=bytes(32), nonce_prefix=bytes(7)))
    ciphertext = cipher.encrypt(5, False, b"segment five")
    assert cipher.decrypt(5, False, ciphertext) == b"segment five"
    with pytest.raises(ChunkError) as other_index:
        cipher.decrypt(6, False, ciphertext)
    assert other_index.value.index == 6
    with pytest.raises(ChunkError) as as_last:
        cipher.decrypt(5, True, ciphertext)
    assert as_last.value.problem.startswith("truncated")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    size=st.integers(min_value=0, max_value=3 * 2**20),
    where=st.floats(min_value=0, max_value=1, exclude_max=True),
    mask=st.integers(min_value=1, max_value=255),
)
def test_any_single_byte_change_is_caught_at_its_segment(size: int, where: float, mask: int) -> None:
    ciphertext = bytearray(sealed(os.urandom(size)))
    position = int(where * len(ciphertext))
    ciphertext[position] ^= mask
    assert chunk_error(bytes(ciphertext)).index == position // SEGMENT_SIZE


def test_a_chunk_s_entry_in_the_tree_is_its_blake3_digest() -> None:
    """The published BLAKE3 vector for the empty input (BLAKE3 reference test vectors), and a
    header counted as part of chunk 0."""
    from custos.escrow.stream import chunk_digest

    empty = "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
    assert chunk_digest(b"").hex() == empty
    assert chunk_digest(b"segment", b"header") == chunk_digest(b"headersegment")
