"""What a caller asks the labour service for, from the API, the command line or the client."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from custos.labor.occupations import DEFAULT_MEASURE, Measure

#: Draws a run may ask for: a run is computed while its caller waits (10,000 take a fraction of
#: a second), so the bound keeps one request from holding a worker for long.
MOST_DRAWS = 100_000
DEFAULT_DRAWS = 10_000
#: The longest scenario or programme text accepted, in characters.
MOST_YAML = 200_000
#: Largest change a what-if may make to one sector's deployments.
MOST_WHAT_IF = 1_000_000


class LabourRunRequest(BaseModel):
    """A labour run: a scenario and a programme design, each a shipped name or YAML text."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    scenario: str | None = Field(None, min_length=1, max_length=200, description="A shipped scenario's name")
    scenario_yaml: str | None = Field(
        None, min_length=1, max_length=MOST_YAML, description="A scenario as YAML"
    )
    programmes: str | None = Field(
        None, min_length=1, max_length=200, description="A shipped programme design's name"
    )
    programmes_yaml: str | None = Field(
        None, min_length=1, max_length=MOST_YAML, description="A programme design as YAML"
    )
    measure: Measure = DEFAULT_MEASURE
    draws: int = Field(DEFAULT_DRAWS, ge=1, le=MOST_DRAWS)
    seed: int = Field(0, ge=0, le=2**63 - 1)
    registry: bool = Field(
        True,
        description="Drive adoption by the registry's deployments per sector, when the scenario links to it",
    )
    what_if: dict[str, int] = Field(
        default_factory=dict,
        max_length=64,
        description="Registry sector -> deployments added (negative: removed, down to none)",
    )

    @model_validator(mode="after")
    def _one_of_each(self) -> LabourRunRequest:
        """A run names exactly one scenario and one design, so its filing says which it used."""
        for name, text, field in (
            (self.scenario, self.scenario_yaml, "scenario"),
            (self.programmes, self.programmes_yaml, "programmes"),
        ):
            if (name is None) == (text is None):
                raise ValueError(f"give exactly one of {field} (a shipped name) and {field}_yaml (YAML text)")
        if any(abs(count) > MOST_WHAT_IF for count in self.what_if.values()):
            raise ValueError(f"what_if changes a sector by at most {MOST_WHAT_IF:,} deployments")
        return self


#: The name the service boundary gives it; the class is named for the API's schema, where the
#: stress tests' request already holds ``RunRequest``.
RunRequest = LabourRunRequest
