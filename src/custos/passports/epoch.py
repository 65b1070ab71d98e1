"""Epoch AI's table of notable AI models (``ai_models.csv``) as registry records.

Each row becomes its developers, a model and a passport with the row's compute figures,
bounds, confidence, hardware, dates and country. Nothing is merged, dropped or invented: blank
cells stay absent, and a row that cannot be read is reported with its line and every offending
column. Three slips of the source are kept rather than refused, each recorded on the passport as
a :class:`~custos.passports.model.DataQualityNote` with the value as written: a row without an
organisation is filed under :data:`UNATTRIBUTED`, a utilisation written as a percentage is
divided by 100, and a bound that crosses the central estimate by less than
:data:`BOUND_TOLERANCE` is moved onto it. Names that repeat are imported as separate models,
each flagged.

Source: Epoch AI, "Data on AI Models", https://epoch.ai/data/ai-models (CC BY 4.0).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pycountry
from pydantic import ValidationError

from custos.core.units import percent
from custos.filings import Visibility
from custos.passports.model import Confidence, DataProblem, DataQualityNote, Passport
from custos.passports.records import ImportItem, OrganisationRef, Parsed, Problem, problems_of

SHIPPED = Path(__file__).resolve().parent.parent / "registry" / "data" / "epoch_ai_models.csv"
ATTRIBUTION = (
    'Epoch AI, "Data on AI Models" (snapshot of June 2025), CC BY 4.0, https://epoch.ai/data/ai-models'
)

#: The provider of the models Epoch lists without an organisation: every filing needs an owner,
#: and a named stand-in keeps such models in the registry, listed and countable, while saying
#: plainly that nobody is known to answer for them.
UNATTRIBUTED = "Unattributed (Epoch AI)"
#: A bound that crosses the central estimate by at most this share of the bound is a rounding
#: slip, not a contradiction: Epoch writes estimates to about three significant figures, and its
#: one such row (ConvS2S, 5.64e19 against a lower bound of 5.65e19) is 0.18 % apart. Further
#: apart, the row contradicts itself and is refused.
BOUND_TOLERANCE = 0.01
#: A utilisation above 1 and at most this is a percentage (72 for 0.72); above it, an error.
PERCENT_SCALE = 100.0

#: How Epoch's notes state a mixture-of-experts model's parameters per token, with the figure in
#: billions: "39B active", "37B activated", "12.9B params used on average", "52 billion activation
#: parameters", "Activated Parameters per Token: 45.9B", "288 billion active parameter model".
#: Only a figure tied to "activ…" or "used" on the same line is read; looser wording ("25% of the
#: weights active", "equivalent to a 32B dense model") is left for a person.
ACTIVE_PARAMETERS = re.compile(
    r"(?P<before>\d+(?:\.\d+)?) ?(?:B|billion) +(?:params? +|parameters +)?"
    r"(?:activ(?:e|ated|ation)\b|used +on +average)"
    r"|activated\s+parameters(?:\s+per\s+token)?\s*:\s*(?P<after>\d+(?:\.\d+)?)\s*B\b",
    re.IGNORECASE,
)
BILLION = 1e9
#: Epoch names its mixture-of-experts models so (QMoE, OLMoE, ST-MoE, Phi-3.5-MoE, MoE-1.1T); the
#: notes are no guide, as dense models cite mixture-of-experts papers (GNMT, CPM-2).
MOE_IN_NAME = "MoE"

#: Country names Epoch uses that ISO 3166 (as pycountry holds it) spells otherwise.
COUNTRY_ALIASES = {
    "Korea (Republic of)": "KR",
    "Russia": "RU",
    "Iran (Islamic Republic of)": "IR",
    "Turkey": "TR",
}
NOT_A_COUNTRY = {"", "Multinational"}

ACCESSIBILITY = {
    "Open weights (unrestricted)": "open_weights_unrestricted",
    "Open weights (restricted use)": "open_weights_restricted",
    "Open weights (non-commercial)": "open_weights_non_commercial",
    "API access": "api",
    "Hosted access (no API)": "hosted",
    "Unreleased": "unreleased",
    "": "unknown",
}
CONFIDENCE = {c.value.capitalize(): c for c in Confidence}
REQUIRED_COLUMNS = ("Model", "Organization", "Publication date", "Training compute (FLOP)", "Confidence")
#: Epoch's data are public, so every passport section is filed public.
PUBLIC_SECTIONS = dict.fromkeys(Passport.model_fields, Visibility.PUBLIC)


def country_code(name: str) -> str | None:
    """ISO 3166-1 alpha-2 code of an Epoch country name; None for blank or 'Multinational'."""
    name = name.strip()
    if name in NOT_A_COUNTRY:
        return None
    if name in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[name]
    try:
        return str(pycountry.countries.lookup(name).alpha_2)
    except LookupError:
        raise ValueError(f"unknown country {name!r}") from None


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(",") if part.strip()]


class _Row:
    """Typed access to one row's cells, collecting every problem instead of stopping at the first."""

    def __init__(self, row: dict[str, str], label: str) -> None:
        self.row, self.label = row, label
        self.problems: list[Problem] = []
        self.notes: list[DataQualityNote] = []

    def flag(self, field: str, problem: DataProblem, original: str | None, action: str) -> None:
        self.notes.append(DataQualityNote(field=field, problem=problem, original=original, action=action))

    def text(self, column: str) -> str | None:
        value = (self.row.get(column) or "").strip()
        return value or None

    def parse(self, column: str, convert: Callable[[str], Any]) -> Any:
        value = self.text(column)
        if value is None:
            return None
        try:
            return convert(value)
        except ValueError as exc:
            self.problems.append(Problem(self.label, column, f"{value!r} is not valid: {exc}"))
            return None

    def number(self, column: str) -> float | None:
        result = self.parse(column, float)
        return None if result is None else float(result)

    def dollars(self, column: str) -> float | None:
        """Amounts written as Epoch writes money: ``$6770000.00``."""
        result = self.parse(column, lambda text: float(text.removeprefix("$").replace(",", "")))
        return None if result is None else float(result)


