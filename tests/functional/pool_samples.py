"""A liability pool's world for tests: stress runs filed as the risk service files them (a
completion and each deployment's part, with contributions chosen to be summed by hand), an
incident to claim for, and the baseline pack that sets the late-interest rate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from custos.access.filer import file_as
from custos.access.model import Principal
from custos.oversight.incidents import IncidentService
from custos.oversight.model import IncidentReported
from custos.policy.pack import BUILTIN
from custos.policy.service import PolicyService
from custos.risk.filings import (
    STRESS_TEST_COMPLETED,
    STRESS_TEST_PARTICIPATED,
    StressTestCompleted,
    StressTestParticipated,
)
from custos.store import Store


def baseline(store: Store, by: Principal) -> None:
    """The built-in baseline pack, which sets ``pool_late_interest_rate`` (5% a year)."""
    text = (BUILTIN / "custos-baseline.yaml").read_text(encoding="utf-8")
    PolicyService(store).load(text, origin="custos-baseline.yaml", by=by)


def stress_run(
    store: Store,
    by: Principal,
    parts: Mapping[str, Sequence[float]],
    *,
    run_id: str = "run-1",
    currency: str = "EUR",
) -> str:
    """A finished run in which each firm's deployments were asked these pool contributions;
    returns the completion's filing id."""
    completed = StressTestCompleted(
        run_id=run_id,
        scenario="test",
        scenario_digest="sha256:" + "0" * 64,
        network_digest="sha256:" + "1" * 64,
        network={
            "name": "test",
            "currency": currency,
            "deployments": sum(len(amounts) for amounts in parts.values()),
        },
        results_digest="sha256:" + "2" * 64,
        seed=1,
        draws=1000,
        engine="test",
        contagion_model="none",
        headline={},
    )
    with store.transaction() as uow:
        run = file_as(
            by,
            STRESS_TEST_COMPLETED,
            completed,
            owner="operator",
            subject=run_id,
            clock=store.clock,
            fallback_jurisdiction="EU",
        )
        filings = [
            file_as(
                by,
                STRESS_TEST_PARTICIPATED,
                StressTestParticipated(
                    run_id=run_id,
                    run_filing_id=run.id,
                    currency=currency,
                    expected_loss=0.0,
                    capital=0.0,
                    premium=0.0,
                    pool_contribution=amount,
                ),
                owner=firm,
                subject=f"{firm}-deployment-{number}",
                clock=store.clock,
                fallback_jurisdiction="EU",
            )
            for firm, amounts in parts.items()
            for number, amount in enumerate(amounts)
        ]
        uow.file(run, *filings)
    return run.id


def incident(store: Store, by: Principal, model_id: str) -> str:
    """A minor incident about ``model_id``, reported by ``by``."""
    report = IncidentReported.model_validate(
        {"model_id": model_id, "severity": "minor", "summary": "harm", "occurred_at": "2026-10-01T00:00:00Z"}
    )
    return IncidentService(store).report(report, by=by).id
