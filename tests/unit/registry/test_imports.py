"""Imports into the registry: whole or nothing, named problems, idempotent re-imports, who may
import what, and base models linked by name.

The Epoch AI table shipped in ``custos/registry/data`` is the source: samples are its first rows,
with line breaks inside cells turned into spaces so that record ``k`` sits on line ``k + 1`` of
the sample and a refusal's line can be predicted without the parser. The expected figures were
read off the CSV by hand.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custos.access.model import Role
from custos.core import Forbidden, InvalidInput
from custos.passports.cyclonedx import to_cyclonedx
from custos.passports.epoch import SHIPPED
from custos.passports.model import Compute
from custos.passports.records import ImportItem, OrganisationRef, Parsed
from custos.registry.importers import import_shipped, import_text, shipped
from custos.registry.imports import import_parsed
from custos.registry.model import ModelRegistration
from custos.registry.service import RegistryService
from custos.registry.views import ImportSummary, ModelSummary
from custos.store import Store
from custos.store.registry_views import ModelQuery, PageRequest
from tests.unit.registry.world import Parties, acting, log_size, throwaway

SAMPLE_ROWS = 12
NUMERIC_COLUMNS = (
    "Training compute (FLOP)",
    "Parameters",
    "Training dataset size (datapoints)",
    "Hardware quantity",
)


def epoch_records() -> list[list[str]]:
    """The shipped table as records, line breaks inside cells made spaces."""
    rows = list(csv.reader(io.StringIO(SHIPPED.read_text(encoding="utf-8"), newline="")))
    return [[cell.replace("\r", " ").replace("\n", " ") for cell in row] for row in rows]


RECORDS = epoch_records()
HEADER = RECORDS[0]


def sample(rows: int = SAMPLE_ROWS, change: Callable[[int, dict[str, str]], None] | None = None) -> str:
    """The header and the first ``rows`` records; ``change(k, row)`` may alter record ``k`` (from 1)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for k, record in enumerate(RECORDS[1 : rows + 1], start=1):
        row = dict(zip(HEADER, record, strict=True))
        if change is not None:
            change(k, row)
        writer.writerow([row[column] for column in HEADER])
    return out.getvalue()


def spoil(record: int, column: str, value: str = "a lot") -> Callable[[int, dict[str, str]], None]:
    def change(k: int, row: dict[str, str]) -> None:
        if k == record:
            row[column] = value

    return change


def item(name: str, organisation: str, country: str | None = "FR", **model: Any) -> ImportItem:
    return ImportItem(
        f"record {name}",
        (OrganisationRef(organisation, country),),
        {"name": name, **model},
        {"provenance": {"source": "manual"}},
    )


def cyclonedx(*items: ImportItem) -> str:
    """One CycloneDX 1.6 document holding each item's model component."""
    document = to_cyclonedx(items[0])
    for extra in items[1:]:
        document["components"] += to_cyclonedx(extra)["components"]
    return json.dumps(document)


@pytest.fixture
def registry(store: Store) -> RegistryService:
    return RegistryService(store)


def models_named(registry: RegistryService, world: Parties, name: str) -> list[ModelSummary]:
    found = registry.models(world.supervisor, ModelQuery(search=name), PageRequest(limit=50)).items
    return [m for m in found if m.name == name]


def compute_of(registry: RegistryService, world: Parties, model_id: str) -> Compute:
    """The compute section of a model's current passport, as a supervisor reads it."""
    current = registry.model(world.supervisor, model_id).passport
    assert current is not None and current.passport.compute is not None
    return current.passport.compute


# --- a good import ------------------------------------------------------------------------


