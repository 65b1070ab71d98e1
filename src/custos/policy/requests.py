"""What callers ask the policy service beyond ids and reasons: the facts to suppose in a what-if.

Pydantic only, so the API takes it as its body, the command line validates what it read into it
(``custos.filings.parse``), and the service is handed facts already of the types rules compare.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

#: A fact's value as a rule reads it: a number, a flag, a text or a list of texts.
FactValue = float | bool | str | list[str]


class WhatIf(BaseModel):
    """Facts of a model or deployment to suppose, by name."""

    model_config = ConfigDict(extra="forbid")
    subject: str
    facts: dict[str, FactValue] = Field(min_length=1)
