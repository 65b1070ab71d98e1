"""The registry on each backend: atomic imports, passport versions, visibility, filters."""

from __future__ import annotations

import json

import pytest

from custos.access.model import OPERATOR_ID, Principal, Role
from custos.core import Forbidden, InvalidInput
from custos.passports.cyclonedx import to_cyclonedx
from custos.passports.epoch import SHIPPED
from custos.passports.model import Passport
from custos.passports.records import ImportItem, OrganisationRef
from custos.registry.exports import model_item
from custos.registry.importers import import_text
from custos.registry.model import ModelRegistration, OrganisationRegistered
from custos.registry.service import RegistryService
from custos.registry.views import ModelSummary
from custos.store import Store, ledger_sql
from custos.store.registry_views import ModelQuery, PageRequest

SUPERVISOR = Principal(OPERATOR_ID, "operator", Role.SUPERVISOR, None, "EU")
PUBLIC = Principal(None, "public", Role.PUBLIC, None, None)


def epoch_sample(rows: int) -> str:
    """The header and the first rows of the shipped table (rows with quoted newlines stay whole)."""
    import csv
    import io

    reader = csv.reader(io.StringIO(SHIPPED.read_text(encoding="utf-8"), newline=""))
    out = io.StringIO()
    writer = csv.writer(out)
    for index, record in enumerate(reader):
        if index > rows:
            break
        writer.writerow(record)
    return out.getvalue()


def spoiled_sample(rows: int) -> str:
    """The first rows of the shipped table, the first with a compute figure that is not a number."""
    import csv
    import io

    records = list(csv.reader(io.StringIO(epoch_sample(rows), newline="")))
    records[1][records[0].index("Training compute (FLOP)")] = "a lot"
    out = io.StringIO()
    csv.writer(out).writerows(records)
    return out.getvalue()


def size(store: Store) -> int:
    with store.read() as conn:
        return ledger_sql.tree_size(conn)


def item(name: str, org: str, **passport: object) -> ImportItem:
    return ImportItem(
        "test",
        (OrganisationRef(org, "FR"),),
        {"name": name},
        {"provenance": {"source": "manual"}, **passport},
    )


def test_an_import_with_a_bad_record_stores_nothing(store: Store) -> None:
    before = size(store)
    with pytest.raises(InvalidInput, match=r"mine\.csv:2 \(.*\): Training compute \(FLOP\)") as refused:
        import_text(RegistryService(store), "epoch", spoiled_sample(30), by=SUPERVISOR, origin="mine.csv")
    assert refused.value.evidence["problems"][0]["path"] == "Training compute (FLOP)"
    assert size(store) == before


def test_skip_invalid_stores_the_rest_and_reports(store: Store) -> None:
    report = import_text(
        RegistryService(store), "epoch", spoiled_sample(30), by=SUPERVISOR, skip_invalid=True
    )
    assert len(report.models) == 29
    assert [s["path"] for s in report.skipped] == ["Training compute (FLOP)"]
    store.verify()


def rows_named(*names: str) -> str:
    """The header and every row of the shipped table whose model has one of these names."""
    import csv
    import io

    records = list(csv.reader(io.StringIO(SHIPPED.read_text(encoding="utf-8"), newline="")))
    out = io.StringIO()
    csv.writer(out).writerows([records[0], *(r for r in records[1:] if r[0] in names)])
    return out.getvalue()


def test_flagged_rows_are_filed_with_their_notes_and_reimports_add_no_model(store: Store) -> None:
    registry = RegistryService(store)
    text = rows_named("P-LLama3", "NeuroChess", "GPT3-2.7B (FlashAttention-2)")
    first = import_text(registry, "epoch", text, by=SUPERVISOR)
    assert first.flagged == {"duplicate_name": 2, "no_organisation": 1, "percentage": 1}
    twins = [m["model_id"] for m in first.models if m["name"] == "P-LLama3"]
    assert len(set(twins)) == 2
    neuro = next(m["model_id"] for m in first.models if m["name"] == "NeuroChess")
    shown = registry.model(PUBLIC, neuro)
    assert shown.provider_id is not None and shown.passport is not None
    assert registry.organisation(PUBLIC, shown.provider_id).name == "Unattributed (Epoch AI)"
    assert shown.passport.flagged == ("provider",)
    assert shown.passport.passport.data_quality is not None
    assert shown.passport.passport.data_quality[0].problem == "no_organisation"
    again = import_text(registry, "epoch", text, by=SUPERVISOR)
    assert {m["action"] for m in again.models} == {"new passport"}
    assert [m["model_id"] for m in again.models] == [m["model_id"] for m in first.models]
    assert again.organisations_created == 0
    for model_id in twins:  # each twin keeps its own row's passport
        history = registry.passport_history(SUPERVISOR, model_id)
        assert history[0].passport == history[1].passport
    store.verify()


