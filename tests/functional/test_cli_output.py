"""What the command line shows people: whole ids at 80 columns, readable figures, fixed value sets
that name their values, and a signed checkpoint of whatever a command filed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from custos.cli.app import app
from custos.core import units
from custos.core.settings import Settings
from custos.installation import composition
from custos.store import Store


def run(home: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, ["--home", str(home), *args])
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    run(home, "init")
    return home


def at_80_columns(home: Path, *args: str) -> str:
    """``custos ARGS`` in a terminal 80 columns wide."""
    environment = {**os.environ, "COLUMNS": "80", "CUSTOS_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-m", "custos.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
    )
    return done.stdout


def test_tables_at_80_columns_keep_ids_whole(home: Path) -> None:
    org = json.loads(run(home, "orgs", "add", "Bayerische Landesbank Girozentrale", "-j", "DE", "--json"))
    actor = json.loads(
        run(
            home,
            "actors",
            "add",
            "Chief risk officer of the group",
            "--role",
            "deployer",
            "--org",
            org["id"],
            "--json",
        )
    )
    shown = at_80_columns(home, "actors", "list")
    assert actor["id"] in shown and "…" not in shown
    assert max(len(line) for line in shown.splitlines()) <= 80


def test_models_show_completeness_as_a_percentage(home: Path, tmp_path: Path) -> None:
    card = tmp_path / "card.md"
    card.write_text("---\nlicense: apache-2.0\nmodel_name: Big model\n---\n# Big model\n", encoding="utf-8")
    run(home, "registry", "import", "hf", str(card), "--org", "Lab")
    model = json.loads(run(home, "registry", "models", "--json"))["items"][0]
    shown = at_80_columns(home, "registry", "models")
    assert model["id"] in shown and f" {units.percent(model['completeness'])} " in shown


@pytest.mark.parametrize(
    ("args", "valid"),
    [
        (("policy", "obligations", "--status", "late"), "'open', 'overdue', 'undetermined'"),
        (("licence", "list", "--status", "late"), "'applied', 'granted'"),
        (("policy", "load", "--builtin", "nope"), "use one of"),
    ],
)
def test_options_with_fixed_values_name_them(home: Path, args: tuple[str, ...], valid: str) -> None:
    assert valid in run(home, *args, code=2)


def test_commands_that_file_publish_a_checkpoint_of_what_they_filed(home: Path) -> None:
    run(home, "orgs", "add", "Bank AG", "-j", "DE")
    status = json.loads(run(home, "ledger", "status", "--json"))
    assert status["size"] > 1 and status["checkpoint_size"] == status["size"]
    assert "note" not in run(home, "ledger", "status")


def test_ledger_status_says_how_to_publish_what_no_checkpoint_covers(home: Path) -> None:
    store = Store.open(Settings(home=home, database_url=f"sqlite:///{home / 'custos.db'}"), composition())
    try:
        with store.transaction() as uow:
            uow.append_entries([b"an entry appended by another process"])
    finally:
        store.close()
    shown = run(home, "ledger", "status")
    assert "size: 2" in shown and "checkpoint_size: 1" in shown and "custos ledger checkpoint" in shown
    run(home, "ledger", "checkpoint")
    assert "checkpoint_size: 2" in run(home, "ledger", "status")


@pytest.mark.parametrize("command", [("serve",), ("demo",)])
def test_a_port_in_use_is_refused_before_anything_is_said_to_be_served(
    home: Path, command: tuple[str, ...]
) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = run(home, *command, "--port", str(port), code=2)
    assert f"cannot serve on 127.0.0.1:{port}" in out and "--port" in out
    assert "Dashboard:" not in out and "Custos on" not in out


def test_an_unknown_pack_is_refused_rather_than_listing_nothing(home: Path) -> None:
    run(home, "policy", "load", "--builtin", "eu-ai-act")
    out = run(home, "policy", "obligations", "--pack", "eu", code=2)
    assert "no pack 'eu' is loaded; loaded packs: eu-ai-act" in out
