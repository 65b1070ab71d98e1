"""Incident history imported from public databases: the filing kind, its payload and the read models.

An imported incident is history, not a report to a supervisor: it names no model under a reporting
duty, starts no clock and holds back no rollout (those read ``incident.reported`` only). Every
field is public, since the source published all of it. Pydantic only, so the Python client reads
the answers with the same models.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from custos.filings import PUBLIC_FIELD, FilingKind
from custos.registry.views import Page

#: The sources history is imported from; the AI Incident Database is the one Custos reads.
Source = Literal["aiid"]

#: Where the AI Incident Database cites an incident by its number.
AIID_CITATION = "https://incidentdatabase.ai/cite/{}"

_Entities = tuple[str, ...]


class ImportedReport(BaseModel):
    """One published report of an incident (a news article, a paper), as the source lists it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    number: int = Field(ge=1, description="The source's report number.")
    title: str = Field("", max_length=2000)
    url: str = Field(min_length=1, max_length=4000)
    date_published: dt.date | None = None
    source_domain: str | None = Field(None, max_length=500)


class IncidentImported(BaseModel):
    """An incident as a public incident database records it, with the registered organisations
    and models it names unambiguously."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    source: Source = Field(json_schema_extra=PUBLIC_FIELD)
    external_id: str = Field(
        min_length=1,
        max_length=64,
        json_schema_extra=PUBLIC_FIELD,
        description="The incident's id in the source (the AIID's incident number).",
    )
    date: dt.date = Field(json_schema_extra=PUBLIC_FIELD, description="When the incident occurred.")
    title: str = Field(min_length=1, max_length=2000, json_schema_extra=PUBLIC_FIELD)
    description: str | None = Field(None, max_length=100_000, json_schema_extra=PUBLIC_FIELD)
    developers: _Entities = Field(
        (), json_schema_extra=PUBLIC_FIELD, description="Alleged developers, as the source's entity ids."
    )
    deployers: _Entities = Field(
        (), json_schema_extra=PUBLIC_FIELD, description="Alleged deployers, as the source's entity ids."
    )
    harmed_parties: _Entities = Field(
        (),
        json_schema_extra=PUBLIC_FIELD,
        description="Alleged harmed or nearly harmed parties, as the source's entity ids.",
    )
    report_numbers: tuple[int, ...] = Field(
        (), json_schema_extra=PUBLIC_FIELD, description="Every report the source links to the incident."
    )
    reports: tuple[ImportedReport, ...] = Field(
        (), json_schema_extra=PUBLIC_FIELD, description="The linked reports the import was given."
    )
    organisation_ids: tuple[str, ...] = Field(
        (),
        json_schema_extra=PUBLIC_FIELD,
        description="Registered organisations an entity names: each the only one whose public name matches.",
    )
    model_ids: tuple[str, ...] = Field(
        (),
        json_schema_extra=PUBLIC_FIELD,
        description="Registered models an entity names: each the only one whose public name matches.",
    )


INCIDENT_IMPORTED = FilingKind(
    "incident.imported",
    IncidentImported,
    "An incident imported from a public incident database: history, which starts no clock.",
)


class AiidSnapshotUpload(BaseModel):
    """The CSV files of an AI Incident Database snapshot, as text: ``incidents.csv`` and, to
    list each incident's reports, ``reports.csv``."""

    model_config = ConfigDict(extra="forbid")

    incidents: str = Field(min_length=1, description="The text of the snapshot's incidents.csv.")
    reports: str | None = Field(
        None,
        description="The text of the snapshot's reports.csv; without it, the reports an earlier "
        "import gave are kept for the numbers the incidents still list.",
    )


class HistoryImportSummary(BaseModel):
    """What an import filed: new incidents, changed ones (superseding what was filed), the ones
    already on record as they are, and the reports no incident of the file lists."""

    model_config = ConfigDict(frozen=True)

    source: Source
    incidents: int = Field(description="Incidents read.")
    filed: int = Field(description="Incidents filed for the first time.")
    superseded: int = Field(description="Changed incidents filed again, superseding their last filing.")
    unchanged: int = Field(description="Incidents already on record as the file gives them.")
    reports: int = Field(description="Reports read.")
    skipped_reports: int = Field(description="Reports no incident of the file lists: not imported.")


class IncidentHistoryItem(BaseModel):
    """An imported incident as the history list shows it (its current filing)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    id: str = Field(description="The filing that records the incident as it now stands.")
    source: Source
    external_id: str
    date: dt.date
    title: str
    description: str | None = None
    developers: _Entities = ()
    deployers: _Entities = ()
    harmed_parties: _Entities = ()
    report_count: int
    organisation_ids: tuple[str, ...] = ()
    model_ids: tuple[str, ...] = ()
    url: str = Field(description="The incident's page at its source.")


#: What whoever shows imported history must say of it (the AIID's terms, CC BY-SA 4.0).
AIID_ATTRIBUTION = (
    "Incident data from the AI Incident Database (incidentdatabase.ai), Responsible AI Collaborative, "
    "under CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/); reports keep their own rights."
)


class IncidentHistoryPage(Page[IncidentHistoryItem]):
    """A page of imported incidents, the most recently filed first, with the attribution its
    source's licence asks of whoever shows it."""

    attribution: str = AIID_ATTRIBUTION
