"""Starting the command line: the root help lists every command without importing any of them,
a simple command imports only what it uses, and help shows flags as flags."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from custos.cli.app import COMMANDS, app

#: Modules a simple command must not pay for.
HEAVY = (
    "custos.demo",
    "custos.risk.engine",
    "custos.risk.adapters",
    "custos.passports.cyclonedx",
    "rfc3987_syntax",
    "numpy",
    "fastapi",
)


def imported_after(*args: str, home: Path) -> set[str]:
    """The modules loaded by running ``custos ARGS`` in a fresh interpreter."""
    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from custos.cli.app import app\n"
        f"result = CliRunner().invoke(app, ['--home', {str(home)!r}, *{list(args)!r}])\n"
        "assert result.exit_code == 0, result.output\n"
        "print('\\n'.join(sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_root_help_lists_every_command_and_imports_none(tmp_path: Path) -> None:
    modules = imported_after("--help", home=tmp_path)
    assert not {m for m in modules if m.startswith(("custos.cli.", "custos.store", "sqlalchemy"))} - {
        "custos.cli.app",
        "custos.cli.context",
        "custos.cli.errors",
        "custos.cli.lazy",
        "custos.cli.output",
    }
    output = CliRunner().invoke(app, ["--help"]).output
    for name in COMMANDS:
        assert f"\n  {name} " in output


def test_ledger_status_imports_neither_the_engines_nor_the_formats(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert CliRunner().invoke(app, ["--home", str(home), "init"]).exit_code == 0
    modules = imported_after("ledger", "status", home=home)
    assert "custos.store" in modules
    assert not [m for m in modules if m.startswith(HEAVY)]


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_listed_help_is_the_command_s_own(name: str) -> None:
    command = COMMANDS[name].load(name)
    assert " ".join((command.help or "").split()) == COMMANDS[name].help


def _help_pages(path: list[str]) -> list[tuple[str, str]]:
    """``--help`` of this command and of every command under it, by command line."""
    output = CliRunner().invoke(app, [*path, "--help"], terminal_width=200).output
    _, _, listing = output.partition("\nCommands:\n")
    names = [line.split()[0] for line in listing.splitlines() if line[:2] == "  " and line[2:3] != " "]
    return [(" ".join(path), output)] + [page for name in names for page in _help_pages([*path, name])]


def test_no_help_page_gives_a_flag_a_value_type() -> None:
    pages = _help_pages([])
    assert len(pages) > 60
    for command, output in pages:
        assert "<bool>" not in output and "BOOLEAN" not in output, (command, output)
    assert "  --json  " in dict(pages)["ledger status"]


def test_the_command_table_is_the_one_the_contributions_declare() -> None:
    """The root lists commands from its own table (importing the contributions would cost
    ``--help`` the store); it must say exactly what the installation's contributions declare."""
    from custos.installation import composition

    declared = [(c.name, c.target, c.help) for c in composition().commands()]
    assert declared == [(name, entry.target, entry.help) for name, entry in COMMANDS.items()]
