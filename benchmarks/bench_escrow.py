"""Escrow speed and memory: a deposit and its opening file to file, beside what bounds them.

Measured in the same run, so the figures can be compared on a shared machine: raw AES-256-GCM
over 1 MiB buffers on both cores, SHA-256 on one core, and a plain copy of the same file (read
and write, no crypto), which is what the file system costs. Then a deposit of a random file
into a vault directory (``seal_deposit``: encrypted, hashed, its chunks' leaves and root) and
its opening (``open_deposit``: decrypted and checked against the manifest), with two workers,
on disk and, where there is one, on a memory file system, so the pipeline's speed shows apart
from the disk's; and the peak resident memory of depositing and opening a sparse file many
times larger, each in a process of its own."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from benchmarks.common import row
from custos.escrow.sealing import Plain, SealedComponent, associated_data, open_deposit, seal_deposit
from custos.escrow.stream import seal, unseal
from custos.escrow.vault import Vault

KEY = bytes(range(32))
MIB = 2**20
COMPONENT = "model.safetensors"
AD_OF_COMPONENT = associated_data("bench-model", COMPONENT)
#: A memory-backed file system, to measure the pipeline apart from the disk.
MEMORY = Path("/dev/shm")


def timed(work: Callable[[], object]) -> float:
    """Seconds ``work`` takes, started with no dirty pages waiting to be written, so a run pays for
    its own writes and not for the write-back of the one before."""
    os.sync()
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def aes_gcm_speed(threads: int, seconds: float = 1.5) -> float:
    """GB/s of AES-256-GCM encryption of 1 MiB buffers, one thread per core."""
    aead = AESGCM(KEY)
    done = [0] * threads

    def encrypt(slot: int) -> None:
        plaintext, out = bytearray(MIB), bytearray(MIB + 16)
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            aead.encrypt_into(os.urandom(12), plaintext, None, out)
            done[slot] += MIB

    workers = [threading.Thread(target=encrypt, args=(slot,)) for slot in range(threads)]
    elapsed = timed(lambda: ([w.start() for w in workers], [w.join() for w in workers]))
    return sum(done) / elapsed / 1e9


def sha256_speed(total: int = 2 * 2**30) -> float:
    block = os.urandom(MIB)
    digest = hashlib.sha256()
    elapsed = timed(lambda: [digest.update(block) for _ in range(total // MIB)])
    return total / elapsed / 1e9


def random_file(path: Path, size: int) -> None:
    """Random content fast: an AES-CTR keystream (os.urandom is ten times slower)."""
    encryptor = Cipher(algorithms.AES(os.urandom(32)), modes.CTR(os.urandom(16))).encryptor()
    zeros = bytes(64 * MIB)
    with path.open("wb") as sink:
        for start in range(0, size, len(zeros)):
            sink.write(encryptor.update(zeros[: min(len(zeros), size - start)]))


def copy(source: Path, target: Path) -> None:
    buffer = bytearray(MIB)
    view = memoryview(buffer)
    with source.open("rb", buffering=0) as reader, target.open("wb") as writer:
        while got := reader.readinto(buffer):
            writer.write(view[:got])


def deposited(plain: Path, vault: Path) -> None:
    """Seal one component into a vault directory, as ``custos escrow deposit`` does, and keep the
    manifest its filing would carry beside the vault, for the opening to read."""
    sealed = seal_deposit(
        Vault(str(vault)), "bench", KEY, "bench-model", [Plain(COMPONENT, plain, "weights", "binary")]
    )
    manifest = {"components": [asdict(c) for c in sealed.components], "chunk_root": sealed.chunk_root}
    vault.with_suffix(".manifest.json").write_text(json.dumps(manifest))


def open_(vault: Path, target: Path) -> None:
    """Open the deposit into ``target``, checking the component against the manifest."""
    manifest = json.loads(vault.with_suffix(".manifest.json").read_text())
    components = [SealedComponent(**c) for c in manifest["components"]]
    target.mkdir(exist_ok=True)
    open_deposit(Vault(str(vault)), "bench", KEY, "bench-model", components, manifest["chunk_root"], target)


def peak_rss_mib(action: str, source: Path, target: Path) -> float:
    """Run one deposit or opening in a fresh process and return its peak resident memory."""
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_escrow", "--child", action, str(source), str(target)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    return float(completed.stdout.strip())


def child(action: str, source: Path, target: Path) -> None:
    """Print the peak RSS in MiB: VmHWM belongs to this image (ru_maxrss survives exec)."""
    if action == "deposit":
        deposited(source, target)
    else:
        open_(source, target)
    status = Path("/proc/self/status").read_text().splitlines()
    print(int(next(line for line in status if line.startswith("VmHWM:")).split()[1]) / 1024)


def to_null(pipeline: Callable[..., object], source: Path) -> None:
    with source.open("rb", buffering=0) as reader, open(os.devnull, "wb") as sink:
        pipeline(KEY, AD_OF_COMPONENT, reader, sink, workers=2)


def gbps(size: int, seconds: float) -> str:
    return f"{size / seconds / 1e9:.2f} GB/s ({size / 2**30:.0f} GiB in {seconds:.2f} s)"


def speeds(where: Path, label: str, size: int, runs: int = 2) -> None:
    """A plain copy, a deposit and an opening of a ``size``-byte random file, all under ``where``,
    each the best of ``runs``: on this VM the first write to fresh memory pays for faulting the
    guest's pages in, which is the machine's cost, not the pipeline's."""
    with tempfile.TemporaryDirectory(dir=where, prefix="bench-escrow-") as scratch:
        work = Path(scratch)
        plain, copied, vault, opened = work / "plain.bin", work / "copy.bin", work / "vault", work / "opened"
        random_file(plain, size)
        best = {"copy": float("inf"), "deposit": float("inf"), "open": float("inf")}
        for _ in range(runs):
            best["copy"] = min(best["copy"], timed(lambda: copy(plain, copied)))
            copied.unlink()
            best["deposit"] = min(best["deposit"], timed(lambda: deposited(plain, vault)))
            best["open"] = min(best["open"], timed(lambda: open_(vault, opened)))
            shutil.rmtree(vault)
            shutil.rmtree(opened)
            vault.with_suffix(".manifest.json").unlink()
        row(f"plain copy of the file, 1 MiB reads and writes, {label} (escrow)", gbps(size, best["copy"]))
        deposited(plain, vault)
        sealed = next((vault / "bench" / "objects").iterdir())
        row(
            f"seal, file to /dev/null (the pipeline without the output file), {label} (escrow)",
            gbps(size, timed(lambda: to_null(seal, plain))),
        )
        row(
            f"unseal, sealed file to /dev/null (the pipeline without the output file), {label} (escrow)",
            gbps(size, timed(lambda: to_null(unseal, sealed))),
        )
        row(f"deposit, file to vault, workers=2, {label} (escrow)", gbps(size, best["deposit"]), ">= 1 GB/s")
        row(f"open, vault to file, workers=2, {label} (escrow)", gbps(size, best["open"]), ">= 1 GB/s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="512 MiB and 2 GiB instead of 4 and 16 GiB")
    parser.add_argument("--child", nargs=3, metavar=("ACTION", "SOURCE", "TARGET"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    size = (512 * MIB) if args.quick else 4 * 2**30
    sparse_size = (2 * 2**30) if args.quick else 16 * 2**30
    load = os.getloadavg()[0]
    row("AES-256-GCM, 1 MiB buffers, 2 threads (escrow)", f"{aes_gcm_speed(2):.1f} GB/s", "")
    row("SHA-256, one core (escrow)", f"{sha256_speed():.2f} GB/s", "")
    # On disk, and in memory (tmpfs), so the pipeline's speed shows apart from the disk's.
    speeds(Path(tempfile.gettempdir()), "on disk", size)
    if MEMORY.is_dir():
        speeds(MEMORY, "in memory (tmpfs)", size)
    with tempfile.TemporaryDirectory(prefix="bench-escrow-") as scratch:
        work = Path(scratch)
        plain, vault, opened = work / "plain.bin", work / "vault", work / "opened"
        with plain.open("wb") as sparse:
            sparse.truncate(sparse_size)
        deposit_peak = peak_rss_mib("deposit", plain, vault)
        plain.unlink()  # room for the opened copy
        open_peak = peak_rss_mib("open", vault, opened)
        row(
            f"peak RSS depositing / opening a {sparse_size // 2**30} GiB sparse file (escrow)",
            f"{deposit_peak:.0f} MiB / {open_peak:.0f} MiB",
            "<= 256 MiB",
        )
    row("load average at the start (escrow)", f"{load:.2f}", "")


if __name__ == "__main__":
    main()