def _countries(row: _Row) -> list[str]:
    codes: list[str] = []
    for name in _split(row.text("Country (of organization)") or ""):
        try:
            code = country_code(name)
        except ValueError as exc:
            row.problems.append(Problem(row.label, "Country (of organization)", str(exc)))
            continue
        if code and code not in codes:
            codes.append(code)
    return codes


def _organisations(row: _Row, names: list[str], countries: list[str]) -> tuple[OrganisationRef, ...]:
    if not names:
        row.flag("provider", DataProblem.NO_ORGANISATION, None, f"filed under {UNATTRIBUTED!r}")
        return (OrganisationRef(UNATTRIBUTED),)
    # A country belongs to an organisation only when the row leaves no doubt which one.
    single = len(names) == 1
    return tuple(
        OrganisationRef(
            name,
            countries[0] if single and len(countries) == 1 else None,
            tuple(countries) if single else (),
        )
        for name in names
    )


def _utilisation(row: _Row) -> float | None:
    value = row.number("Hardware utilization (MFU)")
    if value is not None and 1 < value <= PERCENT_SCALE:
        row.flag(
            "compute.utilisation",
            DataProblem.PERCENTAGE,
            row.text("Hardware utilization (MFU)"),
            f"written as a percentage: divided by 100, {value / PERCENT_SCALE:g}",
        )
        return value / PERCENT_SCALE
    return value


def active_parameters(notes: str | None, parameters: float | None) -> float | None:
    """Parameters per token of a mixture-of-experts model, as the row's parameter notes state
    them; None unless exactly one figure is stated and it is below the total."""
    found = {float(m["before"] or m["after"]) * BILLION for m in ACTIVE_PARAMETERS.finditer(notes or "")}
    if len(found) != 1 or parameters is None:
        return None
    (active,) = found
    return active if active < parameters else None


def _bounds(row: _Row, compute: dict[str, Any]) -> None:
    """Move a bound onto the central estimate when it crosses it by a rounding slip only; a wider
    crossing is left for the passport's own check to refuse."""
    mid = compute["training_flop"]
    if mid is None:
        return
    low, high = compute["training_flop_lower"], compute["training_flop_upper"]
    if low is not None and mid < low:
        _onto_estimate(row, compute, "training_flop_lower", "Training compute lower bound", "lowered")
    if high is not None and mid > high:
        _onto_estimate(row, compute, "training_flop_upper", "Training compute upper bound", "raised")


def _onto_estimate(row: _Row, compute: dict[str, Any], key: str, column: str, verb: str) -> None:
    bound, mid = compute[key], compute["training_flop"]
    gap = abs(bound - mid) / bound
    if gap > BOUND_TOLERANCE:
        return
    row.flag(
        f"compute.{key}",
        DataProblem.BOUND_CROSSES_ESTIMATE,
        row.text(column),
        f"{verb} to the central estimate {mid:g}, which it crossed by {percent(gap)}",
    )
    compute[key] = mid


