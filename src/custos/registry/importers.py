"""The import formats by name, each a parser from text to records."""

from __future__ import annotations

from enum import StrEnum

from custos.access.model import Principal
from custos.core.errors import Forbidden, InvalidInput
from custos.passports.cyclonedx import parse_cyclonedx
from custos.passports.epoch import parse_epoch
from custos.passports.huggingface import parse_model_card
from custos.passports.records import Parsed
from custos.passports.spdx import parse_spdx
from custos.registry.imports import ImportReport, import_parsed
from custos.registry.service import RegistryService


class ImportFormat(StrEnum):
    EPOCH = "epoch"
    CYCLONEDX = "cyclonedx"
    SPDX = "spdx"
    HF = "hf"


FORMATS = tuple(f.value for f in ImportFormat)


def parse(fmt: str, text: str, *, organisation: str | None = None) -> Parsed:
    if fmt == "epoch":
        return parse_epoch(text)
    if fmt == "cyclonedx":
        return parse_cyclonedx(text)
    if fmt == "spdx":
        return parse_spdx(text)
    if fmt == "hf":
        return parse_model_card(text, organisation=organisation)
    raise InvalidInput(f"unknown import format {fmt!r}: use one of {', '.join(FORMATS)}")


def import_text(
    registry: RegistryService,
    fmt: str,
    text: str,
    *,
    by: Principal,
    skip_invalid: bool = False,
    organisation: str | None = None,
) -> ImportReport:
    """Parse and file a document; Epoch's table of other firms' models is for supervisors only."""
    if fmt == "epoch" and not by.sees_everything:
        raise Forbidden("only supervisors import Epoch's table")
    return import_parsed(
        registry, parse(fmt, text, organisation=organisation), source=fmt, by=by, skip_invalid=skip_invalid
    )
