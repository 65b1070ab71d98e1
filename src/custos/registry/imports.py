"""Filing what an importer parsed: organisations, models and passports, in one transaction.

An import is atomic: when any record has a problem, nothing is stored and the error lists every
problem by record and field path. With ``skip_invalid`` the valid records are stored and the
problems come back in the summary (an :class:`ImportSummary`) as what was skipped and why. What a
parser kept but flagged (the passports' ``data_quality`` notes) comes back too, counted by
problem and listed by record.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from custos.access.model import Principal, Role
from custos.core.errors import InvalidInput
from custos.core.ids import new_id
from custos.filings import Filing, parse
from custos.passports.model import Passport
from custos.passports.records import ImportItem, Parsed, Problem, problems_of
from custos.registry.model import (
    MODEL_REGISTERED,
    ORGANISATION_REGISTERED,
    PASSPORT_FILED,
    ModelRegistered,
    OrganisationKind,
    OrganisationRegistered,
)
from custos.registry.service import RegistryService, acting_for
from custos.registry.views import ImportSummary
from custos.store import registry_views as rv

MAX_LISTED_PROBLEMS = 200


@dataclass
class _Report:
    """What an import did, gathered while it files; handed out as :class:`ImportSummary`."""

    source: str
    records: int = 0
    organisations_created: int = 0
    models: list[dict[str, str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data_quality: list[dict[str, Any]] = field(default_factory=list)
    """Every data-quality note filed on a passport, with its record, model id and name."""

    def summary(self) -> ImportSummary:
        """The report as its read model, with the notes counted by problem, most frequent first."""
        return ImportSummary(
            source=self.source,
            records=self.records,
            imported_models=len(self.models),
            organisations_created=self.organisations_created,
            flagged=dict(Counter(note["problem"] for note in self.data_quality).most_common()),
            data_quality=self.data_quality,
            skipped=self.skipped,
            notes=self.notes,
            models=self.models,
        )


def _refuse(parsed: Parsed) -> InvalidInput:
    listed = [str(p) for p in parsed.problems[:MAX_LISTED_PROBLEMS]]
    more = len(parsed.problems) - len(listed)
    detail = "; ".join(listed) + (f"; and {more} more" if more > 0 else "")
    return InvalidInput(
        f"nothing was imported: {len(parsed.problems)} problem(s) "
        f"(use --skip-invalid to import the rest): {detail}",
        evidence={
            "problems": [{"record": p.label, "path": p.path, "reason": p.reason} for p in parsed.problems]
        },
    )


def _checked(parsed: Parsed) -> Parsed:
    """Move items whose model or organisations the registry would refuse to the problems, by
    record and path."""
    checked = Parsed(problems=list(parsed.problems), notes=list(parsed.notes))
    for item in parsed.items:
        problems = _refusals(item)
        if problems:
            checked.problems.extend(problems)
        else:
            checked.items.append(item)
    return checked


def _refusals(item: ImportItem) -> list[Problem]:
    """What the registry would refuse of an item's model and of its organisations' countries."""
    try:
        ModelRegistered.model_validate({**item.model, "provider_id": "checked"})
    except ValidationError as exc:
        return problems_of(item.label, exc, "model")
    for index, ref in enumerate(item.organisations):
        if ref.country:
            try:
                OrganisationRegistered.model_validate({"name": ref.name, "country": ref.country})
            except ValidationError as exc:
                return problems_of(item.label, exc, f"organisations.{index}")
    return []


def import_parsed(
    registry: RegistryService, parsed: Parsed, *, source: str, by: Principal, skip_invalid: bool = False
) -> ImportSummary:
    """File every parsed item; see the module docstring for atomicity."""
    parsed = _checked(parsed)
    if parsed.problems and not (skip_invalid and parsed.items):
        raise _refuse(parsed)  # skipping the invalid records still needs a valid one to file
    if not parsed.items:
        raise InvalidInput(f"the {source} document describes no model")
    report = _Report(source, records=len(parsed.items) + len({p.label for p in parsed.problems}))
    report.skipped = [{"record": p.label, "path": p.path, "reason": p.reason} for p in parsed.problems]
    report.notes = list(parsed.notes)
    with registry.store.transaction() as uow:
        org_ids, org_filings = _organisations(registry, uow.conn, parsed.items, by)
        report.organisations_created = len(org_filings)
        existing = _existing(uow.conn, parsed.items, org_ids)
        superseded = rv.current_passport_ids(uow.conn, [m for m in existing if m])
        model_ids = [found or new_id(registry.store.clock) for found in existing]
        bases = _base_models(uow.conn, parsed.items, model_ids, report)
        model_filings, passport_filings = [], []
        for item, model_id, base, found in zip(parsed.items, model_ids, bases, existing, strict=True):
            provider = org_ids[item.organisations[0].name]
            acting_for(by, provider, (Role.PROVIDER,))
            if not found:
                content = {
                    **item.model,
                    "provider_id": provider,
                    "developer_ids": [org_ids[o.name] for o in item.organisations],
                    **({"base_model_id": base} if base else {}),
                    **({"base_model_name": item.base_model_name} if item.base_model_name else {}),
                }
                model = parse(ModelRegistered, content, f"model of {item.label}")
                model_filings.append(
                    registry.new_filing(MODEL_REGISTERED, model, by=by, owner=provider, subject=model_id)
                )
            passport_filings.append(
                registry.new_filing(
                    PASSPORT_FILED,
                    parse(Passport, item.passport, f"passport of {item.label}"),
                    by=by,
                    owner=provider,
                    subject=model_id,
                    visibility=item.visibility,
                    supersedes=superseded.get(model_id),
                )
            )
            action = "new passport" if found else "registered"
            report.models.append(
                {"record": item.label, "model_id": model_id, "name": item.model["name"], "action": action}
            )
            report.data_quality += [
                {"record": item.label, "model_id": model_id, "name": item.model["name"], **note}
                for note in item.passport.get("data_quality", ())
            ]
        uow.file(*org_filings, *model_filings, *passport_filings)
    return report.summary()


def _organisations(
    registry: RegistryService, conn: Any, items: Sequence[ImportItem], by: Principal
) -> tuple[dict[str, str], list[Filing]]:
    """Ids of every organisation the items name, registering (as filings) those not yet known."""
    wanted: dict[str, Any] = {}
    for item in items:
        for position, ref in enumerate(item.organisations):
            wanted.setdefault(ref.name, (ref, position == 0))
    known = rv.organisations_named(conn, list(wanted))
    filings = []
    for name, (ref, provides) in wanted.items():
        if name in known:
            continue
        if not by.sees_everything:
            raise InvalidInput(
                f"organisation {name!r} is not registered; a supervisor must register it first"
            )
        org_id = new_id(registry.store.clock)
        content = {
            "name": name,
            "kinds": [OrganisationKind.MODEL_PROVIDER] if provides else [],
            **({"country": ref.country, "jurisdiction": ref.country} if ref.country else {}),
            **({"jurisdictions": list(ref.jurisdictions)} if ref.jurisdictions else {}),
        }
        organisation = parse(OrganisationRegistered, content, f"organisation {name!r}")
        filings.append(
            registry.new_filing(ORGANISATION_REGISTERED, organisation, by=by, owner=org_id, subject=org_id)
        )
        known[name] = org_id
    return known, filings


def _existing(conn: Any, items: Sequence[ImportItem], org_ids: dict[str, str]) -> list[str | None]:
    """For each item, the registered model with its provider, name and version, if any.

    Such an import files a new passport version for that model instead of a second model. When a
    source lists the same model several times (duplicates kept as separate models) and as many
    models are registered under that key, each record goes to the model whose current passport
    it repeats, the rest in id order: re-importing the source then adds no model. Otherwise a
    key with several models is ambiguous and its records are registered anew.
    """
    keyed = rv.models_keyed(conn, sorted({i.model["name"] for i in items}))
    groups: dict[tuple[str, str, str | None], list[int]] = {}
    for index, item in enumerate(items):
        key = (item.model["name"], org_ids[item.organisations[0].name], item.model.get("version"))
        groups.setdefault(key, []).append(index)
    found: list[str | None] = [None] * len(items)
    for key, indices in groups.items():
        matches = keyed.get(key, [])
        if len(matches) == 1:
            for index in indices:
                found[index] = matches[0]
        elif len(matches) > 1 and len(matches) == len(indices):
            for index, model_id in _pair(conn, items, indices, sorted(matches)):
                found[index] = model_id
    return found


def _pair(
    conn: Any, items: Sequence[ImportItem], indices: list[int], model_ids: list[str]
) -> list[tuple[int, str]]:
    """Records and models of one key, one to one: same passport first, then in order."""
    current = {}
    for model_id in model_ids:
        row = rv.current_passport(conn, model_id)
        current[model_id] = _canonical(json.loads(row["content"])) if row else None
    free, pairs, unmatched = list(model_ids), [], []
    for index in indices:
        wanted = _canonical(items[index].passport)
        same = next((m for m in free if current[m] == wanted), None)
        if same is None:
            unmatched.append(index)
            continue
        free.remove(same)
        pairs.append((index, same))
    return pairs + list(zip(unmatched, free, strict=True))


def _canonical(passport: dict[str, Any]) -> dict[str, Any]:
    """A passport's content in one form, defaults included, so two spellings compare equal."""
    dumped: dict[str, Any] = Passport.model_validate(passport).model_dump(mode="json")
    return dumped


def _base_models(
    conn: Any, items: Sequence[ImportItem], model_ids: Sequence[str], report: _Report
) -> list[str | None]:
    """Link each item to its base model by name when exactly one model bears that name."""
    by_name: dict[str, list[str]] = {}
    for item, model_id in zip(items, model_ids, strict=True):
        by_name.setdefault(item.model["name"], []).append(model_id)
    wanted = sorted({i.base_model_name for i in items if i.base_model_name})
    for name, ids in rv.models_named(conn, wanted).items():
        by_name.setdefault(name, []).extend(ids)
    links: list[str | None] = []
    for item in items:
        candidates = by_name.get(item.base_model_name or "", [])
        if item.base_model_name and len(candidates) != 1:
            why = (
                "no registered model has that name"
                if not candidates
                else f"{len(candidates)} models have that name"
            )
            report.notes.append(f"{item.label}: base model {item.base_model_name!r} kept as a name: {why}")
        links.append(candidates[0] if len(candidates) == 1 and item.base_model_name else None)
    return links
