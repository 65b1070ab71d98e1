"""What starting a stress-test run asks for: the scenario's text, and the network to run it on.

The API takes it as its body and the command line builds it from a file; the service validates
the scenario against the network before anything is written. It sits in the risk package rather
than the API so that the service can take it (the API is the layer above).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    scenario: str = Field(min_length=1, max_length=1_000_000, description="The scenario, as YAML text")
    network: str | None = Field(
        None,
        description="A network from GET /v1/risk/networks; by default the one the scenario names "
        "(by name), else registry",
    )
