"""Event-driven evaluation: after every batch of filings, re-evaluate the subjects whose facts
the batch changed, in the same transaction, and discharge what the batch discharges."""

from __future__ import annotations

from collections.abc import Sequence

from custos.filings import Filing
from custos.policy.evaluate import Evaluator
from custos.policy.model import POLICY_KINDS
from custos.policy.reconcile import reconcile
from custos.policy.service import active_packs, discharge_pass, subjects_of
from custos.policy.subjects import deployments_of, models_of
from custos.store import UnitOfWork, after_filing
from custos.store import policy_views as pv


def _affected(uow: UnitOfWork, batch: Sequence[Filing]) -> dict[str, Filing]:
    """Each subject whose facts the batch may change, with the filing that changed it."""
    affected: dict[str, Filing] = {}
    models: dict[str, Filing] = {}
    for filing in batch:
        if filing.kind in ("model.registered", "passport.filed"):
            models[filing.subject] = filing
        elif filing.kind == "deployment.registered":
            affected[filing.subject] = filing
            models.setdefault(filing.content["model_id"], filing)  # its deployment count changes
        elif filing.kind == "organisation.registered":
            for model_id in models_of(uow.conn, [filing.subject]):
                models.setdefault(model_id, filing)
    affected.update(models)
    passports = {f.subject: f for f in batch if f.kind == "passport.filed"}
    if passports:  # a deployment reads its model's compute
        for deployment_id in deployments_of(uow.conn, sorted(passports)):
            affected.setdefault(deployment_id, next(iter(passports.values())))
    return affected


@after_filing
def re_evaluate(uow: UnitOfWork, batch: Sequence[Filing]) -> None:
    relevant = [f for f in batch if f.kind not in POLICY_KINDS]
    if not relevant:
        return
    packs = active_packs(uow.conn)
    if not packs:
        return
    triggers = _affected(uow, relevant)
    if triggers:
        evaluator = Evaluator(packs)
        subjects = subjects_of(uow.conn, sorted(triggers), evaluator.reads())
        existing = pv.obligations_of(uow.conn, [s.id for s in subjects])
        clock = _clock(relevant)
        uow.file(*reconcile(packs, subjects, existing, clock=clock, triggers=triggers, evaluator=evaluator))
    discharge_pass(uow, sorted({f.subject for f in relevant} | set(triggers)), _clock(relevant))


class _FilingClock:
    """The time of the batch: derived filings carry the time of the filing that caused them."""

    def __init__(self, batch: Sequence[Filing]) -> None:
        self._now = max(f.filed_at for f in batch)

    def now(self):  # type: ignore[no-untyped-def]
        return self._now


def _clock(batch: Sequence[Filing]) -> _FilingClock:
    return _FilingClock(batch)
