"""Escrow sealing speed and memory: the sealed stream file to file, beside what bounds it.

Measured in the same run, so the figures can be compared on a shared machine: raw AES-256-GCM
over 1 MiB buffers on every core, SHA-256 on one core, and a plain copy of the same file (read
and write, no crypto), which is what the page cache costs. Then ``seal`` and ``unseal`` of a
random file, file to file, with two workers, and the peak resident memory of sealing and
opening a sparse file many times larger, each in a process of its own.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from benchmarks.common import row
from custos.escrow.stream import seal, unseal

KEY = bytes(range(32))
AD = b"custos-escrow/v1\x00bench\x00weights"
MIB = 2**20


def timed(work: Callable[[], object]) -> float:
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


def seal_file(source: Path, target: Path) -> None:
    with source.open("rb", buffering=0) as reader, target.open("wb") as writer:
        seal(KEY, AD, reader, writer, workers=2)


def unseal_file(source: Path, target: Path) -> None:
    with source.open("rb", buffering=0) as reader, target.open("wb") as writer:
        unseal(KEY, AD, reader, writer, workers=2)


def peak_rss_mib(action: str, source: Path, target: Path) -> float:
    """Run one seal or unseal in a fresh process and return its peak resident memory."""
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
    (seal_file if action == "seal" else unseal_file)(source, target)
    status = Path("/proc/self/status").read_text().splitlines()
    print(int(next(line for line in status if line.startswith("VmHWM:")).split()[1]) / 1024)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    buffer = bytearray(MIB)
    with path.open("rb", buffering=0) as reader:
        while got := reader.readinto(buffer):
            digest.update(memoryview(buffer)[:got])
    return digest.hexdigest()


def gbps(size: int, seconds: float) -> str:
    return f"{size / seconds / 1e9:.2f} GB/s ({size / 2**30:.0f} GiB in {seconds:.2f} s)"


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
    with tempfile.TemporaryDirectory(dir="/tmp", prefix="bench-escrow-") as scratch:
        work = Path(scratch)
        plain, sealed, opened = work / "plain.bin", work / "sealed.bin", work / "opened.bin"
        random_file(plain, size)
        row(
            "plain copy of the file, 1 MiB reads and writes (escrow)",
            gbps(size, timed(lambda: copy(plain, opened))),
        )
        opened.unlink()
        row(
            "seal, ciphertext to /dev/null, workers=2 (escrow)",
            gbps(size, timed(lambda: seal_file(plain, Path(os.devnull)))),
        )
        row(
            "seal, file to file, workers=2 (escrow)",
            gbps(size, timed(lambda: seal_file(plain, sealed))),
            ">= 1 GB/s",
        )
        row(
            "unseal, file to file, workers=2 (escrow)",
            gbps(size, timed(lambda: unseal_file(sealed, opened))),
            ">= 1 GB/s",
        )
        if (
            hashlib.sha256(plain.read_bytes()[:MIB]).digest()
            != hashlib.sha256(opened.read_bytes()[:MIB]).digest()
        ):
            raise SystemExit("the opened file differs from the original")
        for path in (plain, sealed, opened):
            path.unlink()
        with plain.open("wb") as sparse:
            sparse.truncate(sparse_size)
        seal_peak = peak_rss_mib("seal", plain, sealed)
        open_peak = peak_rss_mib("unseal", sealed, opened)
        row(
            f"peak RSS sealing / opening a {sparse_size // 2**30} GiB sparse file, file to file (escrow)",
            f"{seal_peak:.0f} MiB / {open_peak:.0f} MiB",
            "<= 256 MiB",
        )
    row("load average at the start (escrow)", f"{load:.2f}", "")


if __name__ == "__main__":
    main()
