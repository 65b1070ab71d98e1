"""The detector's states kept in memory (custos.monitoring.state_cache) by two processes over one
store: a copy is trusted only while its process was the last to write, and read again from the
store once another process wrote in between."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from custos.monitoring.detection import STATE_FIELDS, States
from custos.monitoring.state_cache import StateCache
from custos.store import Store
from custos.store import monitoring_views as mv

SERIES = [("d1", 0), ("d1", 3), ("d2", 0)]


def _states(seed: int, size: int) -> tuple[States, np.ndarray, list[str | None]]:
    """States with values no other seed gives, a last value each, and an alert on the first."""
    base = np.arange(size) + 100 * seed
    states = States(
        n=base + 1,
        mean=base + 0.5,
        var=base + 0.25,
        cusum=base + 0.125,
        degraded=np.array([1] + [0] * (size - 1)),
        since=base + 1_000,
        good_run=base + 2,
        last_at=base + 2_000,
        onsets=base + 3,
    )
    return states, base + 0.75, [f"alert-{seed}"] + [None] * (size - 1)


def _save(conn: Any, rows: np.ndarray, states: States, last: np.ndarray, alerts: list[str | None]) -> None:
    mv.save_states(conn, rows.tolist(), {**states.columns(), "last_value": last, "alert_id": alerts})


def _write(store: Store, cache: StateCache, seed: int) -> np.ndarray:
    """One writing request of ``cache``'s process: claim, take, change every state, keep, save."""
    with store.transaction() as uow:
        cache.claim(uow.conn)
        rows = mv.series_ids(uow.conn, SERIES)
        cache.take(uow.conn, rows)
        states, last, alerts = _states(seed, rows.size)
        cache.keep(rows, states, last, alerts)
        _save(uow.conn, rows, states, last, alerts)
    return rows


def _assert_holds(taken: tuple[States, np.ndarray, list[str | None]], seed: int) -> None:
    states, last, alerts = taken
    expected, expected_last, expected_alerts = _states(seed, last.size)
    for name in STATE_FIELDS:
        np.testing.assert_array_equal(getattr(states, name), getattr(expected, name), err_msg=name)
    np.testing.assert_array_equal(last, expected_last)
    assert alerts == expected_alerts


def test_a_cache_reads_again_after_another_process_wrote(store: Store) -> None:
    a, b = StateCache(), StateCache()
    _write(store, a, seed=1)
    with store.transaction() as uow:  # b has never held anything: it reads a's states
        b.claim(uow.conn)
        _assert_holds(b.take(uow.conn, mv.series_ids(uow.conn, SERIES)), seed=1)
    _write(store, b, seed=2)
    with store.transaction() as uow:
        a.claim(uow.conn)  # b wrote since a did: a's copy (seed 1) is dropped
        _assert_holds(a.take(uow.conn, mv.series_ids(uow.conn, SERIES)), seed=2)


def test_a_cache_that_stays_the_writer_does_not_read_the_store_again(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads: list[list[int]] = []
    load_states = mv.load_states

    def counted(conn: Any, series: Any) -> dict[str, Any]:
        loads.append(list(series))
        return load_states(conn, series)

    monkeypatch.setattr(mv, "load_states", counted)
    a = StateCache()
    rows = _write(store, a, seed=1)
    assert loads == [rows.tolist()]  # the first request reads what it does not hold
    loads.clear()
    _write(store, a, seed=3)  # still the writer: its copy is trusted
    with store.transaction() as uow:
        a.claim(uow.conn)
        _assert_holds(a.take(uow.conn, rows), seed=3)
    assert loads == []
    with store.transaction() as uow:  # a series not held yet is read, alone
        a.claim(uow.conn)
        (new,) = mv.series_ids(uow.conn, [("d3", 1)]).tolist()
        a.take(uow.conn, np.array([*rows.tolist(), new]))
    assert loads == [[new]]


def test_a_cleared_cache_reads_the_store_not_its_own_lost_copy(store: Store) -> None:
    """A transaction that failed after the copy was updated: the copy is dropped, the store's
    states (the last committed) are read back."""
    a = StateCache()
    rows = _write(store, a, seed=1)
    with store.transaction() as uow:
        a.claim(uow.conn)
        a.take(uow.conn, rows)
    a.keep(rows, *_states(9, rows.size))  # as if the saving transaction then rolled back
    a.clear()
    with store.transaction() as uow:
        a.claim(uow.conn)
        _assert_holds(a.take(uow.conn, rows), seed=1)
