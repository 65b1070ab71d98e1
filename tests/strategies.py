"""Hypothesis strategies for passports and import records that satisfy the model's rules."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import strategies as st

from custos.passports.records import ImportItem, OrganisationRef

text = (
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30)
    .map(str.strip)
    .filter(bool)
)
positive = st.floats(min_value=1e-3, max_value=1e30, allow_nan=False, allow_infinity=False)
words = st.lists(text, max_size=3)
urls = st.builds(
    lambda host, path: f"https://{host}.example/{path}",
    st.from_regex(r"[a-z]{3,8}", fullmatch=True),
    st.from_regex(r"[a-z0-9]{0,8}", fullmatch=True),
)


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


@st.composite
def compute(draw: st.DrawFn) -> dict[str, Any]:
    central = draw(_optional(positive))
    values: dict[str, Any] = {
        "training_flop": central,
        "confidence": draw(st.sampled_from(["confident", "likely", "speculative", "unknown"])),
        "estimation_method": draw(_optional(text)),
        "hardware_type": draw(_optional(text)),
        "hardware_quantity": draw(_optional(positive)),
        "utilisation": draw(_optional(st.floats(min_value=0.01, max_value=1.0))),
        "cost_usd_2023": draw(_optional(positive)),
        "epochs": draw(_optional(positive)),
        "mixture_of_experts": draw(_optional(st.booleans())),
        "planned_training_flop": draw(_optional(positive)),
        "planned_training_flop_known_on": draw(_optional(st.dates().map(str))),
    }
    if central is not None and draw(st.booleans()):
        values["training_flop_lower"] = central / 2
        values["training_flop_upper"] = central * 3
    return {k: v for k, v in values.items() if v is not None}


dataset = st.fixed_dictionaries(
    {"name": text},
    optional={
        "source": text | urls,
        "licence": st.sampled_from(["CC-BY-4.0", "MIT", "Apache-2.0"]),
        "collection_process": text,
        "size_datapoints": positive,
        "contains_personal_data": st.booleans(),
        "known_bias": text,
        "intended_use": text,
        "notes": text,
    },
)

evaluation = st.fixed_dictionaries(
    {"metric": text, "value": st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)},
    optional={"task": text, "dataset": text, "verified": st.booleans(), "source": text},
)

passport = st.fixed_dictionaries(
    {"provenance": st.fixed_dictionaries({"source": text}, optional={"reference": text, "notes": text})},
    optional={
        "description": text,
        "licence": st.sampled_from(["Apache-2.0", "MIT", "LicenseRef-custom"]),
        "datasets": st.lists(dataset, max_size=3),
        "compute": compute(),
        "energy": st.fixed_dictionaries(
            {},
            optional={
                "training_energy_kwh": positive,
                "co2_eq_kg": st.integers(1, 10**9).map(lambda grams: grams / 1000),
                "emissions_source": text,
            },
        ),
        "known_limitations": words,
        "intended_uses": words,
        "out_of_scope_uses": words,
        "evaluations": st.lists(evaluation, max_size=3),
    },
)

organisation = st.builds(
    OrganisationRef,
    name=text,
    country=st.none() | st.sampled_from(["FR", "US", "DE"]),
    jurisdictions=st.lists(st.sampled_from(["FR", "US", "DE"]), max_size=2, unique=True).map(tuple),
)

model = st.fixed_dictionaries(
    {"name": text},
    optional={
        "version": st.from_regex(r"[0-9]{1,2}\.[0-9]{1,2}", fullmatch=True),
        "accessibility": st.sampled_from(["api", "open_weights_unrestricted", "unreleased"]),
        "release_date": st.dates(date(1950, 1, 1), date(2100, 1, 1)).map(lambda d: d.isoformat()),
        "domain": text,
        "task": text,
        "countries": st.lists(st.sampled_from(["FR", "US", "DE"]), min_size=1, max_size=2, unique=True),
        "public_interest": st.just(True),
    },
)


@st.composite
def import_item(draw: st.DrawFn) -> ImportItem:
    """A record as an importer would produce it (content in canonical passport form)."""
    from custos.passports.model import Passport

    organisations = tuple(draw(st.lists(organisation, min_size=1, max_size=3, unique_by=lambda o: o.name)))
    content = Passport.model_validate(draw(passport)).model_dump(mode="json", exclude_defaults=True)
    base = draw(st.none() | text)
    item_model = draw(model)
    if base:
        item_model["lineage"] = draw(st.sampled_from(["finetune", "quantized"]))
    return ImportItem("generated", organisations, item_model, content, base_model_name=base)
