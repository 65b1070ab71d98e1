"""Exports: a registered model, as its reader may see it, in CycloneDX 1.6 or SPDX 3.0.1.

An export must pass the standard's own checks (the official CycloneDX 1.6 JSON schema; the SPDX
3.0.1 library's deserialiser and its required-property check), read back to exactly what was
filed, less what the reader may not see, and import into another registry as the same model.
Names the reader may not see are replaced by ``withheld (<kind> <id>)``: the standards require
a name, and ids are public.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from custos.access.model import PUBLIC, Role
from custos.core import FixedClock, InvalidInput
from custos.core.settings import Settings
from custos.filings import Visibility
from custos.passports.cyclonedx import MEDIA_TYPE as CYCLONEDX
from custos.passports.cyclonedx import parse_cyclonedx, schema_problems
from custos.passports.model import Passport
from custos.passports.records import Parsed
from custos.passports.spdx import MEDIA_TYPE as SPDX
from custos.passports.spdx import parse_spdx
from custos.registry.exports import export_model
from custos.registry.importers import import_text
from custos.registry.model import ModelRegistration, OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import Store
from tests.unit.registry.world import Parties, acting, installation

READERS: dict[str, Callable[[str], Parsed]] = {"cyclonedx": parse_cyclonedx, "spdx": parse_spdx}
MEDIA_TYPES = {"cyclonedx": CYCLONEDX, "spdx": SPDX}

MODEL = {
    "name": "Atlas",
    "version": "2.1",
    "release_date": "2026-03-01",
    "accessibility": "api",
    "countries": ["FR", "DE"],
    "domain": "Language",
    "task": "Chat",
}
PUBLIC_SECTIONS = {
    "description": "A general-purpose language model",
    "provenance": {"source": "manual", "reference": "https://example.org/atlas"},
    "licence": "Apache-2.0",
    "datasets": [{"name": "Web crawl", "licence": "CC-BY-4.0"}],
    "known_limitations": ["Hallucinates citations"],
    "intended_uses": ["Drafting"],
}
OWNER_SECTIONS = {
    "compute": {"training_flop": 3.2e25, "parameters": 7e10, "confidence": "likely"},
    "energy": {"training_energy_kwh": 1.2e7},
}


@pytest.fixture
def registry(installed: tuple[Store, Parties]) -> RegistryService:
    return RegistryService(installed[0])


@pytest.fixture
def atlas(registry: RegistryService, world: Parties) -> str:
    """A model with a passport whose compute and energy are the provider's (the default)."""
    model = registry.register_model(
        ModelRegistration.model_validate({**MODEL, "provider_id": world.provider}), by=world.supervisor
    )
    registry.file_passport(
        model.id, Passport.model_validate({**PUBLIC_SECTIONS, **OWNER_SECTIONS}), by=world.provider_actor
    )
    return str(model.id)


def read_back(fmt: str, text: str) -> Any:
    """The single record an export holds, after the standard's own checks."""
    if fmt == "cyclonedx":
        assert schema_problems(text) == []
    parsed = READERS[fmt](text)
    assert parsed.problems == []
    (record,) = parsed.items
    return record


@pytest.mark.parametrize("fmt", READERS)
def test_a_supervisor_exports_the_whole_record(
    registry: RegistryService, world: Parties, atlas: str, fmt: str
) -> None:
    text, media_type = export_model(registry, world.supervisor, atlas, fmt)
    assert media_type == MEDIA_TYPES[fmt]
    record = read_back(fmt, text)
    assert record.model == MODEL
    assert [(o.name, o.country) for o in record.organisations] == [("Lab SA", "FR")]
    assert record.passport == {**PUBLIC_SECTIONS, **OWNER_SECTIONS}


@pytest.mark.parametrize("fmt", READERS)
def test_the_public_export_leaves_out_what_the_public_may_not_see(
    registry: RegistryService, world: Parties, atlas: str, fmt: str
) -> None:
    """The compute and energy figures are nowhere in the public's document, not even as text."""
    for who in (PUBLIC, world.rival_actor):
        text, _ = export_model(registry, who, atlas, fmt)
        record = read_back(fmt, text)
        assert record.passport == PUBLIC_SECTIONS and record.model == MODEL
        assert "3.2e+25" not in text and "32000000000000000000000000" not in text and "12000000" not in text


