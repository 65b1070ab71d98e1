"""The facts rules read, and how each is derived from the registry.

Every fact belongs to a kind of subject (a model, a deployment or an organisation), has a CEL
type, and says
what it means. A fact is absent (not false, not zero) when the registry does not know it; rules
over absent facts come out unknown. All numbers are doubles, as CEL compares only like types.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from custos.core.jurisdictions import EU_MEMBERS
from custos.policy.compute_estimate import is_language

#: Tasks (Epoch AI's names, and Hugging Face's pipeline tags) of a model that generates language
#: (text, including code, or speech as language), images from text or video from text: the
#: modalities of the indicative criterion for general-purpose models in the Commission's
#: guidelines C(2025) 5045, section 2.1. Speech
#: recognition, speech synthesis, music, image upscaling and 3D modelling are narrow tasks the
#: guidelines name as not general-purpose, so they are not here.
GENERATIVE_TASKS = frozenset(
    {
        "language modeling/generation",
        "language modeling",
        "language generation",
        "chat",
        "code generation",
        "code autocompletion",
        "question answering",
        "translation",
        "text summarization",
        "text autocompletion",
        "quantitative reasoning",
        "mathematical reasoning",
        "text-to-image",
        "text-to-video",
        "video generation",
        # The same tasks as Hugging Face's pipeline tags name them (a model card's pipeline_tag).
        "text-generation",
        "text2text-generation",
        "conversational",
        "summarization",
        "question-answering",
        "image-text-to-text",
        "any-to-any",
    }
)


class SubjectKind(StrEnum):
    MODEL = "model"
    DEPLOYMENT = "deployment"
    ORGANISATION = "organisation"
    """A duty of the organisation itself, owed once whatever its number of models: the frontier
    AI framework of a large frontier developer (Bus. & Prof. Code § 22757.12(a))."""


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
COMPUTE_FACTS = frozenset(
    {"training_flop", "training_flop_estimated", "compute_confidence", "cumulative_training_flop"}
)


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


M, D, ORG = SubjectKind.MODEL, SubjectKind.DEPLOYMENT, SubjectKind.ORGANISATION


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
    "cumulative_training_flop",
    M,
    "double",
    "Training compute plus the declared fine-tuning and post-training compute, FLOP (SB 53 "
    "§ 22757.11: the original training run and any subsequent fine-tuning, reinforcement "
    "learning or other material modifications).",
)
def _cumulative_training_flop(c: Context) -> float | None:
    """Absent when training compute is unknown: the modifications alone are not the total."""
    compute = c["compute"]
    training = _number(compute.get("training_flop"))
    if training is None:
        return None
    return training + sum(float(compute.get(key) or 0) for key in ("finetune_flop", "post_training_flop"))


@fact(
    "planned_training_flop",
    M,
    "double",
    "Training compute the provider plans or expects for the run, FLOP (EU AI Act Art. 52(1): "
    "notify when the threshold is met or it becomes known that it will be met).",
)
def _planned_training_flop(c: Context) -> float | None:
    return _number(c["compute"].get("planned_training_flop"))


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


def _listed(value: Any) -> set[str]:
    """A comma-separated list (as Epoch writes domains and tasks), lower-cased."""
    return {part.strip().lower() for part in str(value or "").split(",") if part.strip()}


@fact(
    "generative",
    M,
    "bool",
    "True when the model generates language (text, code, or speech as language), images from text or "
    "video from text, the modalities of the Commission's indicative criterion for general-purpose "
    "models; false for narrow tasks such as speech recognition; from its tasks, else its domain.",
)
def _generative(c: Context) -> bool | None:
    tasks = _listed(c["model"].get("task"))
    if tasks:
        return bool(tasks & GENERATIVE_TASKS)
    domain = c["model"].get("domain")
    if not domain:
        return None
    return is_language(str(domain)) or None  # a language domain, without tasks, generates language


@fact("provider_revenue_usd", M, "double", "The provider's declared annual revenue, when declared in USD.")
def _revenue(c: Context) -> float | None:
    revenue = (c.get("provider") or {}).get("annual_revenue") or {}
    return _number(revenue.get("amount")) if revenue.get("currency") == "USD" else None


@fact("provider_country", M, "string", "ISO code of the provider's country.")
def _provider_country(c: Context) -> str | None:
    return (c.get("provider") or {}).get("country")


@fact(
    "provider_in_union",
    M,
    "bool",
    "True when the provider's country is an EU Member State (EU AI Act Art. 54: providers established "
    "in third countries appoint an authorised representative).",
)
def _provider_in_union(c: Context) -> bool | None:
    country = _provider_country(c)
    return None if country is None else country.upper() in EU_MEMBERS


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


@fact(
    "annex_iii_uses",
    D,
    "list<string>",
    "The points of Annex III of the EU AI Act the deployment's intended use falls under, e.g. 5(b); "
    "empty when it declared none; absent when it did not say.",
)
def _annex_iii_uses(c: Context) -> list[str] | None:
    uses = c["deployment"].get("annex_iii_uses")
    return None if uses is None else [str(use) for use in uses]


@fact(
    "annex_iii",
    D,
    "bool",
    "True when the intended use falls under a point of Annex III of the EU AI Act (high-risk by "
    "Art. 6(2)); absent when the deployment did not declare its uses. Annex III lists uses, not sectors.",
)
def _annex_iii(c: Context) -> bool | None:
    uses = _annex_iii_uses(c)
    return None if uses is None else bool(uses)


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


@fact(
    "revenue_usd",
    ORG,
    "double",
    "The organisation's declared annual gross revenue, when declared in USD (with its affiliates, "
    "as SB 53 § 22757.11(j) and the RAISE Act count it, when so declared).",
)
def _organisation_revenue(c: Context) -> float | None:
    revenue = c["organisation"].get("annual_revenue") or {}
    return _number(revenue.get("amount")) if revenue.get("currency") == "USD" else None


@fact(
    "largest_cumulative_training_flop",
    ORG,
    "double",
    "The largest cumulative training compute (training, fine-tuning and post-training) among the "
    "organisation's models with a compute figure, FLOP: whether it develops a frontier model.",
)
def _largest_cumulative(c: Context) -> float | None:
    figures = [_cumulative_training_flop({"compute": compute}) for compute in c["model_computes"]]
    known = [figure for figure in figures if figure is not None]
    return max(known) if known else None


def _assessed_share(c: Context, column: str) -> float | None:
    """A share from the latest dependency assessment: 0.0 when it does not list the organisation
    (nothing depends on it alone), absent when no assessment was ever filed."""
    market = c["market"]
    if not market["assessed"]:
        return None
    shares = market["shares"]
    return 0.0 if shares is None else float(shares[column])


@fact(
    "dependency_assessed",
    ORG,
    "bool",
    "True when a supervisor has filed any assessment of the dependency network "
    "(markets.dependencies_assessed); always known, so a rule can guard the market facts with it.",
)
def _dependency_assessed(c: Context) -> bool:
    return bool(c["market"]["assessed"])


@fact(
    "sole_provider_exposure_share",
    ORG,
    "double",
    "The share (0-1) of the network's economic exposure that would lose service with no fallback if "
    "the organisation failed alone, from the latest dependency assessment; 0 when the assessment "
    "does not list it; absent when none was ever filed.",
)
def _sole_provider_exposure_share(c: Context) -> float | None:
    return _assessed_share(c, "exposure_share")


@fact(
    "sole_provider_deployment_share",
    ORG,
    "double",
    "The share (0-1) of the network's deployments that would lose service with no fallback if the "
    "organisation failed alone, from the latest dependency assessment; 0 when the assessment does "
    "not list it; absent when none was ever filed.",
)
def _sole_provider_deployment_share(c: Context) -> float | None:
    return _assessed_share(c, "deployment_share")


@fact(
    "linchpin",
    ORG,
    "bool",
    "True when the latest dependency assessment names the organisation a linchpin (above the "
    "threshold it states); false when it does not list it; absent when none was ever filed.",
)
def _linchpin(c: Context) -> bool | None:
    market = c["market"]
    if not market["assessed"]:
        return None
    return market["shares"] is not None and bool(market["shares"]["linchpin"])


@fact(
    "merger_remedies",
    ORG,
    "list<string>",
    "The kinds of remedy (interoperability, fallback, escrow) imposed on the organisation after a "
    "merger review (markets.remedy_imposed); empty when none.",
)
def _merger_remedies(c: Context) -> list[str]:
    return list(c["market"]["remedies"])


@fact(
    "buffer_shortfall",
    ORG,
    "double",
    "How far, in the latest stress run's currency, what the organisation held when the run was filed "
    "(its latest valid capital declaration and the insurance counted above it) fell short of the run's "
    "capital requirement for its deployments; 0 when it held enough, when the run holds none of its "
    "deployments, or when no run was filed (always known).",
)
def _buffer_shortfall(c: Context) -> float:
    return float(c["buffer_shortfall"])
