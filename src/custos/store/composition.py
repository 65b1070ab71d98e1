"""What each domain package contributes to an installation, and how the installation composes them.

A domain package declares in one place (its ``contribution`` module) the filing kinds it adds,
the projection of each kind into the views, the derived work to run after filings, and the
routers and commands that serve it. The installation composes the contributions and gives the
composition to the store: nothing is wired by importing a module, so a store holds exactly the
projections and hooks it was given, keyed by the kind objects themselves.

An installation records, when it is created, which derived work runs after which kinds. A
store composed without a hook the installation records refuses to file the kinds that hook
observes, instead of filing them and leaving the derived filings (obligations) silently
missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from custos.core.errors import CustosError, InvalidInput
from custos.filings import Filing, FilingKind

if TYPE_CHECKING:
    from custos.store.unit_of_work import UnitOfWork

#: A projection writes the views one filing kind implies; it runs inside the unit of work.
Projection = Callable[[Connection, Filing], None]

#: Derived work run after a batch of filings is projected, in the same transaction. It may file
#: more filings through the unit of work it is given.
AfterFiling = Callable[["UnitOfWork", Sequence[Filing]], None]

#: What an installation records of its derived work: each hook's name, with the names of the
#: kinds it observes, or ``"*"`` when it observes every kind but its own contribution's.
DerivedWork = Mapping[str, Sequence[str] | str]

EVERY_OTHER_KIND = "*"


class CompositionError(CustosError):
    """The store's composition cannot file what it was asked to: a programming or set-up error."""

    status = 500
    title = "Composition error"


@dataclass(frozen=True)
class Hook:
    """Derived work after filings of the kinds it ``observes`` (None: every other contribution's).

    ``files`` says whether the work files derived filings; only such hooks are recorded by the
    installation and required of every store that files the kinds they observe.
    """

    name: str
    run: AfterFiling
    observes: frozenset[FilingKind] | None = None
    files: bool = True


@dataclass(frozen=True)
class Command:
    """A command of the ``custos`` CLI, by where it lives (``module:attribute``), imported when run."""

    name: str
    target: str
    help: str


@dataclass(frozen=True)
class Contribution:
    """Everything one domain package adds to an installation.

    Routers and commands are named by ``module:attribute`` and imported by the interface that
    serves them, so declaring them costs no import of FastAPI or Typer and keeps each
    interface above the domains it serves.
    """

    name: str
    kinds: tuple[FilingKind, ...] = ()
    projections: Mapping[FilingKind, Projection] = field(default_factory=dict)
    hooks: tuple[Hook, ...] = ()
    hot_routers: tuple[str, ...] = ()
    """Routers on a hot path: mounted before every other, since requests match routes in order."""
    routers: tuple[str, ...] = ()
    commands: tuple[Command, ...] = ()


class Composition:
    """The contributions of an installation, checked to fit together."""

    def __init__(self, *contributions: Contribution) -> None:
        self.contributions = contributions
        self._kinds: dict[str, FilingKind] = {}
        self._owner: dict[str, str] = {}
        for contribution in contributions:
            for kind in contribution.kinds:
                if kind.name in self._kinds:
                    raise ValueError(
                        f"filing kind {kind.name!r} is declared by both "
                        f"{self._owner[kind.name]} and {contribution.name}"
                    )
                self._kinds[kind.name] = kind
                self._owner[kind.name] = contribution.name
        self._projections: dict[str, Projection] = {}
        for contribution in contributions:
            for kind, projection in contribution.projections.items():
                if self._kinds.get(kind.name) is not kind:
                    raise ValueError(
                        f"{contribution.name} projects {kind.name!r}, which no contribution declares"
                    )
                if kind.name in self._projections:
                    raise ValueError(f"filing kind {kind.name!r} has two projections")
                self._projections[kind.name] = projection
        self.hooks: tuple[tuple[Hook, frozenset[str]], ...] = tuple(
            (hook, self._observed(contribution, hook))
            for contribution in contributions
            for hook in contribution.hooks
        )

    def _observed(self, contribution: Contribution, hook: Hook) -> frozenset[str]:
        if hook.observes is None:
            return frozenset(name for name, owner in self._owner.items() if owner != contribution.name)
        unknown = [kind.name for kind in hook.observes if self._kinds.get(kind.name) is not kind]
        if unknown:
            raise ValueError(f"hook {hook.name} observes undeclared kinds {unknown}")
        return frozenset(kind.name for kind in hook.observes)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(contribution.name for contribution in self.contributions)

    def kinds(self) -> list[FilingKind]:
        return list(self._kinds.values())

    def kind(self, name: str) -> FilingKind:
        try:
            return self._kinds[name]
        except KeyError:
            raise InvalidInput(f"unknown filing kind {name!r}") from None

    def projection(self, kind_name: str) -> Projection | None:
        return self._projections.get(kind_name)

    def hooks_after(self, batch: Iterable[Filing]) -> list[Hook]:
        """The hooks that observe any kind in the batch, in the order they were contributed."""
        kinds = {filing.kind for filing in batch}
        return [hook for hook, observed in self.hooks if observed & kinds]

    def routers(self) -> list[str]:
        """Every router, the hot ones first, each group in the order contributed."""
        hot = [router for contribution in self.contributions for router in contribution.hot_routers]
        return hot + [router for contribution in self.contributions for router in contribution.routers]

    def commands(self) -> list[Command]:
        return [command for contribution in self.contributions for command in contribution.commands]

    def derived_work(self) -> dict[str, list[str] | str]:
        """What an installation built from this composition records (see ``check``)."""
        recorded: dict[str, list[str] | str] = {}
        for contribution in self.contributions:
            for hook in contribution.hooks:
                if hook.files:
                    recorded[hook.name] = (
                        EVERY_OTHER_KIND
                        if hook.observes is None
                        else sorted(kind.name for kind in hook.observes)
                    )
        return recorded

    def check(self, batch: Sequence[Filing], recorded: DerivedWork) -> None:
        """Refuse a batch this composition cannot file completely, before anything is written."""
        present = {hook.name for hook, _ in self.hooks}
        for filing in batch:
            owner = self._owner.get(filing.kind)
            if owner is None:
                raise CompositionError(
                    f"no contribution of this store declares the filing kind {filing.kind!r}; "
                    f"it is composed of {', '.join(self.names) or 'nothing'}"
                )
            for name, kinds in recorded.items():
                if name in present or name.split(".", 1)[0] == owner:
                    continue
                if kinds == EVERY_OTHER_KIND or filing.kind in kinds:
                    raise CompositionError(
                        f"this installation runs {name} after every {filing.kind} filing, but this "
                        f"store was composed without it ({', '.join(self.names)}); nothing was filed"
                    )
