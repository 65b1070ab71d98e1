"""Scenarios as YAML documents: parsed with the line of every entry, so errors name their line.

The engine's :class:`~custos.risk.engine.scenario.Scenario` is a plain model; a supervisor writes
it as YAML. Reading keeps the line of each entry, so that a problem found later, when the
scenario is compiled against a network (an unknown provider, a correlation matrix that is not
positive semi-definite), can still be reported at ``scenario.yaml:12``.
"""

from __future__ import annotations

import re

from custos.core.errors import InvalidInput
from custos.core.yaml_lines import Path, line_of, load_model
from custos.risk.engine.scenario import Scenario, ScenarioError

#: One step of an entry path as errors write it: ``outages[0].provider``.
_STEP = re.compile(r"([A-Za-z_]\w*)|\[(\d+)\]")


def load_scenario(text: str, origin: str = "<scenario>") -> Scenario:
    """Parse and validate a scenario document, naming every problem and its line."""
    return load_scenario_lines(text, origin)[0]


def load_scenario_lines(text: str, origin: str = "<scenario>") -> tuple[Scenario, dict[Path, int]]:
    """The scenario and the line of each of its entries, to place later errors (unknown nodes)."""
    return load_model(text, origin, Scenario, ScenarioError, "scenario")


def located(error: InvalidInput, lines: dict[Path, int], origin: str) -> InvalidInput:
    """The error with the file and line of the entry it names (``outages[0].provider``), if any."""
    entry = error.evidence.get("entry")
    if not isinstance(entry, str):
        return error
    path: Path = tuple(int(index) if index else key for key, index in _STEP.findall(entry))
    line = line_of(lines, path)
    if line is None:
        return error
    return type(error)(f"{origin}:{line}: {error.message}", evidence={**error.evidence, "line": line})
