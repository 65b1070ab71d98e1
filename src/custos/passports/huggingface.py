"""Hugging Face model cards: the YAML front matter of a ``README.md``, and its prose.

Parsed with ``huggingface_hub``'s ``ModelCard``, offline. The card's metadata fills the passport
(licence, datasets, base model, CO2 emissions, pipeline tag, model-index results); the card's
prose becomes the passport's description, and its usual sections (intended uses, out-of-scope
use, bias, risks and limitations) fill the passport's lists.

Reference: https://huggingface.co/docs/hub/model-cards
"""

from __future__ import annotations

import os
import re
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # parsing a card must never reach the network

import yaml
from huggingface_hub import ModelCard, ModelCardData
from pydantic import ValidationError

from custos.core.yaml_lines import compose_bounded
from custos.passports.model import Passport
from custos.passports.records import ImportItem, OrganisationRef, Parsed, Problem, problems_of

LINEAGES = {"finetune", "adapter", "quantized", "merge", "distillation"}
SECTIONS = {
    "intended_uses": re.compile(r"intended use|direct use|uses$", re.IGNORECASE),
    "out_of_scope_uses": re.compile(r"out-of-scope|out of scope|misuse", re.IGNORECASE),
    "known_limitations": re.compile(r"limitation|bias|risk", re.IGNORECASE),
}
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FRONT_MATTER = re.compile(r"^\s*---[\r\n]+([\S\s]*?)[\r\n]+---(?:\r\n|\n|$)")  # as ModelCard finds it


def _sections(text: str) -> dict[str, list[str]]:
    """The prose under each recognised heading, one entry per section."""
    found: dict[str, list[str]] = {}
    current: str | None = None
    lines: list[str] = []

    def close() -> None:
        body = "\n".join(lines).strip()
        if current and body:
            found.setdefault(current, []).append(body)

    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading:
            close()
            lines = []
            title = heading.group(2)
            current = next((field for field, pattern in SECTIONS.items() if pattern.search(title)), None)
        elif current:
            lines.append(line)
    close()
    return found


def _first_heading(text: str) -> str | None:
    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading and heading.group(1) == "#":
            return heading.group(2).strip()
    return None


def _energy(co2: Any, label: str) -> tuple[dict[str, Any], list[Problem]]:
    """``co2_eq_emissions`` is in grams, as a number or a mapping with ``emissions``."""
    if co2 is None:
        return {}, []
    record = co2 if isinstance(co2, dict) else {"emissions": co2}
    grams = record.get("emissions")
    if isinstance(grams, bool) or not isinstance(grams, int | float):
        return {}, [Problem(label, "co2_eq_emissions.emissions", f"{grams!r} is not a number of grams")]
    energy = {
        "co2_eq_kg": grams / 1000,
        "emissions_source": record.get("source"),
        "location": record.get("geographical_location"),
        "hardware_used": record.get("hardware_used"),
    }
    return {k: v for k, v in energy.items() if v is not None}, []


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def parse_model_card(text: str, *, organisation: str | None = None, label: str = "model card") -> Parsed:
    """Read one model card; ``organisation`` names the provider when the card does not."""
    parsed = Parsed()
    try:
        front = _FRONT_MATTER.match(text)
        compose_bounded(front.group(1) if front else "")  # ModelCard's own parse has no bounds
        card = ModelCard(text)
    except yaml.YAMLError as exc:
        parsed.problems.append(Problem(label, "front matter", f"not valid YAML: {exc}"))
        return parsed
    except (ValueError, TypeError) as exc:
        parsed.problems.append(Problem(label, "front matter", str(exc)))
        return parsed
    data = card.data
    if not isinstance(data, ModelCardData) or not data.to_dict():  # type: ignore[no-untyped-call]
        parsed.problems.append(
            Problem(label, "front matter", "missing: a model card starts with YAML between '---' lines")
        )
        return parsed
    name = data.model_name or _first_heading(card.text)
    problems: list[Problem] = []
    if not name:
        problems.append(
            Problem(label, "model-index.name", "missing, and the card has no '# title' to name the model")
        )
    owner, _, short = (name or "").rpartition("/")
    provider = organisation or owner or None
    if provider is None:
        problems.append(
            Problem(label, "organisation", "the card does not say who provides the model: name it")
        )
    energy, energy_problems = _energy(data.get("co2_eq_emissions"), label)
    problems += energy_problems
    relation = data.get("base_model_relation")
    if relation is not None and relation not in LINEAGES:
        problems.append(
            Problem(label, "base_model_relation", f"{relation!r} is not one of {sorted(LINEAGES)}")
        )
    if problems:
        parsed.problems.extend(problems)
        return parsed
    sections = _sections(card.text)
    evaluations = [
        {
            "task": result.task_name or result.task_type,
            "dataset": result.dataset_name,
            "metric": result.metric_name or result.metric_type,
            "value": result.metric_value,
            "verified": result.verified,
            "source": result.source_name,
        }
        for result in data.eval_results or []
    ]
    passport = {
        "description": card.text.strip() or None,
        "provenance": {"source": "huggingface", "developers": [provider]},
        "licence": data.license_name or data.license,
        "datasets": [{"name": dataset} for dataset in _as_list(data.datasets)],
        "energy": energy,
        "known_limitations": sections.get("known_limitations", []),
        "intended_uses": sections.get("intended_uses", []),
        "out_of_scope_uses": sections.get("out_of_scope_uses", []),
        "evaluations": [{k: v for k, v in e.items() if v is not None} for e in evaluations],
    }
    try:
        checked = Passport.model_validate(passport).model_dump(mode="json", exclude_defaults=True)
    except ValidationError as exc:
        parsed.problems.extend(problems_of(label, exc, "passport"))
        return parsed
    bases = _as_list(data.base_model)
    model = {
        "name": short if owner and not organisation else name,
        **({"task": data.pipeline_tag} if data.pipeline_tag else {}),
        **({"lineage": relation or "finetune"} if bases else {}),
    }
    assert provider is not None
    parsed.items.append(
        ImportItem(
            label, (OrganisationRef(provider),), model, checked, base_model_name=bases[0] if bases else None
        )
    )
    if len(bases) > 1:
        parsed.notes.append(f"{label}: {len(bases)} base models; linked to the first, {bases[0]!r}")
    return parsed
