"""Facts the EU pack reads, derived from rows of the shipped Epoch table, against the Commission's
guidelines on general-purpose models (C(2025) 5045, section 2.1: the indicative criterion is
generating language, as text or audio, images from text, or video from text; a model trained only
to transcribe speech, or to generate music, is named as not general-purpose)."""

from __future__ import annotations

import csv
from functools import cache
from typing import Any

import pytest

from custos.passports.epoch import SHIPPED
from custos.policy.facts import SubjectKind, derive_facts


@cache
def epoch_rows() -> dict[str, dict[str, str]]:
    with SHIPPED.open(encoding="utf-8", newline="") as stream:
        return {row["Model"]: row for row in csv.DictReader(stream)}


def model_facts(model: dict[str, Any], provider: dict[str, Any] | None = None) -> dict[str, Any]:
    return derive_facts(SubjectKind.MODEL, {"model": model, "compute": {}, "provider": provider or {}})


@pytest.mark.parametrize(
    ("name", "generative"),
    [
        ("GPT-4", True),
        ("Llama 3.1-405B", True),
        ("Stable Diffusion (LDM-KL-8-G)", True),  # text-to-image
        ("Sora", True),  # text-to-video
        ("Whisper v3", False),  # speech recognition: the guidelines' own example
        ("MusicGen", False),  # music from text prompts: named as not general-purpose
        ("AlphaFold 2", False),
    ],
)
def test_generative_follows_the_indicative_criterion(name: str, generative: bool) -> None:
    row = epoch_rows()[name]
    assert model_facts({"domain": row["Domain"], "task": row["Task"]})["generative"] is generative


def test_a_language_domain_without_tasks_generates_language_and_other_domains_are_unknown() -> None:
    assert model_facts({"domain": "Language"})["generative"] is True
    assert "generative" not in model_facts({"domain": "Vision"})
    assert "generative" not in model_facts({})


@pytest.mark.parametrize(
    ("country", "inside"), [("FR", True), ("de", True), ("HU", True), ("US", False), ("CH", False)]
)
def test_provider_in_union_reads_the_member_states(country: str, inside: bool) -> None:
    """Art. 54(1): providers "established in third countries"; Switzerland is not a Member State."""
    assert model_facts({}, {"country": country})["provider_in_union"] is inside
    assert "provider_in_union" not in model_facts({}, {})


def test_annex_iii_reads_the_declared_uses_not_the_sector() -> None:
    """Annex III lists uses: a finance deployment that declares none is not high-risk; one that
    did not say is unknown."""
    deployment = {"sector": "finance", "annex_iii_uses": []}
    assert derive_facts(SubjectKind.DEPLOYMENT, {"deployment": deployment})["annex_iii"] is False
    scoring = {"sector": "finance", "annex_iii_uses": ["5(b)"]}
    assert derive_facts(SubjectKind.DEPLOYMENT, {"deployment": scoring})["annex_iii"] is True
    undeclared = derive_facts(SubjectKind.DEPLOYMENT, {"deployment": {"sector": "education"}})
    assert "annex_iii" not in undeclared and "annex_iii_uses" not in undeclared


@pytest.mark.parametrize(
    ("pipeline_tag", "generative"),
    [
        ("text-generation", True),
        ("text-to-image", True),
        ("automatic-speech-recognition", False),
        ("text-to-speech", False),
    ],
)
def test_a_model_cards_pipeline_tag_reads_the_same_way(pipeline_tag: str, generative: bool) -> None:
    assert model_facts({"task": pipeline_tag})["generative"] is generative
