"""Composing contributions: kinds declared once, projections and hooks keyed by the kind objects,
derived work recorded, and batches refused before anything is written when they cannot finish."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import BaseModel

from custos.core.clock import FixedClock
from custos.core.errors import InvalidInput
from custos.filings import Filing, FilingKind
from custos.store import Composition, CompositionError, Contribution, Hook


class Note(BaseModel):
    text: str


NOTED = FilingKind("note.filed", Note, "A note.")
ECHOED = FilingKind("echo.filed", Note, "An echo.")
CLOCK = FixedClock(datetime(2026, 12, 3, tzinfo=UTC))


def _filing(kind: FilingKind) -> Filing:
    return Filing.create(
        kind=kind,
        content={"text": "x"},
        actor="a",
        organisation="o",
        jurisdiction_code="EU",
        subject="s",
        clock=CLOCK,
    )


def _noop(*_: object) -> None:
    return None


NOTES = Contribution(name="notes", kinds=(NOTED,), projections={NOTED: _noop})
ECHOES = Contribution(
    name="echoes",
    kinds=(ECHOED,),
    hooks=(Hook("echoes.follow", _noop),),
    hot_routers=("echoes.hot:router",),
    routers=("echoes.routes:router",),
)


def test_a_kind_declared_by_two_contributions_is_refused() -> None:
    twin = Contribution(name="twin", kinds=(FilingKind("note.filed", Note, "Another note."),))
    with pytest.raises(ValueError, match="declared by both notes and twin"):
        Composition(NOTES, twin)


def test_a_projection_must_be_of_a_declared_kind_object_not_a_namesake() -> None:
    namesake = FilingKind("note.filed", Note, "A namesake.")
    stray = Contribution(name="stray", projections={namesake: _noop})
    with pytest.raises(ValueError, match="which no contribution declares"):
        Composition(NOTES, stray)


def test_a_hook_observing_every_other_kind_runs_for_them_but_not_for_its_own() -> None:
    composition = Composition(NOTES, ECHOES)
    assert [h.name for h in composition.hooks_after([_filing(NOTED)])] == ["echoes.follow"]
    assert composition.hooks_after([_filing(ECHOED)]) == []


def test_a_hook_observes_exactly_the_kinds_it_names() -> None:
    watcher = Contribution(name="watch", hooks=(Hook("watch.notes", _noop, observes=frozenset({NOTED})),))
    composition = Composition(NOTES, ECHOES, watcher)
    assert "watch.notes" in [h.name for h in composition.hooks_after([_filing(NOTED)])]
    assert "watch.notes" not in [h.name for h in composition.hooks_after([_filing(ECHOED)])]


def test_only_hooks_that_file_are_recorded() -> None:
    quiet = Contribution(name="quiet", hooks=(Hook("quiet.cache", _noop, frozenset({NOTED}), files=False),))
    assert Composition(NOTES, ECHOES, quiet).derived_work() == {"echoes.follow": "*"}


def test_hot_routers_come_first() -> None:
    later = Contribution(name="later", hot_routers=("later.hot:router",))
    assert Composition(ECHOES, later).routers() == [
        "echoes.hot:router",
        "later.hot:router",
        "echoes.routes:router",
    ]


def test_a_batch_is_refused_when_a_recorded_hook_is_missing() -> None:
    recorded = Composition(NOTES, ECHOES).derived_work()
    without_echoes = Composition(NOTES)
    with pytest.raises(CompositionError, match=r"echoes\.follow after every note\.filed"):
        without_echoes.check([_filing(NOTED)], recorded)
    Composition(NOTES, ECHOES).check([_filing(NOTED)], recorded)  # the full composition files it


def test_a_batch_of_an_undeclared_kind_is_refused_and_an_unknown_name_is_invalid_input() -> None:
    with pytest.raises(CompositionError, match="no contribution of this store declares"):
        Composition(NOTES).check([_filing(ECHOED)], {})
    with pytest.raises(InvalidInput, match="unknown filing kind"):
        Composition(NOTES).kind("echo.filed")