def _item(raw: dict[str, str], label: str) -> tuple[ImportItem | None, list[Problem]]:
    row = _Row(raw, label)
    if not row.text("Model"):
        return None, [Problem(label, "Model", "blank: a model needs a name")]
    names = _split(row.text("Organization") or "")
    countries = _countries(row)
    organisations = _organisations(row, names, countries)
    confidence_text = row.text("Confidence") or "Unknown"
    if confidence_text not in CONFIDENCE:
        row.problems.append(
            Problem(label, "Confidence", f"{confidence_text!r} is not one of {sorted(CONFIDENCE)}")
        )
    accessibility_text = row.text("Model accessibility") or ""
    if accessibility_text not in ACCESSIBILITY:
        row.problems.append(
            Problem(label, "Model accessibility", f"{accessibility_text!r} is not a known category")
        )
    base_model = row.text("Base model")
    model = {
        "name": row.text("Model"),
        "accessibility": ACCESSIBILITY.get(accessibility_text, "unknown"),
        "release_date": row.parse("Publication date", lambda text: date.fromisoformat(text).isoformat()),
        "domain": row.text("Domain"),
        "task": row.text("Task"),
        "countries": countries,
        "lineage": "finetune" if base_model else None,
    }
    parameters = row.number("Parameters")
    active = active_parameters(row.text("Parameters notes"), parameters)
    compute = {
        "training_flop": row.number("Training compute (FLOP)"),
        "training_flop_lower": row.number("Training compute lower bound"),
        "training_flop_upper": row.number("Training compute upper bound"),
        "confidence": CONFIDENCE.get(confidence_text, Confidence.UNKNOWN),
        "estimation_method": row.text("Training compute estimation method"),
        "parameters": parameters,
        "active_parameters": active,
        "mixture_of_experts": True if active or MOE_IN_NAME in (row.text("Model") or "") else None,
        "training_dataset_size_datapoints": row.number("Training dataset size (datapoints)"),
        "epochs": row.number("Epochs"),
        "hardware_type": row.text("Training hardware"),
        "hardware_quantity": row.number("Hardware quantity"),
        "training_time_hours": row.number("Training time (hours)"),
        "utilisation": _utilisation(row),
        "cloud_vendor": row.text("Training cloud compute vendor"),
        "data_centre": row.text("Training data center"),
        "power_draw_watts": row.number("Training power draw (W)"),
        "finetune_flop": row.number("Finetune compute (FLOP)"),
        "post_training_flop": row.number("Post-training compute (FLOP)"),
        "cost_usd_2023": row.dollars("Training compute cost (2023 USD)"),
    }
    _bounds(row, compute)
    passport = {
        "description": row.text("Abstract"),
        "provenance": {
            "source": "epoch",
            "reference": row.text("Link") or row.text("Reference"),
            "developers": names,
            "authors": row.text("Authors"),
            "publication_date": model["release_date"],
            "notes": ATTRIBUTION,
        },
        "datasets": [{"name": name} for name in _split(row.text("Training dataset") or "")],
        "compute": {key: value for key, value in compute.items() if value is not None},
        "data_quality": row.notes,
    }
    try:
        checked = Passport.model_validate(passport).model_dump(mode="json", exclude_defaults=True)
    except ValidationError as exc:
        row.problems.extend(problems_of(label, exc, "passport"))
        checked = None
    if row.problems or checked is None:
        return None, row.problems
    item = ImportItem(
        label=label,
        organisations=organisations,
        model={key: value for key, value in model.items() if value not in (None, [], "")},
        passport=checked,
        base_model_name=base_model,
        visibility=dict(PUBLIC_SECTIONS),
    )
    return item, []


def _flag_duplicates(parsed: Parsed, lines: list[int]) -> None:
    """Flag every model whose name another row repeats: each is filed, none is chosen over another.

    Which of two rows is right is the source's call; keeping both, flagged, leaves the question
    visible instead of settling it silently.
    """
    rows: dict[str, list[int]] = {}
    for index, item in enumerate(parsed.items):
        rows.setdefault(item.model["name"], []).append(index)
    for name, indices in sorted(rows.items()):
        if len(indices) < 2:
            continue
        where = ", ".join(str(lines[i]) for i in indices)
        parsed.notes.append(
            f"{len(indices)} rows (lines {where}) name the model {name!r}: "
            f"imported as {len(indices)} separate models"
        )
        for index in indices:
            item = parsed.items[index]
            note = DataQualityNote(
                field="name",
                problem=DataProblem.DUPLICATE_NAME,
                original=name,
                action=f"filed as one of {len(indices)} separate models; lines {where} name it",
            )
            notes = [*item.passport.get("data_quality", []), note.model_dump(mode="json")]
            parsed.items[index] = replace(item, passport={**item.passport, "data_quality": notes})


def parse_epoch(text: str, origin: str = "") -> Parsed:
    """Parse Epoch's CSV; problems name the row by ``origin:line`` (where it starts), the model
    and the column."""
    records = csv.reader(io.StringIO(text, newline=""))
    header = next(records, [])
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    parsed = Parsed()
    if missing:
        parsed.problems.append(
            Problem(origin or "file", "columns", f"missing {', '.join(missing)}: not Epoch's model table")
        )
        return parsed
    lines: list[int] = []
    start = records.line_num + 1
    for record in records:
        if record:
            raw = dict(zip(header, record, strict=False))
            where = f"{origin}:{start}" if origin else f"line {start}"
            label = f"{where} ({(raw.get('Model') or '').strip() or 'unnamed'})"
            item, problems = _item(raw, label)
            parsed.problems.extend(problems)
            if item is not None:
                parsed.items.append(item)
                lines.append(start)
        start = records.line_num + 1
    _flag_duplicates(parsed, lines)
    return parsed
