"""Importing incident history from the AI Incident Database, and reading it back.

An import is idempotent: an incident already on record as the snapshot gives it is left alone, a
changed one is filed again superseding its last filing, so importing next week's snapshot files
only what changed. Incidents are filed in batches, each in one transaction: a row that cannot be
read or filed stores nothing of its batch, and the error names the row.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from custos.access.filer import file_as
from custos.access.model import Principal
from custos.core.errors import CustosError, Forbidden, InvalidInput
from custos.filings import Filing, parse
from custos.oversight.aiid import AiidIncident, AiidReport, read_incidents, read_reports
from custos.oversight.history_model import (
    AIID_CITATION,
    INCIDENT_IMPORTED,
    HistoryImportSummary,
    IncidentHistoryItem,
    IncidentHistoryPage,
    IncidentImported,
)
from custos.store import Connection, Store
from custos.store import incident_history_views as hv

#: Incidents filed per transaction.
BATCH = 500

#: Told how many incidents of the file have been read, after each batch.
Progress = Callable[[int], None]


def subject_of(source: str, external_id: str) -> str:
    """The subject every filing of one imported incident shares."""
    return f"{source}:{external_id}"


def entity_key(name: str) -> str:
    """A name as the AIID writes its entity ids: lower case, accents dropped, every run of other
    characters a hyphen (``Google DeepMind`` is ``google-deepmind``)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