def test_the_epoch_sample_is_filed_with_the_tables_own_figures(
    store: Store, registry: RegistryService, world: Parties
) -> None:
    """Twelve rows make twelve models and thirteen organisations (Anthropic, Google DeepMind and
    Typhoon each have two rows; Boltz-2 names four developers, Apriel Nemotron two)."""
    before = registry.models(world.supervisor).total
    report = import_text(registry, "epoch", sample(), by=world.supervisor, origin="sample.csv")
    assert isinstance(report, ImportSummary) and report.imported_models == len(report.models)
    assert (report.records, len(report.models), report.organisations_created) == (12, 12, 13)
    assert report.skipped == [] and {m["action"] for m in report.models} == {"registered"}
    assert registry.models(world.supervisor).total == before + 12

    (marin,) = models_named(registry, world, "Marin 8B")
    assert marin.release_date == date(2025, 5, 19) and marin.accessibility == "open_weights_unrestricted"
    assert marin.countries == ("US",) and marin.training_flop == 6.12e23
    assert marin.provider_id is not None
    assert registry.organisation(world.supervisor, marin.provider_id).name == "Marin"
    compute = compute_of(registry, world, marin.id)
    assert (compute.parameters, compute.confidence) == (8e9, "confident")

    (pangu,) = models_named(registry, world, "Pangu Ultra MoE")
    pangu_compute = compute_of(registry, world, pangu.id)
    assert pangu.accessibility == "hosted" and pangu.countries == ("CN",)
    assert (pangu_compute.training_flop, pangu_compute.utilisation) == (3.0888e24, 0.3)

    (apriel,) = models_named(registry, world, "Apriel Nemotron 15B")
    developers = [registry.organisation(world.supervisor, o).name for o in apriel.developer_ids or ()]
    assert developers == ["NVIDIA", "ServiceNow"] and apriel.countries == ("US",)
    assert apriel.provider_id is not None
    assert registry.organisation(world.supervisor, apriel.provider_id).name == "NVIDIA"

    opus, sonnet = (models_named(registry, world, n)[0] for n in ("Claude Opus 4", "Claude Sonnet 4"))
    assert opus.provider_id == sonnet.provider_id
    store.verify()


def test_epochs_public_data_is_filed_public(registry: RegistryService, world: Parties) -> None:
    """Epoch publishes its figures, so an imported passport withholds nothing from the public."""
    import_text(registry, "epoch", sample(8), by=world.supervisor)
    (marin,) = models_named(registry, world, "Marin 8B")
    shown = registry.model(acting(Role.PROVIDER, world.rival), marin.id).passport
    assert shown is not None and shown.withheld == () and shown.passport.compute is not None
    assert shown.passport.compute.training_flop == 6.12e23


# --- atomicity ----------------------------------------------------------------------------


def test_any_bad_row_refuses_the_whole_import_and_names_it() -> None:
    """Whichever row carries a figure that is not a number, nothing is filed, and the refusal
    names that row's line, model and column (and only it)."""
    store, world = throwaway()
    registry = RegistryService(store)
    before = log_size(store)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(record=st.integers(1, SAMPLE_ROWS), column=st.sampled_from(NUMERIC_COLUMNS))
    def check(record: int, column: str) -> None:
        name = RECORDS[record][HEADER.index("Model")]
        with pytest.raises(InvalidInput, match="nothing was imported: 1 problem") as refused:
            import_text(
                registry, "epoch", sample(change=spoil(record, column)), by=world.supervisor, origin="s.csv"
            )
        (problem,) = refused.value.evidence["problems"]
        assert problem["record"] == f"s.csv:{record + 1} ({name})" and problem["path"] == column
        assert log_size(store) == before

    try:
        check()
        assert registry.models(world.supervisor).total == 1
    finally:
        store.close()


def test_an_implausible_release_date_refuses_the_import_before_anything_is_filed(
    store: Store, registry: RegistryService, world: Parties
) -> None:
    """A row the parser accepts can still be one the registry would refuse (a model released in
    1850): the import checks every record against the registry's rules first."""
    before = log_size(store)
    text = sample(change=spoil(7, "Publication date", "1850-05-19"))
    with pytest.raises(InvalidInput, match=r"t\.csv:8 \(Marin 8B\): model\.release_date: .*not plausible"):
        import_text(registry, "epoch", text, by=world.supervisor, origin="t.csv")
    assert log_size(store) == before


