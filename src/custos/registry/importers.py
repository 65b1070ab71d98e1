"""The import formats by name, each a parser from text to records, and the data shipped with
Custos that can be imported by name alone."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from custos.access.model import Principal
from custos.core.errors import Forbidden, InvalidInput
from custos.passports.cyclonedx import parse_cyclonedx
from custos.passports.epoch import SHIPPED as EPOCH_SHIPPED
from custos.passports.epoch import parse_epoch
from custos.passports.huggingface import parse_model_card
from custos.passports.records import Parsed
from custos.passports.spdx import parse_spdx
from custos.registry.imports import import_parsed
from custos.registry.service import RegistryService
from custos.registry.views import ImportSummary


class ImportFormat(StrEnum):
    EPOCH = "epoch"
    CYCLONEDX = "cyclonedx"
    SPDX = "spdx"
    HF = "hf"


FORMATS = tuple(f.value for f in ImportFormat)
#: The documents shipped with the package, by format: what an import without a file reads.
SHIPPED: dict[str, Path] = {ImportFormat.EPOCH.value: EPOCH_SHIPPED}


def parse(fmt: str, text: str, *, organisation: str | None = None, origin: str = "") -> Parsed:
    """``origin`` (a file name) prefixes the line numbers of formats that report lines."""
    if fmt == "epoch":
        return parse_epoch(text, origin)
    if fmt == "cyclonedx":
        return parse_cyclonedx(text)
    if fmt == "spdx":
        return parse_spdx(text)
    if fmt == "hf":
        return parse_model_card(text, organisation=organisation)
    raise InvalidInput(f"unknown import format {fmt!r}: use one of {', '.join(FORMATS)}")


def shipped(fmt: str) -> Path:
    """The shipped document of a format; a format that ships none is refused."""
    if fmt not in SHIPPED:
        raise InvalidInput(
            f"no {fmt} document is shipped: give a file (only {', '.join(sorted(SHIPPED))} is shipped)"
        )
    return SHIPPED[fmt]


def import_text(
    registry: RegistryService,
    fmt: str,
    text: str,
    *,
    by: Principal,
    skip_invalid: bool = False,
    organisation: str | None = None,
    origin: str = "",
) -> ImportSummary:
    """Parse and file a document; Epoch's table of other firms' models is for supervisors only."""
    if fmt == "epoch" and not by.sees_everything:
        raise Forbidden("only supervisors import Epoch's table")
    parsed = parse(fmt, text, organisation=organisation, origin=origin)
    return import_parsed(registry, parsed, source=fmt, by=by, skip_invalid=skip_invalid)


def import_shipped(registry: RegistryService, fmt: str, *, by: Principal) -> ImportSummary:
    """Import the document shipped for ``fmt`` (Epoch AI's table): every row is kept, the
    source's slips flagged on the passports, so nothing needs skipping."""
    path = shipped(fmt)
    return import_text(registry, fmt, path.read_text(encoding="utf-8"), by=by, origin=path.name)
