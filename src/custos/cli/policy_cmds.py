"""``custos policy``: packs, evaluation, obligations, explanations and what-if."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import typer

from custos.access.service import operator
from custos.cli.context import open_store
from custos.cli.errors import USAGE_EXIT
from custos.cli.output import JsonOption, ReasonOption, commands, console, emit, plain
from custos.cli.resolve import ORGANISATION, SUBJECT, resolve, resolve_optional
from custos.core import units
from custos.core.errors import InvalidInput
from custos.filings import parse
from custos.installation import composition
from custos.policy.lint import lint as lint_pack
from custos.policy.pack import BUILTIN, load_pack
from custos.policy.requests import FactValue, WhatIf
from custos.policy.service import PolicyService
from custos.store import Store
from custos.store.policy_views import ObligationQuery

app = commands("Policy packs and the obligations they attach.")


class ObligationStatus(StrEnum):
    """What ``--status`` filters on; overdue ones are open past their due date."""

    OPEN = "open"
    OVERDUE = "overdue"
    UNDETERMINED = "undetermined"
    DISCHARGED = "discharged"
    WAIVED = "waived"
    LAPSED = "lapsed"


@app.command()
def packs(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Loaded pack versions (the active one of each pack is marked), and the built-in packs."""
    with open_store(ctx) as store:
        loaded = [plain(version) for version in PolicyService(store).packs()]
    builtin = sorted(path.stem for path in BUILTIN.glob("*.yaml"))
    if as_json:
        emit({"loaded": loaded, "builtin": builtin}, True)
        return
    emit(loaded, False, ["pack", "version", "active", "jurisdiction", "title"], "Loaded packs")
    console.print("built-in: " + ", ".join(builtin), highlight=False)


@app.command()
def load(
    ctx: typer.Context,
    path: Path | None = typer.Argument(None, help="A pack file (YAML)."),
    builtin: list[str] = typer.Option([], "--builtin", help="A built-in pack by name; 'all' for every one."),
    as_json: bool = JsonOption,
) -> None:
    """Load packs; each new version re-evaluates the registry and files what changed."""
    files = [path] if path else []
    names = sorted(p.stem for p in BUILTIN.glob("*.yaml")) if "all" in builtin else builtin
    for name in names:
        candidate = BUILTIN / f"{name}.yaml"
        if not candidate.exists():
            known = ", ".join(sorted(p.stem for p in BUILTIN.glob("*.yaml")))
            raise InvalidInput(f"no built-in pack {name!r}: use one of {known}, or all")
        files.append(candidate)
    if not files:
        raise InvalidInput("give a pack file or --builtin NAME")
    results = []
    with open_store(ctx) as store:
        service, who = PolicyService(store), operator(store)
        for file in files:
            with console.status(f"loading {file.name}"):
                loaded = service.load(file.read_text(encoding="utf-8"), origin=str(file), by=who)
                results.append(plain(loaded))
    emit(results, as_json, ["pack", "loaded", "filed"] if not as_json else None)


@app.command()
def lint(
    files: list[Path] = typer.Argument(None, help="Pack files (YAML). Default: the built-in packs."),
    as_json: bool = JsonOption,
) -> None:
    """Flag what loads but contradicts the pack's dates or this installation; exit code 2 on an error."""
    known = {kind.name for kind in composition().kinds()}
    paths = files or sorted(BUILTIN.glob("*.yaml"))
    results = [lint_pack(load_pack(path.read_text(encoding="utf-8"), str(path)), known) for path in paths]
    if as_json:
        emit(plain(results), True)
    elif any(result.findings for result in results):
        rows = [{"pack": r.pack, **plain(finding)} for r in results for finding in r.findings]
        emit(rows, False, ["pack", "severity", "rule", "obligation", "message"], "Lint findings")
    else:
        console.print(f"No findings in {len(results)} pack(s).", highlight=False)
    if any(result.errors for result in results):
        raise typer.Exit(USAGE_EXIT)