class _Registry:
    """The registered organisations and models an entity id names: by the key of their public
    name, kept only where exactly one has that key."""

    def __init__(self, conn: Connection) -> None:
        organisations, models = hv.public_names(conn)
        self.organisations = self._unambiguous(organisations)
        self.models = self._unambiguous(models)

    @staticmethod
    def _unambiguous(named: Sequence[tuple[str, str]]) -> dict[str, str]:
        found: dict[str, list[str]] = {}
        for record_id, name in named:
            found.setdefault(entity_key(name), []).append(record_id)
        return {key: ids[0] for key, ids in found.items() if len(ids) == 1 and key}

    def matches(self, entities: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        keys = [entity_key(entity) for entity in entities]
        organisations = dict.fromkeys(self.organisations[k] for k in keys if k in self.organisations)
        models = dict.fromkeys(self.models[k] for k in keys if k in self.models)
        return tuple(organisations), tuple(models)


class IncidentHistoryService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def import_aiid(
        self,
        incidents: Iterable[str],
        reports: Iterable[str] | None,
        *,
        by: Principal,
        progress: Progress | None = None,
    ) -> HistoryImportSummary:
        """Import an AIID snapshot's ``incidents.csv`` (and ``reports.csv``), given as lines
        (supervisors). Without the reports, each incident keeps the reports an earlier import gave
        for the numbers it still lists."""
        if not by.sees_everything:
            raise Forbidden("only supervisors import incident history")
        owner = by.organisation_id
        if owner is None:
            raise InvalidInput("the importer acts for no organisation to own the imported history")
        given = read_reports(reports) if reports is not None else None
        claimed: set[int] = set()
        counts = {"incidents": 0, "filed": 0, "superseded": 0, "unchanged": 0}
        rows = read_incidents(incidents)
        while batch := self._next_batch(rows, counts["incidents"]):
            try:
                with self.store.transaction() as uow:
                    filed = self._file_batch(uow.conn, batch, given, by, owner, counts)
                    uow.file(*filed)
            except CustosError as exc:
                raise type(exc)(_stored_before(exc.message, counts), evidence=exc.evidence) from exc
            counts["incidents"] += len(batch)
            for incident in batch:
                claimed.update(incident.report_numbers)
            if progress is not None:
                progress(counts["incidents"])
        return HistoryImportSummary(
            source="aiid",
            **counts,
            reports=len(given or {}),
            skipped_reports=len(set(given or {}) - claimed),
        )

    def _next_batch(self, rows: Iterator[AiidIncident], read: int) -> list[AiidIncident]:
        """The next batch of rows; a row that cannot be read is refused, saying what was stored."""
        try:
            return list(islice(rows, BATCH))
        except CustosError as exc:
            raise type(exc)(_stored_before(exc.message, {"incidents": read}), evidence=exc.evidence) from exc

    def _file_batch(
        self,
        conn: Connection,
        batch: Sequence[AiidIncident],
        given: dict[int, AiidReport] | None,
        by: Principal,
        owner: str,
        counts: dict[str, int],
    ) -> list[Filing]:
        """The filings a batch needs: new incidents, and changed ones superseding their last filing."""
        registry = _Registry(conn)
        subjects = [subject_of("aiid", str(incident.incident_id)) for incident in batch]
        current = hv.current_imports(conn, INCIDENT_IMPORTED.name, subjects)
        filed: list[Filing] = []
        tally = {"filed": 0, "superseded": 0, "unchanged": 0}
        for incident, subject in zip(batch, subjects, strict=True):
            before = current.get(subject)
            payload = _payload(incident, given, before.content if before else None, registry)
            content = payload.model_dump(mode="json")
            if before is not None and before.content == content:
                tally["unchanged"] += 1
                continue
            tally["superseded" if before else "filed"] += 1
            filed.append(
                file_as(
                    by,
                    INCIDENT_IMPORTED,
                    content,
                    owner=owner,
                    subject=subject,
                    clock=self.store.clock,
                    supersedes=before.id if before else None,
                )
            )
        for name, value in tally.items():  # counted once the batch can no longer fail to build
            counts[name] += value
        return filed

    def history(
        self, query: hv.HistoryQuery, *, cursor: str | None = None, limit: int = 50
    ) -> IncidentHistoryPage:
        """Imported incidents as they now stand, the most recently filed first (everyone: the
        history is public)."""
        position = self.store.cursors.open(cursor)
        with self.store.read() as conn:
            found = hv.history(conn, INCIDENT_IMPORTED.name, query, position, limit)
        return IncidentHistoryPage(
            items=[_item(row) for row in found.rows],
            next=self.store.cursors.seal(found.next_position),
            total=found.total,
        )


def _stored_before(message: str, counts: dict[str, int]) -> str:
    read = counts["incidents"]
    kept = f"the {read} incident(s) before its batch were imported" if read else "nothing was imported"
    return f"{message} ({kept})"


def _payload(
    incident: AiidIncident,
    given: dict[int, AiidReport] | None,
    before: dict[str, Any] | None,
    registry: _Registry,
) -> IncidentImported:
    """What an incident's filing holds, checked, with the row named when it does not fit."""
    if given is not None:
        reports = [_report(given[n]) for n in incident.report_numbers if n in given]
    else:  # no reports file: keep what an earlier import gave for the numbers still listed
        listed = set(incident.report_numbers)
        reports = [r for r in (before or {}).get("reports", []) if r["number"] in listed]
    organisation_ids, model_ids = registry.matches(
        [*incident.developers, *incident.deployers, *incident.harmed_parties]
    )
    content = {
        "source": "aiid",
        "external_id": str(incident.incident_id),
        "date": incident.date,
        "title": incident.title,
        "description": incident.description,
        "developers": incident.developers,
        "deployers": incident.deployers,
        "harmed_parties": incident.harmed_parties,
        "report_numbers": incident.report_numbers,
        "reports": reports,
        "organisation_ids": organisation_ids,
        "model_ids": model_ids,
    }
    return parse(
        IncidentImported, content, f"incidents.csv line {incident.line} (incident {incident.incident_id})"
    )


def _report(report: AiidReport) -> dict[str, Any]:
    return {
        "number": report.number,
        "title": report.title,
        "url": report.url,
        "date_published": report.date_published,
        "source_domain": report.source_domain,
    }


def _item(row: hv.Imported) -> IncidentHistoryItem:
    content = row.content
    return IncidentHistoryItem.model_validate(
        {
            "id": row.id,
            **{key: value for key, value in content.items() if key not in ("reports", "report_numbers")},
            "report_count": len(content["report_numbers"]),
            "url": AIID_CITATION.format(content["external_id"]),
        }
    )
