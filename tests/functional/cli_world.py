"""An installation driven through ``custos`` as a person types it, for one domain's command-line
tests: a command's output and its JSON, a refusal (exit code 2, one line, nothing filed), and the
``--url``/``--token`` options that act as a new actor through the API at ``url``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from custos.cli.app import app
from tests.functional.test_peers_cli import opened


@dataclass
class CommandWorld:
    home: Path
    url: str
    ids: dict[str, str] = field(default_factory=dict)

    def run(self, *args: str, code: int = 0) -> str:
        result = CliRunner().invoke(app, ["--home", str(self.home), *args])
        assert result.exit_code == code, result.output
        assert "Traceback" not in result.output
        return result.output

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--json"))

    def refused(self, *args: str) -> str:
        """Exit code 2 with one line, and nothing filed."""
        before = self.log_size()
        shown = self.run(*args, code=2).strip()
        assert len(shown.splitlines()) == 1, shown
        assert self.log_size() == before
        return shown

    def token(self, role: str, organisation: str) -> list[str]:
        """``--url`` and ``--token`` options acting as a new actor of ``organisation``."""
        actor = self.json("actors", "add", f"{role} of {organisation}", "--role", role, "--org", organisation)
        return ["--url", self.url, "--token", self.json("actors", "token", actor["id"])["token"]]

    def log_size(self) -> int:
        with opened(self.home) as store:
            return store.tiles.stored_size()