@app.command()
def evaluate(
    ctx: typer.Context,
    subject: list[str] = typer.Option(
        [], "--subject", help="A model or deployment, by id or name; repeat. Default: all."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Count what would change; file nothing."),
    as_json: bool = JsonOption,
) -> None:
    """Evaluate the active packs over the registry (or some subjects) and file the differences."""
    with open_store(ctx) as store:
        subject_ids = [resolve(store, item, SUBJECT) for item in subject]
        with console.status("evaluating"):
            summary = PolicyService(store).evaluate(
                by=operator(store), subject_ids=subject_ids or None, dry_run=dry_run
            )
    emit(plain(summary), as_json)


@app.command()
def obligations(
    ctx: typer.Context,
    status: ObligationStatus | None = typer.Option(None, "--status"),
    organisation: str | None = typer.Option(None, "--org", help="Organisation id or name."),
    pack: str | None = typer.Option(None, "--pack"),
    subject: str | None = typer.Option(None, "--subject", help="Model or deployment id or name."),
    due_before: datetime | None = typer.Option(None, "--due-before", help="YYYY-MM-DD (UTC)"),
    limit: int = typer.Option(100, "--limit", min=1, max=100_000),
    as_json: bool = JsonOption,
) -> None:
    """List obligations by due date; overdue ones are open past their due date."""
    due = due_before.replace(tzinfo=UTC) if due_before and not due_before.tzinfo else due_before
    with open_store(ctx) as store:
        _known_pack(store, pack)
        query = ObligationQuery(
            status.value if status else None,
            resolve_optional(store, organisation, ORGANISATION),
            pack,
            resolve_optional(store, subject, SUBJECT),
            due,
        )
        rows = [plain(row) for row in PolicyService(store).obligations(operator(store), query, limit=limit)]
    columns = ["id", "status", "due_at", "severity", "subject_id", "key"]
    emit(rows, as_json, columns, "Obligations", {"due_at": units.timestamp})


def _known_pack(store: Store, pack: str | None) -> None:
    """An unknown pack would just give an empty list: say which packs there are instead."""
    if pack is None:
        return
    loaded = sorted({version.pack for version in PolicyService(store).packs()})
    if pack not in loaded:
        raise InvalidInput(f"no pack {pack!r} is loaded; loaded packs: {', '.join(loaded) or 'none'}")


@app.command()
def explain(ctx: typer.Context, obligation_id: str, as_json: bool = JsonOption) -> None:
    """Why an obligation applies: the clause that held, the facts and values, the distance to thresholds."""
    with open_store(ctx) as store:
        found = PolicyService(store).explain(operator(store), obligation_id)
    emit(plain(found), as_json)


def _value(text: str) -> FactValue:
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return float(text)
    except ValueError:
        return [part.strip() for part in text.split(",")] if "," in text else text


@app.command()
def whatif(
    ctx: typer.Context,
    subject: str = typer.Argument(..., metavar="SUBJECT", help="Model or deployment id or name."),
    facts: list[str] = typer.Option(..., "--set", help="FACT=VALUE, e.g. training_flop=2e26; repeat."),
    as_json: bool = JsonOption,
) -> None:
    """Which obligations would change if facts of a subject changed; how far each threshold is."""
    overrides: dict[str, FactValue] = {}
    for item in facts:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(f"--set takes FACT=VALUE, got {item!r}")
        overrides[name.strip()] = _value(value)
    with open_store(ctx) as store:
        supposition = parse(
            WhatIf, {"subject": resolve(store, subject, SUBJECT), "facts": overrides}, "what-if"
        )
        found = PolicyService(store).whatif(operator(store), supposition)
    if as_json:
        emit(plain(found), True)
        return
    if not found.changes:
        console.print("No obligation would change.", highlight=False)
    for change in found.changes:
        console.print(
            f"{change.pack} {change.rule}: {change.now} -> {change.would_be} "
            f"({', '.join(change.obligations)})",
            highlight=False,
        )
        for distance in change.distance:
            console.print(f"  {distance['text']}", highlight=False)


@app.command()
def waive(
    ctx: typer.Context,
    obligation_id: str,
    reason: str = ReasonOption,
    as_json: bool = JsonOption,
) -> None:
    """Waive an obligation, with the reason (a filing in the log)."""
    with open_store(ctx) as store:
        emit(plain(PolicyService(store).waive(obligation_id, reason, by=operator(store))), as_json)


@app.command()
def discharge(
    ctx: typer.Context,
    obligation_id: str,
    evidence: str = typer.Option(..., "--evidence", help="Filing id."),
    as_json: bool = JsonOption,
) -> None:
    """Record that a filing discharges an obligation."""
    with open_store(ctx) as store:
        emit(plain(PolicyService(store).discharge(obligation_id, evidence, by=operator(store))), as_json)
