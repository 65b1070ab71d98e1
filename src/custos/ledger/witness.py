"""A witness: cosigns a log's checkpoint only after checking it extends what it saw before.

A witness that cosigns two checkpoints of the same log is vouching that the second is an
append-only extension of the first. It MUST NOT cosign a checkpoint it cannot prove consistent
with the last one it cosigned; refusing is what makes a split view (two different logs shown to
two parties) detectable.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from custos.core.clock import Clock, SystemClock
from custos.core.errors import Conflict
from custos.ledger.note import ALG_COSIGNATURE_V1, Note, Signer, Verifier
from custos.ledger.witness_protocol import AddCheckpoint, Head, WitnessRefusal, witness_decision


@dataclass(frozen=True)
class WitnessedHead:
    size: int
    root: bytes


class WitnessState(Protocol):
    def load(self, origin: str) -> WitnessedHead | None: ...

    def save(self, origin: str, head: WitnessedHead) -> None: ...


class FileWitnessState:
    """The witness's memory: one JSON file, replaced atomically so a crash never leaves half."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, dict[str, object]]:
        if not self.path.exists():
            return {}
        data: dict[str, dict[str, object]] = json.loads(self.path.read_text())
        return data

    def load(self, origin: str) -> WitnessedHead | None:
        record = self._read().get(origin)
        if record is None:
            return None
        return WitnessedHead(int(str(record["size"])), base64.b64decode(str(record["root"])))

    def save(self, origin: str, head: WitnessedHead) -> None:
        data = self._read()
        data[origin] = {"size": head.size, "root": base64.b64encode(head.root).decode()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".witness-")
        with os.fdopen(handle, "w") as stream:
            json.dump(data, stream, indent=2)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, self.path)


class Witness:
    def __init__(self, signer: Signer, state: WitnessState, clock: Clock | None = None) -> None:
        if signer.algorithm != ALG_COSIGNATURE_V1:
            raise ValueError("a witness signs with a cosignature/v1 key (algorithm 0x04)")
        self.signer = signer
        self.state = state
        self.clock = clock or SystemClock()

    def last_cosigned(self, origin: str) -> WitnessedHead | None:
        return self.state.load(origin)

    def cosign(self, note: str, log: Verifier, proof: Sequence[bytes]) -> str:
        """Return the cosignature line for ``note``, given a consistency proof from the last
        checkpoint this witness cosigned for the same log (empty for the first one).

        Raises :class:`Conflict`, with both tree heads and the proof as evidence, when the
        checkpoint does not extend the last one: the checks of the C2SP witness protocol
        (``witness_protocol.witness_decision``), from the size this witness remembers.
        """
        previous = self.state.load(log.name)
        request = AddCheckpoint(previous.size if previous else 0, tuple(proof), note)
        head = Head(previous.size, previous.root) if previous else None
        try:
            checkpoint = witness_decision(request, log, head)
        except WitnessRefusal as refusal:
            raise Conflict(f"refusing to cosign: {refusal.message}", evidence=refusal.evidence) from refusal
        timestamp = int(self.clock.now().timestamp())
        line = self.signer.signature_line(Note.parse(note).text, timestamp=timestamp)
        self.state.save(checkpoint.origin, WitnessedHead(checkpoint.size, checkpoint.root))
        return line
