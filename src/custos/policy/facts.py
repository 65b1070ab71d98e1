"""The facts rules read, and how each is derived from the registry.

Every fact belongs to a kind of subject (a model or a deployment), has a CEL type, and says
what it means. A fact is absent (not false, not zero) when the registry does not know it; rules
over absent facts come out unknown. All numbers are doubles, as CEL compares only like types.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from custos.registry.model import ANNEX_III

#: Epoch AI's domains for models that generate language, images, video, audio or code: the
#: modalities of the Commission's indicative criterion for general-purpose models.
GENERATIVE_DOMAINS = {"language", "multimodal", "image generation", "video", "audio", "speech", "3d modeling"}


class SubjectKind(StrEnum):
    MODEL = "model"
    DEPLOYMENT = "deployment"


@dataclass(frozen=True)
class FactSpec:
    name: str
    subject: SubjectKind
    cel_type: str
    description: str


#: The context a fact is derived from: the subject's view row content, its passport, the
#: provider or deployer, and related rows (see :mod:`custos.policy.subjects`).
Context = Mapping[str, Any]
Derive = Callable[[Context], Any]

_DERIVE: dict[str, Derive] = {}
FACTS: dict[str, FactSpec] = {}
#: Facts that depend on the compute figure a pack chooses (central estimate or upper bound).
COMPUTE_FACTS = frozenset({"training_flop", "training_flop_estimated", "compute_confidence"})


def fact(name: str, subject: SubjectKind, cel_type: str, description: str) -> Callable[[Derive], Derive]:
    def register(derive: Derive) -> Derive:
        FACTS[name] = FactSpec(name, subject, cel_type, description)
        _DERIVE[name] = derive
        return derive

    return register


def derivations(subject: SubjectKind, names: set[str] | None = None) -> list[tuple[str, Derive]]:
    """The derivations of a subject kind's facts (only of ``names`` when given)."""
    return [
        (name, _DERIVE[name])
        for name, spec in FACTS.items()
        if spec.subject is subject and (names is None or name in names)
    ]


def derive_facts(subject: SubjectKind, context: Context, names: set[str] | None = None) -> dict[str, Any]:
    """The facts of one subject that are known (absent ones are left out)."""
    return derive_with(derivations(subject, names), context)


def derive_with(plan: list[tuple[str, Derive]], context: Context) -> dict[str, Any]:
    values = {}
    for name, derive in plan:
        value = derive(context)
        if value is not None:
            values[name] = value
    return values


M, D = SubjectKind.MODEL, SubjectKind.DEPLOYMENT


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


@fact(
    "training_flop",
    M,
    "double",
    "Training compute, FLOP: the pack's chosen figure (central estimate or upper bound), "
    "declared or estimated.",
)
def _training_flop(c: Context) -> float | None:
    return _number(c["compute"].get("training_flop"))


@fact(
    "training_flop_estimated",
    M,
    "bool",
    "True when the compute figure was estimated by Custos rather than declared.",
)
def _estimated(c: Context) -> bool | None:
    return bool(c["compute"].get("estimated")) if c["compute"].get("training_flop") is not None else None


@fact(
    "compute_confidence",
    M,
    "string",
    "Confidence of the compute figure: confident, likely, speculative or unknown.",
)
def _confidence(c: Context) -> str | None:
    return c["compute"].get("confidence") if c["compute"].get("training_flop") is not None else None


@fact("parameters", M, "double", "Number of parameters.")
def _parameters(c: Context) -> float | None:
    return _number(c["compute"].get("parameters"))


@fact(
    "accessibility",
    M,
    "string",
    "How the model is offered: open_weights_*, api, hosted, unreleased, unknown.",
)
def _accessibility(c: Context) -> str | None:
    value = c["model"].get("accessibility")
    return None if value in (None, "unknown") else str(value)


@fact("open_weights", M, "bool", "True when the weights are published (with or without restrictions).")
def _open_weights(c: Context) -> bool | None:
    value = _accessibility(c)
    return None if value is None else value.startswith("open_weights")


@fact("release_date", M, "timestamp", "When the model was released (placed on the market), at 00:00 UTC.")
def _release_date(c: Context) -> datetime | None:
    value = c["model"].get("release_date")
    return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC) if value else None


@fact("released", M, "bool", "True when the model has a release date.")
def _released(c: Context) -> bool:
    return c["model"].get("release_date") is not None


@fact(
    "generative",
    M,
    "bool",
    "True when the model generates language, images, video, audio or code (from its domain).",
)
def _generative(c: Context) -> bool | None:
    domain = c["model"].get("domain")
    if not domain:
        return None
    return any(part.strip().lower() in GENERATIVE_DOMAINS for part in str(domain).split(","))


@fact("provider_revenue_usd", M, "double", "The provider's declared annual revenue, when declared in USD.")
def _revenue(c: Context) -> float | None:
    revenue = (c.get("provider") or {}).get("annual_revenue") or {}
    return _number(revenue.get("amount")) if revenue.get("currency") == "USD" else None


@fact("provider_country", M, "string", "ISO code of the provider's country.")
def _provider_country(c: Context) -> str | None:
    return (c.get("provider") or {}).get("country")


@fact("public_interest", M, "bool", "True when the model is flagged as of public interest.")
def _public_interest(c: Context) -> bool:
    return bool(c["model"].get("public_interest"))


@fact("deployment_count", M, "double", "Number of registered deployments of the model.")
def _deployment_count(c: Context) -> float:
    return float(c.get("deployments", 0))


@fact(
    "sector",
    D,
    "string",
    "The deployment's sector (Annex III areas, finance, health, energy, telecoms, other).",
)
def _sector(c: Context) -> str:
    return str(c["deployment"]["sector"])


_ANNEX_III_SECTORS = frozenset(sector.value for sector in ANNEX_III)


@fact("annex_iii", D, "bool", "True when the sector is one of the EU AI Act's Annex III high-risk areas.")
def _annex_iii(c: Context) -> bool:
    return c["deployment"]["sector"] in _ANNEX_III_SECTORS


@fact(
    "decision_critical",
    D,
    "bool",
    "True when the deployment takes or drives decisions that matter to people or markets.",
)
def _decision_critical(c: Context) -> bool:
    return bool(c["deployment"].get("decision_critical"))


@fact("economic_exposure_eur", D, "double", "Economic exposure in EUR, when given in EUR.")
def _exposure(c: Context) -> float | None:
    exposure = c["deployment"].get("economic_exposure") or {}
    return _number(exposure.get("amount")) if exposure.get("currency") == "EUR" else None


@fact("user_population", D, "double", "Number of people the deployment serves.")
def _users(c: Context) -> float | None:
    return _number(c["deployment"].get("user_population"))


@fact("deployment_jurisdictions", D, "list<string>", "Jurisdictions the deployment operates in.")
def _jurisdictions(c: Context) -> list[str]:
    return list(c["deployment"].get("jurisdictions") or [])


@fact(
    "model_training_flop",
    D,
    "double",
    "Training compute of the deployed model, as the model's training_flop.",
)
def _model_flop(c: Context) -> float | None:
    return _number((c.get("model_compute") or {}).get("training_flop"))
