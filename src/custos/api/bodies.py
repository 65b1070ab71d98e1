"""Request bodies several routers share."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Reasoned(BaseModel):
    """A body that only gives the reason for a step (a waiver, an ending, a closing): the reason
    goes on the record with the filing, so it may not be empty."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1)
