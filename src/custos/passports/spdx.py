"""SPDX 3.0.1 AI and Dataset profiles (JSON-LD), through ``spdx-python-model``.

A passport becomes an ``ai_AIPackage`` supplied by the provider and originated by the
developers, ``dataset_DatasetPackage``s linked by ``trainedOn``, declared licences linked by
``hasDeclaredLicense``, and a base model linked by ``descendantOf``. Where SPDX flattens a list
into one text (limitations, metrics) the text is written for readers and the exact values
travel as ``custos:`` properties in a ``CdxPropertiesExtension``; an import prefers those.
"""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError
from spdx_python_model import v3_0_1 as spdx

from custos.core import bounded_json
from custos.core.errors import InvalidInput
from custos.passports.model import Passport
from custos.passports.properties import decode, encode, looks_like_url
from custos.passports.records import ImportItem, OrganisationRef, Parsed, Problem, problems_of

MEDIA_TYPE = "application/spdx+json"
PRESENCE = {True: spdx.PresenceType.yes, False: spdx.PresenceType.no, None: spdx.PresenceType.noAssertion}
DATASET_TYPES = spdx.dataset_DatasetType.NAMED_INDIVIDUALS
RELATION = spdx.RelationshipType


class _Builder:
    """Creates elements with ids in one document's namespace and one shared CreationInfo."""

    def __init__(self) -> None:
        self.namespace = f"urn:uuid:{uuid.uuid4()}"
        self.count = 0
        self.info = spdx.CreationInfo(specVersion="3.0.1", created=datetime.now(UTC).replace(microsecond=0))
        agent = spdx.SoftwareAgent(spdxId=self.id("custos"), name="Custos", creationInfo=self.info)
        self.info.createdBy = [agent]
        self.elements: list[Any] = [agent]

    def id(self, kind: str) -> str:
        self.count += 1
        return f"{self.namespace}#{kind}-{self.count}"

    def add(self, cls: Any, kind: str, **fields: Any) -> Any:
        element = cls(spdxId=self.id(kind), creationInfo=self.info, **fields)
        self.elements.append(element)
        return element

    def relate(self, source: Any, relation: str, targets: list[Any]) -> None:
        self.add(spdx.Relationship, "relationship", from_=source, to=targets, relationshipType=relation)

    def licence(self, element: Any, expression: str | None) -> None:
        if expression:
            licence = self.add(
                spdx.simplelicensing_LicenseExpression,
                "licence",
                simplelicensing_licenseExpression=expression,
            )
            self.relate(element, RELATION.hasDeclaredLicense, [licence])


def _extension(values: dict[str, Any]) -> list[Any]:
    pairs = encode(values)
    if not pairs:
        return []
    entries = [
        spdx.extension_CdxPropertyEntry(extension_cdxPropName=n, extension_cdxPropValue=v) for n, v in pairs
    ]
    return [spdx.extension_CdxPropertiesExtension(extension_cdxProperty=entries)]


def _dataset(builder: _Builder, dataset: dict[str, Any]) -> Any:
    types = [DATASET_TYPES[t] for t in dataset.get("dataset_types") or [] if t in DATASET_TYPES]
    element = builder.add(
        spdx.dataset_DatasetPackage,
        "dataset",
        name=dataset["name"],
        dataset_datasetType=types or [spdx.dataset_DatasetType.noAssertion],
        dataset_hasSensitivePersonalInformation=PRESENCE[dataset.get("contains_personal_data")],
    )
    if dataset.get("collection_process"):
        element.dataset_dataCollectionProcess = dataset["collection_process"]
    if dataset.get("known_bias"):
        element.dataset_knownBias = [dataset["known_bias"]]
    if dataset.get("intended_use"):
        element.dataset_intendedUse = dataset["intended_use"]
    source = dataset.get("source")
    if looks_like_url(source):
        element.software_downloadLocation = source
    exact = {
        "source": None if looks_like_url(source) else source,
        "size_datapoints": dataset.get("size_datapoints"),
        "dataset_types": dataset.get("dataset_types")
        if len(types) != len(dataset.get("dataset_types") or [])
        else None,
        "notes": dataset.get("notes"),
        "contains_personal_data": dataset.get("contains_personal_data"),
    }
    element.extension = _extension(exact)
    builder.licence(element, dataset.get("licence"))
    return element


