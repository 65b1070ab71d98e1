"""The manifest record: what it accepts, and its canonical bytes against the RFC 8785 reference."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from custos.provenance.records import (
    COMPOSITION_DIMENSIONS,
    CONTENT_HASH_PATTERN,
    LANGUAGE_PATTERN,
    SOURCE_TYPE_PATTERN,
    ManifestRecord,
    RevealedRecord,
    record_bytes,
)

VALID: dict[str, Any] = {
    "id": "doc-1",
    "source": "https://example.org/a",
    "source_type": "web",
    "licence": "CC-BY-4.0",
    "language": "en",
    "collected_on": "2024-02-29",
    "pii": False,
    "opt_out": True,
    "content_hash": "sha256:" + "ab" * 32,
}

#: Any text but lone surrogates, which JSON text cannot carry: non-ASCII, controls, quotes, U+2028.
ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


def records() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "id": ANY_TEXT,
            "source": ANY_TEXT,
            "source_type": st.from_regex(SOURCE_TYPE_PATTERN, fullmatch=True),
            "licence": st.one_of(st.sampled_from(["MIT", "Apache-2.0 OR MIT", "proprietary"]), ANY_TEXT),
            "language": st.from_regex(LANGUAGE_PATTERN, fullmatch=True),
            "collected_on": st.dates().map(date.isoformat),
            "pii": st.booleans(),
            "opt_out": st.booleans(),
            "content_hash": st.from_regex(CONTENT_HASH_PATTERN, fullmatch=True),
        }
    )


@settings(max_examples=300, deadline=None)
@given(records())
def test_canonical_bytes_are_rfc8785(value: dict[str, Any]) -> None:
    assert record_bytes(ManifestRecord.model_validate(value)) == rfc8785.dumps(value)


def test_a_valid_record_round_trips() -> None:
    record = ManifestRecord.model_validate(VALID)
    assert record.collected_on == date(2024, 2, 29)
    assert record.model_dump(mode="json") == VALID


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("pii", "true"),
        ("pii", 1),
        ("opt_out", None),
        ("id", ""),
        ("id", 7),
        ("id", "x" * 1001),
        ("source", "x" * 2001),
        ("licence", "x" * 201),
        ("source_type", "Web"),
        ("source_type", "web\n"),
        ("language", "english"),
        ("language", "en_GB"),
        ("collected_on", "2023-02-29"),
        ("collected_on", "2023-02-01T00:00:00"),
        ("collected_on", "20230201"),
        ("collected_on", 1_700_000_000),
        ("content_hash", "sha256:" + "AB" * 32),
        ("content_hash", "sha512:" + "ab" * 32),
    ],
)
def test_a_bad_field_is_refused_by_name(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as refused:
        ManifestRecord.model_validate({**VALID, field: value})
    assert {error["loc"][0] for error in refused.value.errors()} == {field}


def test_missing_and_extra_fields_are_refused() -> None:
    without = {key: value for key, value in VALID.items() if key != "licence"}
    with pytest.raises(ValidationError, match="licence"):
        ManifestRecord.model_validate(without)
    with pytest.raises(ValidationError, match="title"):
        ManifestRecord.model_validate({**VALID, "title": "x"})


def test_undetermined_and_multilingual_languages_are_allowed() -> None:
    for language in ("zxx", "mul", "und", "zh-Hans-CN", "pt-BR"):
        assert ManifestRecord.model_validate({**VALID, "language": language}).language == language


def test_composition_dimensions_are_record_fields() -> None:
    assert set(COMPOSITION_DIMENSIONS) <= set(ManifestRecord.model_fields)


def test_a_revealed_record_needs_a_16_byte_hex_salt_and_hex_proof() -> None:
    record = ManifestRecord.model_validate(VALID)
    RevealedRecord(index=0, record=record, salt="00" * 16, proof=("11" * 32,))
    for salt in ("00" * 15, "00" * 17, "GG" * 16):
        with pytest.raises(ValidationError):
            RevealedRecord(index=0, record=record, salt=salt, proof=())
    with pytest.raises(ValidationError):
        RevealedRecord(index=0, record=record, salt="00" * 16, proof=("11" * 31,))
    with pytest.raises(ValidationError):
        RevealedRecord(index=-1, record=record, salt="00" * 16, proof=())
