"""Scenarios as files: the shipped examples, and the network a scenario names.

A scenario may name the network it was written for, so that ``custos risk run FILE`` runs it as
written. A name is one of the installation's networks; a reference with a slash is a directory
beside the scenario, and must stay inside the scenario's folder, so that a scenario someone hands
over cannot reach for files elsewhere on the machine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from custos.core.errors import CustosError, InvalidInput, NotFound
from custos.risk.adapters.scenario_yaml import load_scenario, load_scenario_lines, located
from custos.risk.engine.scenario import ScenarioError

#: The shipped examples sit at the top of ``custos.risk`` (package data), not beside this module.
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCENARIOS = EXAMPLES / "scenarios"


@dataclass(frozen=True)
class Example:
    """A scenario file to start from."""

    name: str
    """The file's stem: what ``custos risk run NAME`` takes."""
    title: str
    description: str
    network: str | None
    """The network the scenario names, as written; None for the registry's."""
    path: Path
    text: str

    def summary(self) -> dict[str, str | None]:
        return {
            "name": self.name,
            "network": self.network,
            "title": self.title,
            "description": self.description,
            "path": str(self.path),
        }


def read_examples(folder: Path) -> list[Example]:
    """The scenarios in a folder, by file name; one that does not load is left out, so a broken
    file cannot hide the others."""
    found = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            text = path.read_text(encoding="utf-8")
            scenario = load_scenario(text, path.name)
        except (CustosError, OSError, UnicodeDecodeError):
            continue
        found.append(
            Example(
                path.stem, scenario.name, " ".join(scenario.description.split()), scenario.network, path, text
            )
        )
    return found


def shipped_examples() -> list[Example]:
    return read_examples(SCENARIOS)


def scenario_file(argument: str) -> Path:
    """The scenario file ``argument`` names: a path, or the name of a shipped example."""
    path = Path(argument)
    if path.is_file():
        return path
    for example in shipped_examples():
        if example.name == argument:
            return example.path
    raise InvalidInput(
        f"no scenario file {argument!r} and no shipped example of that name",
        evidence={"examples": [example.name for example in shipped_examples()]},
    )


def _inside(reference: str, folder: Path) -> Path:
    """The directory a relative reference names, refused unless it lies inside ``folder``."""
    if Path(reference).is_absolute():
        raise InvalidInput(f"{reference!r} is absolute: name a directory relative to the scenario's file")
    base = folder.resolve()
    directory = (base / reference).resolve()
    if not directory.is_relative_to(base):
        raise InvalidInput(f"{reference!r} leads outside the scenario's folder {base}")
    return directory


def scenario_network(
    text: str, origin: str, folder: Path | None, named: Callable[[str], Path | None]
) -> Path | None:
    """The network directory a scenario names (None for the registry's, or when it names none).

    ``folder`` is where the scenario's file is; a scenario that comes as text (``None``) may name
    networks only by name. ``named`` looks a name up. An error names the scenario's line.
    """
    scenario, lines = load_scenario_lines(text, origin)
    reference = scenario.network
    if reference is None:
        return None
    try:
        if "/" not in reference:
            return named(reference)
        if folder is None:
            raise InvalidInput("a scenario sent as text names its network by name, not by path")
        return _inside(reference, folder)
    except (InvalidInput, NotFound) as error:
        evidence = {**error.evidence, "entry": "network", "value": reference}
        raise located(ScenarioError(f"network: {error.message}", evidence=evidence), lines, origin) from error
