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


class Computes:
    """Each model's resolved compute figures, read from its current passport once and shared by
    the model's subject and its deployments' (a bulk evaluation would otherwise parse every
    passport twice)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._figures: dict[str, dict[str, dict[str, Any]]] = {}
        self._all = False

    def load(self, model_ids: Sequence[str] | None) -> None:
        """Read the figures of ``model_ids`` (every model when None) not read yet."""
        if self._all:
            return
        wanted = None if model_ids is None else [m for m in model_ids if m not in self._figures]
        if wanted == []:
            return

        def statement(ids: list[str] | None) -> Any:
            query = select(passports.c.model_id, passports.c.content).where(passports.c.current)
            return query if ids is None else query.where(passports.c.model_id.in_(ids))

        for model_id, content in _in_chunks(self.conn, statement, wanted):
            self._figures[model_id] = _resolved(orjson.loads(content).get("compute") or {})
        self._all = model_ids is None

    def of(self, model_id: str) -> dict[str, dict[str, Any]]:
        """The model's figures under "central" and "upper_bound" (empty when it has no passport)."""
        figures = self._figures.get(model_id)
        if figures is None:
            figures = self._figures[model_id] = _resolved({})
        return figures


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
    conn: Connection,
    model_ids: Sequence[str] | None = None,
    facts: set[str] | None = None,
    computes: Computes | None = None,
) -> list[Subject]:
    """Models (all when ``model_ids`` is None) with their facts (only ``facts`` when given)."""
    plan = derivations(SubjectKind.MODEL, facts)
    compute_plan = [(name, derive) for name, derive in plan if name in COMPUTE_FACTS]

    def statement(ids: list[str] | None) -> Any:
        query = select(models.c.id, models.c.provider_id, models.c.content)
        return query if ids is None else query.where(models.c.id.in_(ids))

    rows = _in_chunks(conn, statement, model_ids)
    computes = computes or Computes(conn)
    computes.load(model_ids)
    providers = _organisations(conn, {provider for _, provider, _ in rows})

    def counts(ids: list[str] | None) -> Any:
        query = select(deployments.c.model_id, func.count()).group_by(deployments.c.model_id)
        return query if ids is None else query.where(deployments.c.model_id.in_(ids))

    deployment_counts = dict(_in_chunks(conn, counts, model_ids))
    subjects = []
    for model_id, provider, content in rows:
        model = orjson.loads(content)
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
                model_id, SubjectKind.MODEL, provider, derived, {"release_date": model.get("release_date")}
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

    def statement(ids: list[str] | None) -> Any:
        query = select(
            deployments.c.id, deployments.c.deployer_id, deployments.c.model_id, deployments.c.content
        )
        return query if ids is None else query.where(deployments.c.id.in_(ids))

    rows = _in_chunks(conn, statement, deployment_ids)
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