@pytest.mark.parametrize("fmt", READERS)
def test_an_export_imports_into_another_registry_as_the_same_model(
    registry: RegistryService, world: Parties, atlas: str, fmt: str, tmp_path: Path, clock: FixedClock
) -> None:
    text, _ = export_model(registry, world.supervisor, atlas, fmt)
    settings = Settings(home=tmp_path / "other", database_url=f"sqlite:///{tmp_path / 'other.db'}")
    other, others = installation(settings, clock)
    try:
        elsewhere = RegistryService(other)
        (imported,) = import_text(elsewhere, fmt, text, by=others.supervisor).models
        there = elsewhere.model(others.supervisor, imported["model_id"])
        here = registry.model(world.supervisor, atlas)
        for field in (*MODEL, "lineage", "public_interest"):
            assert getattr(there, field) == getattr(here, field), field
        assert there.provider_id is not None
        assert elsewhere.organisation(others.supervisor, there.provider_id).name == "Lab SA"
        assert there.passport is not None and here.passport is not None
        assert there.passport.passport == here.passport.passport
    finally:
        other.close()


@pytest.mark.parametrize("fmt", READERS)
def test_a_base_model_is_exported_by_name(registry: RegistryService, world: Parties, fmt: str) -> None:
    tuned = registry.register_model(
        ModelRegistration.model_validate(
            {
                "name": "Frontier-tuned",
                "provider_id": world.provider,
                "base_model_id": world.model,
                "lineage": "finetune",
            }
        ),
        by=world.supervisor,
    )
    record = read_back(fmt, export_model(registry, PUBLIC, tuned.id, fmt)[0])
    assert record.base_model_name == "Frontier"


@pytest.mark.parametrize("fmt", READERS)
def test_names_the_reader_may_not_see_are_withheld_by_id(
    registry: RegistryService, world: Parties, fmt: str
) -> None:
    quiet = registry.register_organisation(
        OrganisationRegistered.model_validate({"name": "Quiet Labs", "jurisdiction": "NL", "country": "NL"}),
        by=world.supervisor,
        visibility={"name": Visibility.SUPERVISORS},
    )
    model = registry.register_model(
        ModelRegistration.model_validate({"name": "Codename", "provider_id": quiet.id}),
        by=world.supervisor,
        visibility={"name": Visibility.OWNER},
    )
    registry.file_passport(
        model.id, Passport.model_validate({"provenance": {"source": "manual"}}), by=world.supervisor
    )
    text, _ = export_model(registry, PUBLIC, model.id, fmt)
    record = read_back(fmt, text)
    assert record.model["name"] == f"withheld (model {model.id})"
    assert [o.name for o in record.organisations] == [f"withheld (organisation {quiet.id})"]
    assert "Codename" not in text and "Quiet Labs" not in text
    insider = acting(Role.PROVIDER, quiet.id, "NL")
    inside = read_back(fmt, export_model(registry, insider, model.id, fmt)[0])
    assert (
        inside.model["name"] == "Codename"
    )  # the owner reads its model's name, not the supervisors-only one
    assert [o.name for o in inside.organisations] == [f"withheld (organisation {quiet.id})"]


@pytest.mark.parametrize("fmt", READERS)
def test_a_model_whose_provider_is_withheld_still_exports(
    registry: RegistryService, world: Parties, fmt: str
) -> None:
    model = registry.register_model(
        ModelRegistration.model_validate({"name": "Unattributed", "provider_id": world.provider}),
        by=world.supervisor,
        visibility={"provider_id": Visibility.SUPERVISORS},
    )
    text, _ = export_model(registry, PUBLIC, model.id, fmt)
    assert world.provider not in text and "Lab SA" not in text
    assert read_back(fmt, text).model["name"] == "Unattributed"


def test_an_unknown_export_format_is_refused(registry: RegistryService, world: Parties) -> None:
    with pytest.raises(InvalidInput, match="unknown export format 'csv': use one of cyclonedx, spdx"):
        export_model(registry, PUBLIC, world.model, "csv")


def test_exports_are_json_documents_of_their_standard(
    registry: RegistryService, world: Parties, atlas: str
) -> None:
    cdx = json.loads(export_model(registry, PUBLIC, atlas, "cyclonedx")[0])
    assert (cdx["bomFormat"], cdx["specVersion"]) == ("CycloneDX", "1.6")
    spdx = json.loads(export_model(registry, PUBLIC, atlas, "spdx")[0])
    assert spdx["@context"] == "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
