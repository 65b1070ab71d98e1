"""The detector's states kept in memory between requests, so a request of ten thousand points
does not read ten thousand rows back before it can run detection.

The copy in memory is trusted only while this process was the last to save states
(``monitoring_views.claim_states``, checked in each writing transaction); when another process
wrote in between, or a transaction failed after the copy was updated, the copy is dropped and read
again from the store. The same trust covers what each deployment was last saved as serving, so a
request saves only the deployments whose model or version changed.

Saving ten thousand states took a quarter of a request, so the states are saved at a checkpoint,
at most a second apart (``CHECKPOINT_SECONDS``), and whenever an alert is filed. A state whose
alert was raised or cleared is saved in the same request, always: the store must never say a
figure is fine while an alert stands for it, or a restarted detector would file the alert again.
What a crash can lose is a second of the baselines' updates, which the points stored would not
move measurably; readers in this process see the states saved first (``dirty``).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import numpy as np

from custos.monitoring.detection import STATE_FIELDS, States
from custos.store import Connection
from custos.store import monitoring_views as mv

_FLOATS = ("mean", "var", "cusum", "last_value")
#: The longest the states in memory go unsaved.
CHECKPOINT_SECONDS = 1.0


class StateCache:
    """States by series id (ids are small dense integers, so arrays indexed by id)."""

    def __init__(self) -> None:
        self.writer = f"custos-{uuid.uuid4().hex[:16]}"
        self._columns: dict[str, np.ndarray] = {}
        self._alert_ids: list[str | None] = []
        self._known = np.zeros(0, dtype=bool)
        self._dirty = np.zeros(0, dtype=bool)
        self._saved_at = time.monotonic()
        self._grow(1024)
        #: deployment -> (model, version) as this process last saved it
        self._served: dict[str, tuple[str | None, str | None]] = {}

    def _grow(self, size: int) -> None:
        old = self._known.size
        if size <= old:
            return
        size = max(size, 2 * old)
        for name in (*STATE_FIELDS, "last_value"):
            dtype = np.float64 if name in _FLOATS else np.int8 if name == "degraded" else np.int64
            grown = np.zeros(size, dtype=dtype)
            if name in self._columns:
                grown[:old] = self._columns[name]
            self._columns[name] = grown
        self._alert_ids.extend([None] * (size - old))
        known = np.zeros(size, dtype=bool)
        known[:old] = self._known
        self._known = known
        dirty = np.zeros(size, dtype=bool)
        dirty[:old] = self._dirty
        self._dirty = dirty

    def clear(self) -> None:
        self._known[:] = False
        self._dirty[:] = False
        self._served.clear()

    @property
    def dirty(self) -> bool:
        """Whether states in memory are not saved yet."""
        return bool(self._dirty.any())

    def checkpoint_due(self) -> bool:
        return time.monotonic() - self._saved_at >= CHECKPOINT_SECONDS

    def save(self, conn: Connection, rows: np.ndarray | None = None) -> None:
        """Save the states of ``rows`` (series ids), or every unsaved one (a checkpoint)."""
        if rows is None:
            rows = np.flatnonzero(self._dirty)
            self._saved_at = time.monotonic()
        if not rows.size:
            return
        columns: dict[str, Any] = {name: self._columns[name][rows] for name in (*STATE_FIELDS, "last_value")}
        columns["alert_id"] = [self._alert_ids[i] for i in rows.tolist()]
        mv.save_states(conn, rows.tolist(), columns)
        self._dirty[rows] = False

    def served_changes(
        self, rows: list[tuple[str, str | None, str | None, int]]
    ) -> list[tuple[str, str | None, str | None, int]]:
        """The rows of ``monitoring_views.set_served`` that change what is stored (the others
        would leave it as it is), remembered as saved."""
        changed = [row for row in rows if self._served.get(row[0]) != (row[1], row[2])]
        self._served.update({row[0]: (row[1], row[2]) for row in changed})
        return changed

    def claim(self, conn: Connection) -> None:
        """Record this process as the states' writer; drop the copy if another wrote since."""
        if not mv.claim_states(conn, self.writer):
            self.clear()

    def take(self, conn: Connection, rows: np.ndarray) -> tuple[States, np.ndarray, list[str | None]]:
        """The states of the series ``rows`` (ids), read from the store where not held."""
        self._grow(int(rows.max()) + 1 if rows.size else 0)
        missing = rows[~self._known[rows]]
        if missing.size:
            stored: dict[str, Any] = mv.load_states(conn, missing.tolist())
            for name in (*STATE_FIELDS, "last_value"):
                self._columns[name][missing] = stored[name]
            for series, alert in zip(missing.tolist(), stored["alert_id"], strict=True):
                self._alert_ids[series] = alert
            self._known[missing] = True
        states = States(**{name: self._columns[name][rows] for name in STATE_FIELDS})
        return states, self._columns["last_value"][rows], [self._alert_ids[i] for i in rows.tolist()]

    def keep(
        self, rows: np.ndarray, states: States, last_value: np.ndarray, alert_ids: list[str | None]
    ) -> None:
        for name, column in states.columns().items():
            self._columns[name][rows] = column
        self._columns["last_value"][rows] = last_value
        for series, alert in zip(rows.tolist(), alert_ids, strict=True):
            self._alert_ids[series] = alert
        self._dirty[rows] = True