def test_skip_invalid_files_the_valid_rows_and_reports_the_rest(
    store: Store, registry: RegistryService, world: Parties
) -> None:
    report = import_text(
        registry,
        "epoch",
        sample(change=spoil(3, "Parameters", "many")),
        by=world.supervisor,
        skip_invalid=True,
        origin="t.csv",
    )
    assert (report.records, len(report.models)) == (12, 11)
    assert [(s["record"], s["path"]) for s in report.skipped] == [("t.csv:4 (Claude Opus 4)", "Parameters")]
    assert models_named(registry, world, "Claude Opus 4") == []
    assert len(models_named(registry, world, "Claude Sonnet 4")) == 1


def test_skipping_still_needs_one_valid_record(
    store: Store, registry: RegistryService, world: Parties
) -> None:
    def every_row(_: int, row: dict[str, str]) -> None:
        row["Parameters"] = "many"

    before = log_size(store)
    with pytest.raises(InvalidInput, match="nothing was imported: 2 problem"):
        import_text(registry, "epoch", sample(2, every_row), by=world.supervisor, skip_invalid=True)
    assert log_size(store) == before


def test_a_document_without_a_model_is_refused(
    store: Store, registry: RegistryService, world: Parties
) -> None:
    empty = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": []}
    with pytest.raises(InvalidInput, match="describes no model"):
        import_text(registry, "cyclonedx", json.dumps(empty), by=world.supervisor)
    with pytest.raises(InvalidInput, match="describes no model"):
        import_parsed(registry, Parsed(), source="test", by=world.supervisor)


@pytest.mark.parametrize(
    "bad",
    [item("Bad", "Org B", countries=["XX"]), item("Bad", "Org B", country="XX")],
    ids=["model-country", "organisation-country"],
)
def test_a_record_with_an_unknown_country_is_skipped_like_any_invalid_record(
    store: Store, registry: RegistryService, world: Parties, bad: ImportItem
) -> None:
    report = import_text(
        registry, "cyclonedx", cyclonedx(item("Good", "Org A"), bad), by=world.supervisor, skip_invalid=True
    )
    assert [m["name"] for m in report.models] == ["Good"]
    assert [s["record"] for s in report.skipped] == ["components[1] (Bad)"]


# --- re-imports ---------------------------------------------------------------------------


def test_reimporting_adds_no_model_and_files_a_new_passport_version(
    store: Store, registry: RegistryService, world: Parties
) -> None:
    """A model is known by its name, provider and version: importing the same rows again files
    the next passport version of each model, superseding the first, and registers nothing new."""
    first = import_text(registry, "epoch", sample(6), by=world.supervisor)
    total = registry.models(world.supervisor).total
    organisations = registry.organisations(world.supervisor).total
    again = import_text(registry, "epoch", sample(6), by=world.supervisor)
    assert [m["model_id"] for m in again.models] == [m["model_id"] for m in first.models]
    assert {m["action"] for m in again.models} == {"new passport"} and again.organisations_created == 0
    assert registry.models(world.supervisor).total == total
    assert registry.organisations(world.supervisor).total == organisations
    for entry in first.models:
        newer, older = registry.passport_history(world.supervisor, entry["model_id"])
        assert (newer.version, newer.current, older.version, older.current) == (2, True, 1, False)
        assert newer.passport == older.passport
        with store.read() as conn:
            found = store.filing(conn, newer.filing_id)
        assert found is not None and found[0].supersedes == older.filing_id


# --- who may import what -------------------------------------------------------------------