def to_spdx(item: ImportItem) -> dict[str, Any]:
    """An SPDX 3.0.1 JSON-LD document for one model and its passport."""
    builder = _Builder()
    passport, model = item.passport, item.model
    organisations = [builder.add(spdx.Organization, "organisation", name=o.name) for o in item.organisations]
    package = builder.add(
        spdx.ai_AIPackage,
        "model",
        name=model["name"],
        suppliedBy=organisations[0],
        originatedBy=organisations,
        software_primaryPurpose=spdx.software_SoftwarePurpose.model,
    )
    if model.get("version"):
        package.software_packageVersion = model["version"]
    if model.get("release_date"):
        package.releaseTime = datetime.combine(
            date.fromisoformat(model["release_date"]), datetime.min.time(), UTC
        )
    if model.get("domain"):
        package.ai_domain = [model["domain"]]
    if passport.get("description"):
        package.description = passport["description"]
    if passport.get("known_limitations"):
        package.ai_limitation = "\n".join(passport["known_limitations"])
    if passport.get("intended_uses"):
        package.ai_informationAboutApplication = "\n".join(passport["intended_uses"])
    evaluations = passport.get("evaluations") or []
    package.ai_metric = [
        spdx.DictionaryEntry(key=e["metric"], value=repr(float(e["value"]))) for e in evaluations
    ]
    energy = dict(passport.get("energy") or {})
    kwh = energy.pop("training_energy_kwh", None)
    if kwh is not None:
        package.ai_energyConsumption = spdx.ai_EnergyConsumption(
            ai_trainingEnergyConsumption=[
                spdx.ai_EnergyConsumptionDescription(
                    ai_energyQuantity=float(kwh), ai_energyUnit=spdx.ai_EnergyUnitType.kilowattHour
                )
            ]
        )
    developers = [
        {"name": o.name, "country": o.country, "jurisdictions": list(o.jurisdictions)}
        for o in item.organisations
    ]
    package.extension = _extension(
        {
            "model": {
                k: v for k, v in model.items() if k not in ("name", "version", "release_date", "domain")
            },
            "developers": developers,
            "provenance": passport.get("provenance"),
            "compute": passport.get("compute"),
            "energy": energy,
            "known_limitations": passport.get("known_limitations"),
            "intended_uses": passport.get("intended_uses"),
            "out_of_scope_uses": passport.get("out_of_scope_uses"),
            "evaluations": evaluations,
        }
    )
    builder.licence(package, passport.get("licence"))
    datasets = [_dataset(builder, d) for d in passport.get("datasets") or []]
    if datasets:
        builder.relate(package, RELATION.trainedOn, datasets)
    if item.base_model_name:
        base = builder.add(spdx.ai_AIPackage, "base-model", name=item.base_model_name)
        builder.relate(package, RELATION.descendantOf, [base])
    document = builder.add(
        spdx.SpdxDocument,
        "document",
        name=f"Passport of {model['name']}",
        rootElement=[package],
        profileConformance=[
            spdx.ProfileIdentifierType.core,
            spdx.ProfileIdentifierType.software,
            spdx.ProfileIdentifierType.simpleLicensing,
            spdx.ProfileIdentifierType.ai,
            spdx.ProfileIdentifierType.dataset,
            spdx.ProfileIdentifierType.extension,
        ],
    )
    document.element = [e for e in builder.elements if e is not document]
    try:
        data: dict[str, Any] = spdx.JSONLDSerializer().serialize_data(
            spdx.SHACLObjectSet(builder.elements), force_at_graph=True
        )
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"the SPDX export is not valid SPDX 3.0.1: {exc}") from exc
    return data


def _extension_values(element: Any) -> dict[str, Any]:
    pairs = []
    for extension in element.extension or []:
        if isinstance(extension, spdx.extension_CdxPropertiesExtension):
            pairs += [
                (e.extension_cdxPropName, e.extension_cdxPropValue)
                for e in extension.extension_cdxProperty
                if isinstance(e, spdx.extension_CdxPropertyEntry)
            ]
    return decode(pairs)


def _related(objects: spdx.SHACLObjectSet, source: Any, relation: str) -> list[Any]:
    return [
        target
        for r in objects.foreach_type(spdx.Relationship)
        if r.from_ is source and r.relationshipType == relation
        for target in r.to
    ]


def _licence(objects: spdx.SHACLObjectSet, element: Any) -> str | None:
    for target in _related(objects, element, RELATION.hasDeclaredLicense):
        if isinstance(target, spdx.simplelicensing_LicenseExpression):
            return str(target.simplelicensing_licenseExpression)
    return None


