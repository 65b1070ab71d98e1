"""Subjects' facts from the registry's rows: the adapter between the store's queries
(``store.subject_views``) and the pure evaluator. Works on one subject or on the whole registry."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from custos.policy.compute_estimate import estimate
from custos.policy.facts import COMPUTE_FACTS, SubjectKind, derivations, derive_with
from custos.store import Connection
from custos.store import buffers_views as bv
from custos.store import markets_views as mv
from custos.store import subject_views as sv


@dataclass(frozen=True, slots=True)
class Subject:
    id: str
    kind: SubjectKind
    owner: str
    facts: dict[str, dict[str, Any]]
    """Facts under each compute figure ("central", "upper_bound")."""
    dates: dict[str, str | None]
    """Dates deadlines may start from (release_date, start_date)."""


def _resolved(compute: dict[str, Any], domain: str | None = None) -> dict[str, dict[str, Any]]:
    """The compute declaration under each figure, estimating a central figure when none is
    declared. Declared bounds stand: an estimate fills only the bounds the passport leaves out,
    and its central figure is held within the declared ones."""
    compute = dict(compute)
    if compute.get("training_flop") is None:
        found = estimate(compute, domain)
        if found is not None:
            declared_lower, declared_upper = (
                compute.get("training_flop_lower"),
                compute.get("training_flop_upper"),
            )
            lower = declared_lower or min(found.lower, declared_upper or found.lower)
            upper = declared_upper or max(found.upper, lower)
            compute.update(
                training_flop=min(max(found.central, lower), upper),
                training_flop_lower=lower,
                training_flop_upper=upper,
                estimated=True,
                estimation_method=found.method,
                confidence="speculative",
            )
    if compute.get("training_flop_upper") is None:
        return {"central": compute, "upper_bound": compute}
    return {"central": compute, "upper_bound": {**compute, "training_flop": compute["training_flop_upper"]}}


class Computes:
    """Each model's resolved compute figures, read from its current passport once and shared by
    the model's subject and its deployments' (a bulk evaluation would otherwise parse every
    passport twice)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._figures: dict[str, dict[str, dict[str, Any]]] = {}
        self._all = False

    def load(self, model_ids: Sequence[str] | None, domains: Mapping[str, str | None] | None = None) -> None:
        """Read the figures of ``model_ids`` (every model when None) not read yet. An estimate
        needs the model's domain: from ``domains`` when the caller read the models already, else
        read for the models whose passport declares no figure (only they are estimated)."""
        if self._all:
            return
        wanted = None if model_ids is None else [m for m in model_ids if m not in self._figures]
        if wanted == []:
            return
        declared = {
            model_id: orjson.loads(content).get("compute") or {}
            for model_id, content in sv.current_passports(self.conn, wanted)
        }
        undeclared = sorted(m for m, compute in declared.items() if compute.get("training_flop") is None)
        if domains is None and undeclared:
            rows = sv.model_rows(self.conn, undeclared if wanted is not None else None)
            domains = {model_id: orjson.loads(content).get("domain") for model_id, _, content in rows}
        for model_id, compute in declared.items():
            self._figures[model_id] = _resolved(compute, (domains or {}).get(model_id))
        self._all = model_ids is None

    def of(self, model_id: str) -> dict[str, dict[str, Any]]:
        """The model's figures under "central" and "upper_bound" (empty when it has no passport)."""
        figures = self._figures.get(model_id)
        if figures is None:
            figures = self._figures[model_id] = _resolved({})
        return figures