def test_only_supervisors_import_epochs_table(
    store: Store, registry: RegistryService, world: Parties
) -> None:
    """Epoch's table describes other firms' models: a provider may not file it."""
    before = log_size(store)
    with pytest.raises(Forbidden, match="only supervisors import Epoch"):
        import_text(registry, "epoch", sample(2), by=world.provider_actor)
    with pytest.raises(Forbidden, match="only supervisors import Epoch"):
        import_shipped(registry, "epoch", by=world.provider_actor)
    assert log_size(store) == before


def test_a_provider_imports_documents_about_its_own_models_only(
    store: Store, registry: RegistryService, world: Parties
) -> None:
    """A provider may import a document whose models it provides; one naming an unregistered
    firm needs a supervisor first, one naming another registered firm is refused; neither
    leaves anything behind."""
    before = log_size(store)
    with pytest.raises(InvalidInput, match="'Newco' is not registered; a supervisor must register it first"):
        import_text(registry, "cyclonedx", cyclonedx(item("N", "Newco")), by=world.provider_actor)
    with pytest.raises(Forbidden):
        import_text(
            registry,
            "cyclonedx",
            cyclonedx(item("Mine", "Lab SA"), item("Theirs", "Rival SpA")),
            by=world.provider_actor,
        )
    assert log_size(store) == before
    report = import_text(registry, "cyclonedx", cyclonedx(item("Mine", "Lab SA")), by=world.provider_actor)
    (mine,) = report.models
    assert registry.model(world.supervisor, mine["model_id"]).provider_id == world.provider


def test_unknown_formats_and_unshipped_documents_are_refused(
    registry: RegistryService, world: Parties
) -> None:
    with pytest.raises(InvalidInput, match="unknown import format 'onnx'"):
        import_text(registry, "onnx", "{}", by=world.supervisor)
    with pytest.raises(InvalidInput, match="no spdx document is shipped"):
        shipped("spdx")
    assert shipped("epoch").name == "epoch_ai_models.csv" and shipped("epoch").is_file()


# --- base models --------------------------------------------------------------------------


def test_base_models_are_linked_by_a_unique_name(registry: RegistryService, world: Parties) -> None:
    """A base model named in the same import or already registered (once) is linked by id; a
    name no model bears, or several do, is kept as a name with a note saying why."""
    registry.register_model(
        ModelRegistration.model_validate({"name": "Twin", "provider_id": world.provider}), by=world.supervisor
    )
    registry.register_model(
        ModelRegistration.model_validate({"name": "Twin", "provider_id": world.rival}), by=world.supervisor
    )
    items = [
        item("Base", "Lab SA"),
        ImportItem(
            "r2", (OrganisationRef("Lab SA"),), {"name": "Child"}, {"provenance": {"source": "m"}}, "Base"
        ),
        ImportItem(
            "r3", (OrganisationRef("Lab SA"),), {"name": "Tuned"}, {"provenance": {"source": "m"}}, "Frontier"
        ),
        ImportItem(
            "r4", (OrganisationRef("Lab SA"),), {"name": "Orphan"}, {"provenance": {"source": "m"}}, "Nowhere"
        ),
        ImportItem(
            "r5", (OrganisationRef("Lab SA"),), {"name": "Cousin"}, {"provenance": {"source": "m"}}, "Twin"
        ),
    ]
    report = import_parsed(registry, Parsed(items=items), source="test", by=world.supervisor)
    ids = {m["name"]: m["model_id"] for m in report.models}
    child, tuned, orphan, cousin = (
        registry.model(world.supervisor, ids[n]) for n in ("Child", "Tuned", "Orphan", "Cousin")
    )
    assert child.base_model_id == ids["Base"] and tuned.base_model_id == world.model
    assert (orphan.base_model_id, orphan.base_model_name) == (None, "Nowhere")
    assert (cousin.base_model_id, cousin.base_model_name) == (None, "Twin")
    assert report.notes == [
        "r4: base model 'Nowhere' kept as a name: no registered model has that name",
        "r5: base model 'Twin' kept as a name: 2 models have that name",
    ]
