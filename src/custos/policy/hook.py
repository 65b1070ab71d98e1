"""Event-driven evaluation: after every batch of filings, re-evaluate the subjects whose facts
the batch changed, in the same transaction, and discharge what the batch discharges."""

from __future__ import annotations

from collections.abc import Sequence

from custos.filings import Filing
from custos.policy.engine import PolicyEngine, active_packs
from custos.policy.model import POLICY_KINDS
from custos.store import UnitOfWork
from custos.store import subject_views as sv


def _affected(uow: UnitOfWork, batch: Sequence[Filing]) -> dict[str, Filing]:
    """Each subject whose facts the batch may change, with the filing that changed it: the
    organisation itself and its models when it registers; a model when it or its passport is
    filed, and its provider when the passport changes the model's compute; a deployment and its
    model (whose count of deployments changes); a model's deployments when its passport is filed
    (they read its compute); every provider a dependency assessment lists, and the organisation a
    merger remedy is imposed on; a stress run's deployers (their buffer requirement), and a firm
    declaring capital or insured, with the deployments the filing covers (whose duties it answers).

    An assessment replaces the previous one's shares before this runs, so the providers it no
    longer lists cannot be read back; it lists every provider of the dependency network, those
    nothing depends on alone included (with zero shares), and the network only grows (models and
    deployments are never withdrawn), so its own list holds every organisation whose market facts
    it changes."""
    affected: dict[str, Filing] = {}
    models: dict[str, Filing] = {}
    providers: dict[str, Filing] = {}
    for filing in batch:
        if filing.kind in ("model.registered", "passport.filed"):
            models[filing.subject] = filing
            if filing.kind == "passport.filed" and _compute_changed(uow, filing):
                providers.setdefault(filing.organisation, filing)
        elif filing.kind == "deployment.registered":
            affected[filing.subject] = filing
            models.setdefault(filing.content["model_id"], filing)  # its deployment count changes
        elif filing.kind == "markets.dependencies_assessed":
            for provider in filing.content["providers"]:
                providers.setdefault(provider["organisation_id"], filing)
        elif filing.kind == "markets.remedy_imposed":
            providers.setdefault(filing.subject, filing)
        elif filing.kind == "stress_test.participated":  # the deployer's capital requirement changes
            providers.setdefault(filing.organisation, filing)
        elif filing.kind in ("buffer.declared", "insurance.bound"):  # answers the firm's deployments too
            providers.setdefault(filing.subject, filing)
            for deployment_id in filing.content.get("deployment_ids", ()):
                affected.setdefault(deployment_id, filing)
        elif filing.kind == "organisation.registered":
            providers[filing.subject] = filing
            for model_id in sv.models_of(uow.conn, [filing.subject]):
                models.setdefault(model_id, filing)
    affected.update(models)
    for organisation_id, filing in providers.items():
        affected.setdefault(organisation_id, filing)
    passports = {f.subject: f for f in batch if f.kind == "passport.filed"}
    if passports:  # a deployment reads its model's compute
        for deployment_id in sv.deployments_of(uow.conn, sorted(passports)):
            affected.setdefault(deployment_id, next(iter(passports.values())))
    return affected


def _compute_changed(uow: UnitOfWork, filing: Filing) -> bool:
    """Whether a passport changes its model's compute from the passport it supersedes: the only
    fact of its provider a passport can change (a provider reads the compute of all its models,
    so it is re-evaluated only when it must be)."""
    if filing.supersedes is None:
        return True
    return sv.passport_compute(uow.conn, filing.supersedes) != (filing.content.get("compute") or {})


def re_evaluate(uow: UnitOfWork, batch: Sequence[Filing]) -> None:
    """Reconcile the subjects the batch changed and discharge what it discharges."""
    relevant = [f for f in batch if f.kind not in POLICY_KINDS]
    if not relevant:
        return
    packs = active_packs(uow.conn)
    if not packs:  # nothing to evaluate: read no subject (an import before any pack is loaded)
        return
    triggers = _affected(uow, relevant)
    PolicyEngine(uow, _FilingClock(relevant)).run(
        sorted(triggers),
        triggers=triggers,
        discharge=sorted({f.subject for f in relevant} | set(triggers)),
        packs=packs,
        events=relevant,
    )


class _FilingClock:
    """The time of the batch: derived filings carry the time of the filing that caused them."""

    def __init__(self, batch: Sequence[Filing]) -> None:
        self._now = max(f.filed_at for f in batch)

    def now(self):  # type: ignore[no-untyped-def]
        return self._now