def model_subjects(
    conn: Connection,
    model_ids: Sequence[str] | None = None,
    facts: set[str] | None = None,
    computes: Computes | None = None,
) -> list[Subject]:
    """Models (all when ``model_ids`` is None) with their facts (only ``facts`` when given)."""
    plan = derivations(SubjectKind.MODEL, facts)
    compute_plan = [(name, derive) for name, derive in plan if name in COMPUTE_FACTS]
    rows = sv.model_rows(conn, model_ids)
    contents = {model_id: orjson.loads(content) for model_id, _, content in rows}
    computes = computes or Computes(conn)
    computes.load(model_ids, {model_id: model.get("domain") for model_id, model in contents.items()})
    providers = sv.organisation_contents(conn, {provider for _, provider, _ in rows})
    deployment_counts = sv.deployment_counts(conn, model_ids)
    subjects = []
    for model_id, provider, _ in rows:
        model = contents[model_id]
        figures = computes.of(model_id)
        context = {
            "model": model,
            "compute": figures["central"],
            "provider": providers.get(provider, {}),
            "deployments": deployment_counts.get(model_id, 0),
        }
        central = derive_with(plan, context)
        upper = central
        if figures["upper_bound"] is not figures["central"]:
            upper = {**central, **derive_with(compute_plan, {**context, "compute": figures["upper_bound"]})}
        derived = {"central": central, "upper_bound": upper}
        subjects.append(
            Subject(
                model_id,
                SubjectKind.MODEL,
                provider,
                derived,
                {
                    "release_date": model.get("release_date"),
                    "planned_known_on": figures["central"].get("planned_training_flop_known_on"),
                },
            )
        )
    return subjects


def deployment_subjects(
    conn: Connection,
    deployment_ids: Sequence[str] | None = None,
    facts: set[str] | None = None,
    computes: Computes | None = None,
) -> list[Subject]:
    """Deployments (all when ``deployment_ids`` is None) with their facts."""
    plan = derivations(SubjectKind.DEPLOYMENT, facts)
    rows = sv.deployment_rows(conn, deployment_ids)
    model_ids = sorted({model_id for _, _, model_id, _ in rows})
    computes = computes or Computes(conn)
    computes.load(model_ids if deployment_ids is not None else None)
    subjects = []
    for deployment_id, deployer, model_id, content in rows:
        deployment = orjson.loads(content)
        model_compute = computes.of(model_id)["central"]
        derived = derive_with(plan, {"deployment": deployment, "model_compute": model_compute})
        subjects.append(
            Subject(
                deployment_id,
                SubjectKind.DEPLOYMENT,
                deployer,
                {"central": derived, "upper_bound": derived},
                {"start_date": deployment.get("start_date")},
            )
        )
    return subjects


def organisation_subjects(
    conn: Connection,
    organisation_ids: Sequence[str] | None = None,
    facts: set[str] | None = None,
    computes: Computes | None = None,
) -> list[Subject]:
    """Organisations (all when ``organisation_ids`` is None) with their facts, which read the
    compute figures of the models they provide and the market's record of them: the latest
    dependency assessment and the merger remedies imposed, and their buffers' shortfall at the
    latest stress run, read once for all of them."""
    plan = derivations(SubjectKind.ORGANISATION, facts)
    if not plan:  # no pack reads an organisation's facts: no organisation is a subject
        return []
    rows = sv.organisation_rows(conn, organisation_ids)
    provided: dict[str, list[str]] = {}
    for model_id, provider in sv.models_by_provider(conn, organisation_ids):
        provided.setdefault(provider, []).append(model_id)
    computes = computes or Computes(conn)
    computes.load(
        sorted({m for ids in provided.values() for m in ids}) if organisation_ids is not None else None
    )
    assessed = mv.latest_assessment_id(conn) is not None
    shares = mv.dependency_shares(conn, organisation_ids) if assessed else {}
    remedies = mv.remedies_imposed(conn, organisation_ids)
    # Read only when a pack asks: it reads the latest stress run's participations.
    asked = any(name == "buffer_shortfall" for name, _ in plan)
    short = bv.shortfalls_at_latest_run(conn, organisation_ids) if asked else {}
    subjects = []
    for organisation_id, content in rows:
        figures = [computes.of(model_id) for model_id in provided.get(organisation_id, ())]
        market = {
            "assessed": assessed,
            "shares": shares.get(organisation_id),
            "remedies": remedies.get(organisation_id, []),
        }
        derived = {
            figure: derive_with(
                plan,
                {
                    "organisation": orjson.loads(content),
                    "model_computes": [f[figure] for f in figures],
                    "market": market,
                    "buffer_shortfall": short.get(organisation_id, 0.0),
                },
            )
            for figure in ("central", "upper_bound")
        }
        subjects.append(Subject(organisation_id, SubjectKind.ORGANISATION, organisation_id, derived, {}))
    return subjects
