"""The stress tests' filing kinds: a run's record, and each registered deployment's part in it.

Kept apart from the engine and the service so that composing an installation (which declares
every kind) costs no import of numpy or the engine.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from custos.filings import PUBLIC_FIELD, SUPERVISORS_FIELD, FilingKind


class StressTestCompleted(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: str = Field(json_schema_extra=PUBLIC_FIELD)
    scenario: str = Field(json_schema_extra=PUBLIC_FIELD)
    scenario_digest: str = Field(json_schema_extra=PUBLIC_FIELD)
    network_digest: str = Field(json_schema_extra=PUBLIC_FIELD)
    network: dict[str, JsonValue] = Field(json_schema_extra=PUBLIC_FIELD)
    results_digest: str = Field(json_schema_extra=PUBLIC_FIELD)
    seed: int = Field(json_schema_extra=PUBLIC_FIELD)
    draws: int = Field(json_schema_extra=PUBLIC_FIELD)
    engine: str = Field(json_schema_extra=PUBLIC_FIELD)
    contagion_model: str = Field(json_schema_extra=PUBLIC_FIELD)
    headline: dict[str, JsonValue] = Field(json_schema_extra=SUPERVISORS_FIELD)


class StressTestParticipated(BaseModel):
    """A registered deployment's part in a run: what it must hold (seen by its owner and supervisors)."""

    model_config = ConfigDict(extra="forbid")

    run_id: str = Field(json_schema_extra=PUBLIC_FIELD)
    run_filing_id: str = Field(json_schema_extra=PUBLIC_FIELD)
    currency: str = Field(json_schema_extra=PUBLIC_FIELD)
    expected_loss: float
    capital: float
    premium: float
    pool_contribution: float
    # Absent from runs filed before losses were layered (custos-risk/3 and earlier).
    insurance_requirement: float | None = None
    pool_requirement: float | None = None


STRESS_TEST_COMPLETED = FilingKind(
    "stress_test.completed", StressTestCompleted, "A systemic stress test ran: its inputs and figures."
)
STRESS_TEST_PARTICIPATED = FilingKind(
    "stress_test.participated",
    StressTestParticipated,
    "A registered deployment took part in a stress test: what it must hold, layer by layer.",
)
