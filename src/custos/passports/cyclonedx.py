"""CycloneDX 1.6 ML-BOM: passports as ``machine-learning-model`` components with a ``modelCard``.

``cyclonedx-python-lib`` has no object model for model cards, so documents are built as JSON
and every export is checked with the library's strict validator for schema 1.6; imports are
checked with it before they are read. Fields without a home in the model card travel as
``custos:`` properties (see :mod:`custos.passports.properties`).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from custos.core import bounded_json
from custos.core.errors import InvalidInput
from custos.passports.model import Passport
from custos.passports.properties import decode, encode, looks_like_url
from custos.passports.records import ImportItem, OrganisationRef, Parsed, Problem, problems_of

MEDIA_TYPE = "application/vnd.cyclonedx+json; version=1.6"
MODEL_FIELDS_AS_PROPERTIES = (
    "accessibility",
    "release_date",
    "domain",
    "countries",
    "public_interest",
    "lineage",
)
DATASET_FIELDS_AS_PROPERTIES = (
    "licence",
    "known_bias",
    "intended_use",
    "size_datapoints",
    "contains_personal_data",
    "dataset_types",
    "notes",
)


if TYPE_CHECKING:
    from cyclonedx.validation.json import JsonStrictValidator


@cache
def _validator() -> JsonStrictValidator:
    # Imported here: the validator's format checkers build a grammar on import (about 2 s), which
    # every command that merely lists the registry would otherwise pay.
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    return JsonStrictValidator(SchemaVersion.V1_6)


def schema_problems(text: str, label: str = "document") -> list[Problem]:
    """Every violation of the CycloneDX 1.6 schema, each with its JSON path."""
    from jsonschema.exceptions import best_match

    errors = _validator().validate_str(text, all_errors=True)
    problems = []
    for error in list(errors or []):
        cause = best_match([error.data])
        problems.append(Problem(label, cause.json_path, cause.message))
    return problems


def _props(values: dict[str, Any]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in encode(values)]


def _dataset(dataset: dict[str, Any]) -> dict[str, Any]:
    source = dataset.get("source")
    extra = {k: dataset.get(k) for k in DATASET_FIELDS_AS_PROPERTIES}
    if source and not looks_like_url(source):
        extra["source"] = source
    contents: dict[str, Any] = {}
    if looks_like_url(source):
        contents["url"] = source
    if props := _props(extra):
        contents["properties"] = props
    entry: dict[str, Any] = {"type": "dataset", "name": dataset["name"]}
    if dataset.get("collection_process"):
        entry["description"] = dataset["collection_process"]
    if contents:
        entry["contents"] = contents
    if dataset.get("contains_personal_data"):
        entry["sensitiveData"] = ["personal data"]
    return entry


def _model_card(item: ImportItem, passport: dict[str, Any]) -> dict[str, Any]:
    parameters: dict[str, Any] = {}
    if item.model.get("task"):
        parameters["task"] = item.model["task"]
    if passport.get("datasets"):
        parameters["datasets"] = [_dataset(d) for d in passport["datasets"]]
    card: dict[str, Any] = {}
    if parameters:
        card["modelParameters"] = parameters
    evaluations = passport.get("evaluations") or []
    if evaluations:
        card["quantitativeAnalysis"] = {
            "performanceMetrics": [
                {
                    "type": e["metric"],
                    "value": repr(float(e["value"])),
                    **({"slice": e["dataset"]} if e.get("dataset") else {}),
                }
                for e in evaluations
            ]
        }
    considerations: dict[str, Any] = {}
    if passport.get("intended_uses"):
        considerations["useCases"] = list(passport["intended_uses"])
    if passport.get("known_limitations"):
        considerations["technicalLimitations"] = list(passport["known_limitations"])
    energy = dict(passport.get("energy") or {})
    kwh = energy.pop("training_energy_kwh", None)
    if kwh is not None:
        consumption: dict[str, Any] = {
            "activity": "training",
            "energyProviders": [],
            "activityEnergyCost": {"value": kwh, "unit": "kWh"},
        }
        co2 = energy.pop("co2_eq_kg", None)
        if co2 is not None:
            consumption["co2CostEquivalent"] = {"value": co2 / 1000, "unit": "tCO2eq"}
        considerations["environmentalConsiderations"] = {"energyConsumptions": [consumption]}
    if considerations:
        card["considerations"] = considerations
    details = [
        {k: e.get(k) for k in ("task", "verified", "source") if e.get(k) is not None} for e in evaluations
    ]
    extra = {
        "compute": passport.get("compute"),
        "energy": energy,
        "provenance": passport.get("provenance"),
        "out_of_scope_uses": passport.get("out_of_scope_uses"),
        "evaluation_details": details if any(details) else None,
    }
    if props := _props(extra):
        card["properties"] = props
    return card


def to_cyclonedx(item: ImportItem) -> dict[str, Any]:
    """A CycloneDX 1.6 BOM describing one model and its passport; raises if it fails the schema."""
    passport = item.passport
    provider = item.organisations[0]
    component: dict[str, Any] = {
        "type": "machine-learning-model",
        "bom-ref": f"model-{uuid.uuid5(uuid.NAMESPACE_URL, provider.name + '/' + item.model['name'])}",
        "name": item.model["name"],
        "supplier": {"name": provider.name},
    }
    if item.model.get("version"):
        component["version"] = item.model["version"]
    if passport.get("description"):
        component["description"] = passport["description"]
    if passport.get("licence"):
        component["licenses"] = [{"expression": passport["licence"]}]
    if item.base_model_name:
        component["pedigree"] = {
            "ancestors": [{"type": "machine-learning-model", "name": item.base_model_name}]
        }
    developers = [
        {"name": o.name, "country": o.country, "jurisdictions": list(o.jurisdictions)}
        for o in item.organisations
    ]
    model_extra = {name: item.model.get(name) for name in MODEL_FIELDS_AS_PROPERTIES}
    plain = len(developers) == 1 and not developers[0]["country"] and not developers[0]["jurisdictions"]
    model_extra["developers"] = None if plain else developers
    if props := _props(model_extra):
        component["properties"] = props
    component["modelCard"] = _model_card(item, passport)
    bom = {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": uuid.uuid4().urn,
        "version": 1,
        "metadata": {
            "timestamp": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "tools": {"components": [{"type": "application", "name": "custos"}]},
        },
        "components": [component],
    }
    problems = schema_problems(json.dumps(bom))
    if problems:
        raise InvalidInput("the CycloneDX export does not validate: " + "; ".join(map(str, problems)))
    return bom


def _pairs(node: dict[str, Any]) -> list[tuple[str | None, str | None]]:
    return [(p.get("name"), p.get("value")) for p in node.get("properties") or []]


def _read_dataset(entry: dict[str, Any]) -> dict[str, Any]:
    contents = entry.get("contents") or {}
    extra = decode(_pairs(contents))
    dataset: dict[str, Any] = {"name": entry.get("name") or ""}
    if entry.get("description"):
        dataset["collection_process"] = entry["description"]
    if contents.get("url"):
        dataset["source"] = contents["url"]
    if entry.get("sensitiveData") and "contains_personal_data" not in extra:
        dataset["contains_personal_data"] = True
    dataset.update(extra)
    return dataset


def _read_component(component: dict[str, Any], position: int) -> tuple[ImportItem | None, list[Problem]]:
    label = f"components[{position}] ({component.get('name', 'unnamed')})"
    model_extra = decode(_pairs(component))
    card = component.get("modelCard") or {}
    card_extra = decode(_pairs(card))
    developers = model_extra.pop("developers", None)
    supplier = (component.get("supplier") or component.get("manufacturer") or {}).get(
        "name"
    ) or component.get("publisher")
    if developers:
        organisations = tuple(
            OrganisationRef(d["name"], d.get("country"), tuple(d.get("jurisdictions") or ()))
            for d in developers
        )
    elif supplier:
        organisations = (OrganisationRef(supplier),)
    else:
        return None, [
            Problem(label, "supplier.name", "missing: a model needs the organisation that provides it")
        ]
    parameters = card.get("modelParameters") or {}
    considerations = card.get("considerations") or {}
    details = card_extra.get("evaluation_details") or []
    metrics = (card.get("quantitativeAnalysis") or {}).get("performanceMetrics") or []
    evaluations = []
    for index, metric in enumerate(metrics):
        evaluation = {"metric": metric.get("type"), "value": metric.get("value")}
        if metric.get("slice"):
            evaluation["dataset"] = metric["slice"]
        if index < len(details) and len(details) == len(metrics):
            evaluation.update(details[index])
        evaluations.append(evaluation)
    energy = dict(card_extra.get("energy") or {})
    for consumption in (considerations.get("environmentalConsiderations") or {}).get(
        "energyConsumptions"
    ) or []:
        if consumption.get("activity") == "training":
            energy["training_energy_kwh"] = (consumption.get("activityEnergyCost") or {}).get("value")
            co2 = (consumption.get("co2CostEquivalent") or {}).get("value")
            if co2 is not None:
                energy["co2_eq_kg"] = float(f"{co2 * 1000:.12g}")
    licences = component.get("licenses") or []
    licence = (
        licences[0].get("expression") or (licences[0].get("license") or {}).get("id") if licences else None
    )
    passport = {
        "description": component.get("description"),
        "provenance": card_extra.get("provenance") or {"source": "cyclonedx"},
        "licence": licence,
        "datasets": [
            _read_dataset(d) for d in parameters.get("datasets") or [] if d.get("type") == "dataset"
        ],
        "compute": card_extra.get("compute") or {},
        "energy": energy,
        "known_limitations": considerations.get("technicalLimitations") or [],
        "intended_uses": considerations.get("useCases") or [],
        "out_of_scope_uses": card_extra.get("out_of_scope_uses") or [],
        "evaluations": evaluations,
    }
    try:
        checked = Passport.model_validate(passport).model_dump(mode="json", exclude_defaults=True)
    except ValidationError as exc:
        return None, problems_of(label, exc, "passport")
    ancestors = (component.get("pedigree") or {}).get("ancestors") or []
    model = {
        "name": component.get("name"),
        **({"version": component["version"]} if component.get("version") else {}),
        **({"task": parameters["task"]} if parameters.get("task") else {}),
        **{k: v for k, v in model_extra.items() if k in MODEL_FIELDS_AS_PROPERTIES},
    }
    return (
        ImportItem(
            label=label,
            organisations=organisations,
            model=model,
            passport=checked,
            base_model_name=ancestors[0].get("name") if ancestors else None,
        ),
        [],
    )


def parse_cyclonedx(text: str) -> Parsed:
    """Read every ``machine-learning-model`` component of a CycloneDX 1.6 JSON document."""
    parsed = Parsed()
    try:
        document = bounded_json.loads(text)
    except json.JSONDecodeError as exc:
        parsed.problems.append(
            Problem("document", f"line {exc.lineno} column {exc.colno}", f"not JSON: {exc.msg}")
        )
        return parsed
    if not isinstance(document, dict) or document.get("bomFormat") != "CycloneDX":
        parsed.problems.append(Problem("document", "bomFormat", "not a CycloneDX document"))
        return parsed
    if document.get("specVersion") != "1.6":
        parsed.problems.append(
            Problem("document", "specVersion", f"{document.get('specVersion')!r}: Custos reads 1.6")
        )
        return parsed
    parsed.problems.extend(schema_problems(text))
    if parsed.problems:
        return parsed
    for position, component in enumerate(document.get("components") or []):
        if component.get("type") != "machine-learning-model":
            continue
        item, problems = _read_component(component, position)
        parsed.problems.extend(problems)
        if item is not None:
            parsed.items.append(item)
    return parsed