def test_reimporting_files_new_passport_versions(store: Store) -> None:
    registry = RegistryService(store)
    text = epoch_sample(5)
    first = import_text(registry, "epoch", text, by=SUPERVISOR)
    second = import_text(registry, "epoch", text, by=SUPERVISOR)
    assert {m["action"] for m in second.models} == {"new passport"}
    model_id = first.models[0]["model_id"]
    assert [m["model_id"] for m in second.models] == [m["model_id"] for m in first.models]
    history = registry.passport_history(SUPERVISOR, model_id)
    assert [(p.version, p.current) for p in history] == [(2, True), (1, False)]


def test_visibility_of_passport_sections(store: Store) -> None:
    registry = RegistryService(store)
    document = json.dumps(to_cyclonedx(item("Secret model", "Provider SA", compute={"training_flop": 2e25})))
    report = import_text(registry, "cyclonedx", document, by=SUPERVISOR)
    model_id = report.models[0]["model_id"]
    provider_id = registry.model(SUPERVISOR, model_id).provider_id
    owner = Principal("p", "p", Role.PROVIDER, provider_id, "FR")
    other = Principal("o", "o", Role.PROVIDER, "SOMEONE-ELSE", "FR")
    for who, sees in [(SUPERVISOR, True), (owner, True), (other, False), (PUBLIC, False)]:
        shown = registry.model(who, model_id).passport
        assert shown is not None
        assert ("compute" in shown.passport.model_fields_set) is sees
        assert ("compute" in shown.withheld) is not sees
        listed = registry.models(who, ModelQuery(min_flop=1e25)).items
        assert [m.id for m in listed] == ([model_id] if sees else [])
        exported = json.dumps(to_cyclonedx(model_item(registry, who, model_id)))
        assert ("2e+25" in exported) is sees


def test_filters_and_paging(store: Store) -> None:
    registry = RegistryService(store)
    import_text(registry, "epoch", epoch_sample(60), by=SUPERVISOR)
    everything: list[ModelSummary] = []
    cursor: str | None = None
    while True:
        page = registry.models(SUPERVISOR, page=PageRequest(cursor, 7))
        everything += page.items
        cursor = page.next
        if cursor is None:
            break
    assert len(everything) == 60 and len({m.id for m in everything}) == 60
    names = [(m.name or "").lower() for m in everything]
    assert names == sorted(names)
    chinese = registry.models(SUPERVISOR, ModelQuery(country="CN"), PageRequest(limit=500)).items
    assert chinese and all("CN" in (m.countries or ()) for m in chinese)
    big = registry.models(SUPERVISOR, ModelQuery(min_flop=1e24, max_flop=1e26), PageRequest(limit=500)).items
    assert big and all(m.training_flop is not None and 1e24 <= m.training_flop <= 1e26 for m in big)
    assert registry.models(SUPERVISOR, ModelQuery(search="%")).items == []


def test_only_the_provider_or_a_supervisor_files_for_a_model(store: Store) -> None:
    registry = RegistryService(store)
    org = registry.register_organisation(
        OrganisationRegistered.model_validate({"name": "Provider SA", "jurisdiction": "FR"}), by=SUPERVISOR
    )
    model = registry.register_model(
        ModelRegistration.model_validate({"name": "M", "provider_id": org.id}), by=SUPERVISOR
    )
    stranger = Principal("s", "s", Role.PROVIDER, "OTHER", "FR")
    with pytest.raises(Forbidden):
        registry.file_passport(
            model.id, Passport.model_validate({"provenance": {"source": "manual"}}), by=stranger
        )
    owner = Principal("p", "p", Role.PROVIDER, org.id, "FR")
    filed = registry.file_passport(
        model.id, Passport.model_validate({"provenance": {"source": "manual"}, "description": "x"}), by=owner
    )
    assert filed.version == 1 and filed.completeness > 0


def test_mutated_documents_import_whole_or_not_at_all(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Hypothesis feeds mutated CycloneDX documents to the importer: each either imports or is
    refused with a clear error, and a refusal leaves the log exactly as it was."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tests.installations import sqlite_installation
    from tests.strategies import import_item
    from tests.unit.passports.test_malformed import mutate

    home = tmp_path_factory.mktemp("mutated")
    store = sqlite_installation(home)
    registry = RegistryService(store)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(item=import_item(), data=st.data())
    def check(item: ImportItem, data: st.DataObject) -> None:
        document = to_cyclonedx(item)
        if data.draw(st.booleans()):
            document = mutate(document, data.draw)
        before = size(store)
        try:
            report = import_text(registry, "cyclonedx", json.dumps(document), by=SUPERVISOR)
        except InvalidInput as refused:
            assert refused.message and size(store) == before
        else:
            assert size(store) > before and report.models

    try:
        check()
        store.verify()
    finally:
        store.close()