def _read_dataset(objects: spdx.SHACLObjectSet, element: Any) -> dict[str, Any]:
    exact = _extension_values(element)
    names = {v: k for k, v in DATASET_TYPES.items()}
    presence = {v: k for k, v in PRESENCE.items()}
    dataset = {
        "name": element.name,
        "source": element.software_downloadLocation,
        "licence": _licence(objects, element),
        "collection_process": element.dataset_dataCollectionProcess,
        "known_bias": "\n".join(element.dataset_knownBias) or None,
        "intended_use": element.dataset_intendedUse,
        "contains_personal_data": presence.get(element.dataset_hasSensitivePersonalInformation),
        "dataset_types": [
            names[t] for t in element.dataset_datasetType if t != spdx.dataset_DatasetType.noAssertion
        ],
    }
    dataset.update(exact)
    return {k: v for k, v in dataset.items() if v not in (None, [])}


def _read_package(objects: spdx.SHACLObjectSet, package: Any) -> tuple[ImportItem | None, list[Problem]]:
    label = f"ai_AIPackage {package.name or package.spdxId}"
    exact = _extension_values(package)
    supplier = package.suppliedBy
    if exact.get("developers"):
        organisations = tuple(
            OrganisationRef(d["name"], d.get("country"), tuple(d.get("jurisdictions") or ()))
            for d in exact["developers"]
        )
    elif isinstance(supplier, spdx.Agent) and supplier.name:
        organisations = (OrganisationRef(supplier.name),)
    else:
        return None, [
            Problem(label, "suppliedBy", "missing: a model needs the organisation that provides it")
        ]
    energy = dict(exact.get("energy") or {})
    consumption = package.ai_energyConsumption
    if consumption is not None:
        for description in consumption.ai_trainingEnergyConsumption:
            if description.ai_energyUnit == spdx.ai_EnergyUnitType.kilowattHour:
                energy["training_energy_kwh"] = description.ai_energyQuantity
    metrics = [{"metric": m.key, "value": m.value} for m in package.ai_metric]
    passport = {
        "description": package.description,
        "provenance": exact.get("provenance") or {"source": "spdx"},
        "licence": _licence(objects, package),
        "datasets": [_read_dataset(objects, d) for d in _related(objects, package, RELATION.trainedOn)],
        "compute": exact.get("compute") or {},
        "energy": energy,
        "known_limitations": exact.get("known_limitations") or (package.ai_limitation or "").splitlines(),
        "intended_uses": exact.get("intended_uses")
        or (package.ai_informationAboutApplication or "").splitlines(),
        "out_of_scope_uses": exact.get("out_of_scope_uses") or [],
        "evaluations": exact.get("evaluations") or metrics,
    }
    try:
        checked = Passport.model_validate(passport).model_dump(mode="json", exclude_defaults=True)
    except ValidationError as exc:
        return None, problems_of(label, exc, "passport")
    model: dict[str, Any] = {"name": package.name, **(exact.get("model") or {})}
    if package.software_packageVersion:
        model["version"] = package.software_packageVersion
    if package.releaseTime is not None:
        model["release_date"] = package.releaseTime.date().isoformat()
    if package.ai_domain:
        model["domain"] = package.ai_domain[0]
    bases = [b.name for b in _related(objects, package, RELATION.descendantOf) if getattr(b, "name", None)]
    return ImportItem(label, organisations, model, checked, bases[0] if bases else None), []


def parse_spdx(text: str) -> Parsed:
    """Read every model (root ``ai_AIPackage``) of an SPDX 3.0.1 JSON-LD document."""
    parsed = Parsed()
    try:
        bounded_json.loads(text)
    except json.JSONDecodeError as exc:
        parsed.problems.append(
            Problem("document", f"line {exc.lineno} column {exc.colno}", f"not JSON: {exc.msg}")
        )
        return parsed
    objects = spdx.SHACLObjectSet()
    try:
        spdx.JSONLDDeserializer().read(io.BytesIO(text.encode()), objects)
        spdx.JSONLDSerializer().serialize_data(objects)  # the library checks required properties here
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        parsed.problems.append(Problem("document", "@graph", f"not valid SPDX 3.0.1: {exc}"))
        return parsed
    roots = [
        element
        for document in objects.foreach_type(spdx.SpdxDocument)
        for element in document.rootElement
        if isinstance(element, spdx.ai_AIPackage)
    ] or [p for p in objects.foreach_type(spdx.ai_AIPackage) if p.suppliedBy is not None]
    for package in roots:
        item, problems = _read_package(objects, package)
        parsed.problems.extend(problems)
        if item is not None:
            parsed.items.append(item)
    return parsed
