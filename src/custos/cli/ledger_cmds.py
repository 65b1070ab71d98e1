"""``custos ledger``: the transparency log without the domain — entries are bytes."""

from __future__ import annotations

import base64
from pathlib import Path

import typer
from rich.progress import Progress

from custos.cli.context import open_store
from custos.cli.output import JsonOption, commands, console, emit
from custos.core.errors import InvalidInput
from custos.ledger import (
    ALG_COSIGNATURE_V1,
    FileWitnessState,
    Signer,
    Verifier,
    Witness,
    open_checkpoint,
    verify_consistency,
    verify_inclusion,
)
from custos.store import ledger_sql
from custos.store.keys import add_witness_key, read_key, write_key

app = commands("The transparency log.")
proof = commands("Inclusion and consistency proofs.")
app.add_typer(proof, name="proof")

APPEND_BATCH = 1000


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@app.command()
def status(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Size of the log, its origin and key, and the size of the newest signed checkpoint."""
    with open_store(ctx) as store, store.read() as conn:
        latest = ledger_sql.latest_checkpoint(conn)
        data: dict[str, object] = {
            "origin": ledger_sql.origin(conn),
            "size": ledger_sql.tree_size(conn),
            "checkpoint_size": latest[1] if latest else None,
            "log_key": store.log_signer.verifier.vkey,
        }
    if data["checkpoint_size"] != data["size"] and not as_json:
        data["note"] = "the newest entries are not in a signed checkpoint yet: `custos ledger checkpoint`"
    emit(data, as_json)


@app.command()
def append(ctx: typer.Context, file: Path, as_json: bool = JsonOption) -> None:
    """Append each line of FILE (without its newline) as one entry, in batches of 1,000."""
    lines = file.read_bytes().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    first = None
    with open_store(ctx) as store, Progress(console=console, transient=True) as progress:
        task = progress.add_task("appending", total=len(lines))
        for start in range(0, len(lines), APPEND_BATCH):
            batch = lines[start : start + APPEND_BATCH]
            with store.transaction() as uow:
                index = uow.append_entries(batch)
            first = index if first is None else first
            progress.advance(task, len(batch))
    emit({"appended": len(lines), "first_index": first}, as_json)


@app.command()
def entries(
    ctx: typer.Context,
    start: int = typer.Option(0, "--start", min=0),
    end: int | None = typer.Option(None, "--end", min=0, help="Exclusive (default: the end of the log)."),
    as_json: bool = JsonOption,
) -> None:
    """Print stored entries [start, end)."""
    with open_store(ctx) as store, store.read() as conn:
        stop = ledger_sql.tree_size(conn) if end is None else end
        rows = ledger_sql.entries(conn, start, stop)
    if as_json:
        emit([{"index": i, "entry": _b64(data)} for i, data in rows], True)
        return
    for index, data in rows:
        typer.echo(f"{index}\t{data.decode('utf-8', errors='backslashreplace')}")


@app.command()
def checkpoint(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Sign a checkpoint for the current tree head and print it."""
    with open_store(ctx) as store:
        size, note = store.publish_checkpoint()
    if as_json:
        emit({"size": size, "checkpoint": note}, True)
    else:
        typer.echo(note, nl=False)


@proof.command("inclusion")
def inclusion(
    ctx: typer.Context,
    index: int = typer.Option(..., "--index", min=0),
    size: int = typer.Option(..., "--size", min=1),
    as_json: bool = JsonOption,
) -> None:
    """Inclusion proof of entry INDEX in the tree of SIZE entries, checked before it is printed."""
    with open_store(ctx) as store:
        current = store.tiles.stored_size()
        if size > current or index >= size:
            raise InvalidInput(f"need index < size <= {current}; got index {index}, size {size}")
        reader = store.tiles.reader
        leaf, root, path = reader.leaf_hash(index), reader.root(size), reader.inclusion_proof(index, size)
    verify_inclusion(index=index, size=size, leaf=leaf, proof=path, root=root)
    emit(
        {
            "index": index,
            "size": size,
            "leaf_hash": _b64(leaf),
            "root": _b64(root),
            "proof": [_b64(p) for p in path],
        },
        as_json,
    )


@proof.command("consistency")
def consistency(
    ctx: typer.Context,
    old: int = typer.Option(..., "--old", min=0),
    size: int = typer.Option(..., "--size", min=0),
    as_json: bool = JsonOption,
) -> None:
    """Consistency proof from the tree of OLD entries to the tree of SIZE entries."""
    with open_store(ctx) as store:
        current = store.tiles.stored_size()
        if size > current or old > size:
            raise InvalidInput(f"need old <= size <= {current}; got old {old}, size {size}")
        reader = store.tiles.reader
        old_root, root, path = reader.root(old), reader.root(size), reader.consistency_proof(old, size)
    verify_consistency(old_size=old, new_size=size, old_root=old_root, new_root=root, proof=path)
    emit(
        {
            "old_size": old,
            "size": size,
            "old_root": _b64(old_root),
            "root": _b64(root),
            "proof": [_b64(p) for p in path],
        },
        as_json,
    )


@app.command()
def verify(
    ctx: typer.Context,
    witness_keys: list[str] = typer.Option(
        [], "--witness-key", help="A witness's verifier key, beside those recorded in the installation."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Recompute the whole log and check every tile, checkpoint, cosignature and filing; name the
    first fault."""
    witnesses = [Verifier.from_vkey(vkey) for vkey in witness_keys]
    with open_store(ctx) as store, console.status("verifying the log"):
        report = store.verify(witnesses)
    emit(
        {
            "ok": True,
            "size": report.size,
            "tiles": report.tiles,
            "checkpoints": report.checkpoints,
            "cosignatures": report.cosignatures,
        }
        if as_json
        else report.summary(),
        as_json,
    )


@app.command()
def witness(
    ctx: typer.Context,
    witness_dir: Path = typer.Option(
        ..., "--witness-dir", help="The witness's key and memory (created if new)."
    ),
    name: str = typer.Option("witness.local/custos", "--name", help="Key name for a new witness."),
    checkpoint_file: Path | None = typer.Option(
        None, "--checkpoint", help="Cosign this checkpoint note instead of the log's newest."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Act as a witness: cosign the checkpoint only if it is consistent with the last one cosigned."""
    key_path = witness_dir / "witness.key"
    if not key_path.exists():
        write_key(key_path, Signer.generate(name, ALG_COSIGNATURE_V1))
    signer = read_key(key_path)
    state = FileWitnessState(witness_dir / "state.json")
    with open_store(ctx) as store:
        log_key = store.log_signer.verifier
        with store.read() as conn:
            latest = ledger_sql.latest_checkpoint(conn)
        if latest is None:
            raise InvalidInput("the log has no checkpoint to cosign")
        seq: int | None = latest[0]
        note = latest[2]
        if checkpoint_file is not None:
            note, seq = checkpoint_file.read_text(), None
        offered, _ = open_checkpoint(note, log_key)
        previous = state.load(offered.origin)
        tree_size = store.tiles.stored_size()
        proof_path = []
        if previous is not None and previous.size <= offered.size <= tree_size:
            proof_path = store.tiles.reader.consistency_proof(previous.size, offered.size)
        line = Witness(signer, state).cosign(note, log_key, proof_path)
        if seq is not None:
            add_witness_key(store.settings.keys_dir, signer.verifier)
            with store.transaction() as uow:
                ledger_sql.add_cosignature(uow.conn, seq, signer.name, line)
    cosigned = note + line
    if as_json:
        emit({"witness": signer.verifier.vkey, "size": offered.size, "checkpoint": cosigned}, True)
    else:
        typer.echo(cosigned, nl=False)  # the note alone on standard output, to be piped on
        typer.echo(f"witness key: {signer.verifier.vkey}", err=True)
