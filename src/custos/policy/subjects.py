"""Reading subjects' facts from the registry views: the adapter between the store and the
pure evaluator. Works on one subject or on the whole registry in a few queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, func, select

from custos.policy.compute_estimate import estimate
from custos.policy.facts import COMPUTE_FACTS, SubjectKind, derivations, derive_with
from custos.store.tables import deployments, models, organisations, passports

CHUNK = 900  # under SQLite's limit on bound parameters


@dataclass(frozen=True, slots=True)
class Subject:
    id: str
    kind: SubjectKind
    owner: str
    facts: dict[str, dict[str, Any]]
    """Facts under each compute figure ("central", "upper_bound")."""
    dates: dict[str, str | None]
    """Dates deadlines may start from (release_date, start_date)."""


def _resolved(compute: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The compute declaration under each figure, estimating one when none is declared."""
    compute = dict(compute)
    if compute.get("training_flop") is None:
        found = estimate(compute)
        if found is not None:
            compute.update(
                training_flop=found.central,
                training_flop_lower=found.lower,
                training_flop_upper=found.upper,
                estimated=True,
                estimation_method=found.method,
                confidence="speculative",
            )
    if compute.get("training_flop_upper") is None:
        return {"central": compute, "upper_bound": compute}
    return {"central": compute, "upper_bound": {**compute, "training_flop": compute["training_flop_upper"]}}


def _in_chunks(conn: Connection, statement_for: Any, ids: Sequence[str] | None) -> list[Any]:
    if ids is None:
        return list(conn.execute(statement_for(None)).all())
    rows: list[Any] = []
    for start in range(0, len(ids), CHUNK):
        rows += conn.execute(statement_for(list(ids[start : start + CHUNK]))).all()
    return rows


def _current_compute(conn: Connection, model_ids: Sequence[str] | None) -> dict[str, dict[str, Any]]:
    def statement(ids: list[str] | None) -> Any:
        query = select(passports.c.model_id, passports.c.content).where(passports.c.current)
        return query if ids is None else query.where(passports.c.model_id.in_(ids))

    return {
        model_id: orjson.loads(content).get("compute") or {}
        for model_id, content in _in_chunks(conn, statement, model_ids)
    }


def _organisations(conn: Connection, ids: set[str]) -> dict[str, dict[str, Any]]:
    found = {}
    id_list = sorted(ids)
    for start in range(0, len(id_list), CHUNK):
        rows = conn.execute(
            select(organisations.c.id, organisations.c.content).where(
                organisations.c.id.in_(id_list[start : start + CHUNK])
            )
        )
        found.update({org_id: orjson.loads(content) for org_id, content in rows})
    return found


def model_subjects(
    conn: Connection, model_ids: Sequence[str] | None = None, facts: set[str] | None = None
) -> list[Subject]:
    """Models (all when ``model_ids`` is None) with their facts (only ``facts`` when given)."""
    plan = derivations(SubjectKind.MODEL, facts)
    compute_plan = [(name, derive) for name, derive in plan if name in COMPUTE_FACTS]

    def statement(ids: list[str] | None) -> Any:
        query = select(models.c.id, models.c.provider_id, models.c.content)
        return query if ids is None else query.where(models.c.id.in_(ids))

    rows = _in_chunks(conn, statement, model_ids)
    computes = _current_compute(conn, model_ids)
    providers = _organisations(conn, {provider for _, provider, _ in rows})

    def counts(ids: list[str] | None) -> Any:
        query = select(deployments.c.model_id, func.count()).group_by(deployments.c.model_id)
        return query if ids is None else query.where(deployments.c.model_id.in_(ids))

    deployment_counts = dict(_in_chunks(conn, counts, model_ids))
    subjects = []
    for model_id, provider, content in rows:
        model = orjson.loads(content)
        figures = _resolved(computes.get(model_id, {}))
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
                model_id, SubjectKind.MODEL, provider, derived, {"release_date": model.get("release_date")}
            )
        )
    return subjects


def deployment_subjects(
    conn: Connection, deployment_ids: Sequence[str] | None = None, facts: set[str] | None = None
) -> list[Subject]:
    """Deployments (all when ``deployment_ids`` is None) with their facts."""
    plan = derivations(SubjectKind.DEPLOYMENT, facts)

    def statement(ids: list[str] | None) -> Any:
        query = select(
            deployments.c.id, deployments.c.deployer_id, deployments.c.model_id, deployments.c.content
        )
        return query if ids is None else query.where(deployments.c.id.in_(ids))

    rows = _in_chunks(conn, statement, deployment_ids)
    model_ids = sorted({model_id for _, _, model_id, _ in rows})
    computes = _current_compute(conn, model_ids if deployment_ids is not None else None)
    resolved: dict[str, dict[str, Any]] = {}
    subjects = []
    for deployment_id, deployer, model_id, content in rows:
        deployment = orjson.loads(content)
        if model_id not in resolved:
            resolved[model_id] = _resolved(computes.get(model_id, {}))["central"]
        derived = derive_with(plan, {"deployment": deployment, "model_compute": resolved[model_id]})
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


def deployments_of(conn: Connection, model_ids: Sequence[str]) -> list[str]:
    found: list[str] = []
    for start in range(0, len(model_ids), CHUNK):
        found += (
            conn.execute(
                select(deployments.c.id).where(
                    deployments.c.model_id.in_(list(model_ids[start : start + CHUNK]))
                )
            )
            .scalars()
            .all()
        )
    return found


def models_of(conn: Connection, provider_ids: Sequence[str]) -> list[str]:
    return list(
        conn.execute(select(models.c.id).where(models.c.provider_id.in_(list(provider_ids)))).scalars()
    )
