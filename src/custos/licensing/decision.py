"""The decision point: may this deployer serve this request with this model, now?

Answers come from an in-memory index of the licences in force and the obligations open on each
model, so a decision costs microseconds. The index is rebuilt when the log has grown: at once
after a licence filing made in this process, and otherwise at most ``refresh_interval``
seconds after one made elsewhere (another process, another node).
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict

from custos.access.filer import file_as
from custos.access.model import system
from custos.core.clock import Clock
from custos.core.errors import NotFound
from custos.core.jurisdictions import covers
from custos.filings import Filing, FilingKind
from custos.licensing.rollout import included
from custos.store import Store, UnitOfWork, ledger_sql
from custos.store import licensing_views as lv
from custos.store import policy_views as pv
from custos.store import registry_views as rv

DECISION_POINT = system("decision-point", "decision point")
_GENERATION = [0]  # bumped by licence filings in this process


def licences_changed(_: UnitOfWork, batch: Sequence[Filing]) -> None:
    """After licence, rollout or recognition filings: this process's indexes are out of date."""
    _GENERATION[0] += 1


@dataclass(frozen=True, slots=True)
class Context:
    jurisdiction: str
    sector: str | None = None
    users: int | None = None
    capability_class: str | None = None
    subject_key: str | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """An answer of the decision point. A slotted dataclass, not a read model: it is made on the
    hot path, and orjson writes it as it is in the shape of
    :class:`~custos.licensing.views.DecisionView` (its fields, in its order), which the command
    line makes of it with ``DecisionView.model_validate(decision, from_attributes=True)``."""

    allow: bool
    reasons: tuple[str, ...]
    licence_id: str | None = None
    stage: str | None = None
    obligations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Licence:
    id: str
    applicant: str
    status: str
    jurisdictions: tuple[str, ...]
    sectors: frozenset[str]
    classes: frozenset[str]
    max_users: int | None
    valid_from: date | None
    valid_until: date | None
    reason: str | None
    rollout: _Stage | None = None


@dataclass(frozen=True, slots=True)
class _Stage:
    """The current stage of a licence's rollout, as decisions apply it."""

    name: str
    group: str
    percentage: int
    max_users: int | None
    sectors: frozenset[str]
    classes: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Agreement:
    id: str
    recognising: str
    recognised: str
    sectors: frozenset[str]
    classes: frozenset[str]
    conditions: tuple[str, ...]


@dataclass
class _Index:
    agreements: list[_Agreement] = field(default_factory=list)
    by_model: dict[str, list[_Licence]] = field(default_factory=dict)
    providers: dict[str, str] = field(default_factory=dict)
    open_obligations: dict[str, tuple[str, ...]] = field(default_factory=dict)


class DecisionLogged(BaseModel):
    model_config = ConfigDict(extra="forbid")
    deployer: str
    model: str
    context: dict[str, Any]
    allow: bool
    reasons: list[str]
    licence_id: str | None = None
    stage: str | None = None
    decided_at: str


DECISION_LOGGED = FilingKind(
    "decision.logged", DecisionLogged, "A decision of the decision point, kept for audit."
)
LOG_BATCH = 1000


class DecisionPoint:
    """Answers decisions from an in-memory index; keeps a share of them (``log_rate``, 0 to 1)
    for audit, filed in batches by :meth:`flush` (and whenever 1,000 are waiting)."""

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock | None = None,
        refresh_interval: float = 0.1,
        log_rate: float = 0.0,
    ) -> None:
        if not 0.0 <= log_rate <= 1.0:
            raise ValueError("log_rate is a share, from 0 to 1")
        self.store = store
        self.clock = clock or store.clock
        self.refresh_interval = refresh_interval
        self.log_rate = log_rate
        self._pending: list[Filing] = []
        self._chance = random.Random()
        self._lock = threading.Lock()
        self._index = _Index()
        self._size = -1
        self._generation = -1
        self._checked = 0.0
        self._known: set[str] = set()
        self.refresh(force=True)

    def require_known(self, deployer: str, model: str) -> None:
        """Refuse (NotFound) a question about an organisation or model the registry does not hold.

        Registered ids are remembered, since nothing leaves the registry: only a question about
        an unknown id reads the database, so the answer stays a lookup in memory."""
        for kind, key in (("organisation", deployer), ("model", model)):
            if key in self._known:
                continue
            with self.store.read() as conn:
                if not rv.is_registered(conn, kind, key):
                    raise NotFound(f"no {kind} {key!r} in the registry")
            self._known.add(key)

    def refresh(self, *, force: bool = False) -> None:
        """Rebuild the index if the log grew (checked at most every ``refresh_interval``)."""
        now = time.monotonic()
        if not force and self._generation == _GENERATION[0] and now - self._checked < self.refresh_interval:
            return
        with self._lock:
            self._checked = now
            with self.store.read() as conn:
                size = ledger_sql.tree_size(conn)
                if not force and size == self._size and self._generation == _GENERATION[0]:
                    return
                generation = _GENERATION[0]
                index = _Index()
                rollouts = lv.all_rollouts(conn)
                for row in lv.list_recognitions(conn, in_force_only=True):
                    terms = json.loads(row["terms"])
                    index.agreements.append(
                        _Agreement(
                            row["id"],
                            row["recognising"],
                            row["recognised"],
                            frozenset(terms.get("sectors") or ()),
                            frozenset(terms.get("capability_classes") or ()),
                            tuple(c["description"] for c in terms.get("extra_conditions") or ()),
                        )
                    )
                for row in lv.in_force(conn):
                    scope = json.loads(row["scope"])
                    index.by_model.setdefault(row["model_id"], []).append(
                        _Licence(
                            row["id"],
                            row["applicant_id"],
                            row["status"],
                            tuple(scope["jurisdictions"]),
                            frozenset(scope.get("sectors") or ()),
                            frozenset(scope.get("capability_classes") or ()),
                            scope.get("max_users"),
                            row["valid_from"],
                            row["valid_until"],
                            row["reason"],
                            _stage(row["id"], rollouts.get(row["id"])),
                        )
                    )
                ids = list(index.by_model)
                index.providers.update(rv.providers_of(conn, ids))
                index.open_obligations.update(pv.open_obligation_keys(conn, ids))
            self._index, self._size, self._generation = index, size, generation

    def decide(self, deployer: str, model: str, context: Context) -> Decision:
        decision = self._decide(deployer, model, context)
        if self.log_rate and (self.log_rate >= 1.0 or self._chance.random() < self.log_rate):
            self._keep(deployer, model, context, decision)
        return decision

    def _keep(self, deployer: str, model: str, context: Context, decision: Decision) -> None:
        now = self.clock.now()
        content = {
            "deployer": deployer,
            "model": model,
            "context": {k: v for k, v in asdict(context).items() if v is not None},
            "allow": decision.allow,
            "reasons": list(decision.reasons),
            "licence_id": decision.licence_id,
            "stage": decision.stage,
            "decided_at": now.isoformat(),
        }
        filing = file_as(
            DECISION_POINT,
            DECISION_LOGGED,
            content,
            owner=deployer,
            subject=model,
            clock=self.clock,
            jurisdiction=context.jurisdiction,
        )
        with self._lock:
            self._pending.append(filing)
            full = len(self._pending) >= LOG_BATCH
        if full:
            self.flush()

    def flush(self) -> int:
        """File the decisions kept so far, in one transaction; return how many."""
        with self._lock:
            batch, self._pending = self._pending, []
        if batch:
            with self.store.transaction() as uow:
                uow.file(*batch)
        return len(batch)

    def _decide(self, deployer: str, model: str, context: Context) -> Decision:
        self.refresh()
        index = self._index
        candidates = index.by_model.get(model)
        if not candidates:
            return Decision(False, (f"no licence in force for model {model}",))
        provider = index.providers.get(model)
        today = self.clock.now().date()
        refusals: list[str] = []
        for licence in candidates:
            if licence.applicant not in (deployer, provider):
                continue
            recognised_by = None
            if not any(covers(scope, context.jurisdiction) for scope in licence.jurisdictions):
                recognised_by = self._recognition(index.agreements, licence, context)
            problems = self._problems(licence, context, today, recognised_by is not None)
            if not problems:
                holder = "the deployer" if licence.applicant == deployer else "the provider"
                reasons: tuple[str, ...] = (f"licence {licence.id} held by {holder} covers the request",)
                if recognised_by is not None:
                    reasons = (
                        f"licence {licence.id}, valid in {recognised_by.recognised}, is recognised in "
                        f"{recognised_by.recognising} under agreement {recognised_by.id}",
                        *(f"extra condition: {c}" for c in recognised_by.conditions),
                    )
                stage = licence.rollout.name if licence.rollout else None
                return Decision(True, reasons, licence.id, stage, index.open_obligations.get(model, ()))
            refusals += [f"licence {licence.id}: {p}" for p in problems]
        if not refusals:
            refusals.append(
                f"neither deployer {deployer} nor the model's provider holds a licence for model {model}"
            )
        return Decision(False, tuple(refusals))

    @staticmethod
    def _recognition(agreements: list[_Agreement], licence: _Licence, context: Context) -> _Agreement | None:
        """An agreement under which the request's jurisdiction recognises this licence."""
        for agreement in agreements:
            if (
                covers(agreement.recognising, context.jurisdiction)
                and any(covers(scope, agreement.recognised) for scope in licence.jurisdictions)
                and (not agreement.sectors or context.sector in agreement.sectors)
                and (not agreement.classes or context.capability_class in agreement.classes)
            ):
                return agreement
        return None

    @staticmethod
    def _problems(licence: _Licence, context: Context, today: date, recognised: bool) -> list[str]:
        problems = []
        if licence.status != "granted":
            problems.append(f"{licence.status}" + (f": {licence.reason}" if licence.reason else ""))
        if licence.valid_from and today < licence.valid_from:
            problems.append(f"not valid before {licence.valid_from.isoformat()}")
        if licence.valid_until and today >= licence.valid_until:
            problems.append(f"expired on {licence.valid_until.isoformat()}")
        if not recognised and not any(covers(scope, context.jurisdiction) for scope in licence.jurisdictions):
            problems.append(
                f"jurisdiction {context.jurisdiction} is outside {list(licence.jurisdictions)}, "
                "and no agreement there recognises it"
            )
        if licence.sectors and context.sector not in licence.sectors:
            problems.append(f"sector {context.sector} is outside {sorted(licence.sectors)}")
        if licence.classes and context.capability_class not in licence.classes:
            problems.append(
                f"capability class {context.capability_class} is outside {sorted(licence.classes)}"
            )
        if licence.max_users is not None and context.users is not None and context.users > licence.max_users:
            problems.append(f"{context.users} users exceed the licensed {licence.max_users}")
        stage = licence.rollout
        if stage is not None:
            if context.subject_key is None:
                problems.append(f"the licence is in rollout stage {stage.name}: give a subject key")
            elif not included(stage.group, context.subject_key, stage.percentage):
                problems.append(
                    f"the subject is outside rollout stage {stage.name} ({stage.percentage}% of subjects)"
                )
            if stage.max_users is not None and context.users is not None and context.users > stage.max_users:
                problems.append(f"{context.users} users exceed stage {stage.name}'s {stage.max_users}")
            if stage.sectors and context.sector not in stage.sectors:
                problems.append(f"sector {context.sector} is outside stage {stage.name}")
            if stage.classes and context.capability_class not in stage.classes:
                problems.append(f"capability class {context.capability_class} is outside stage {stage.name}")
        return problems


def _stage(licence_id: str, rollout: dict[str, Any] | None) -> _Stage | None:
    if rollout is None:
        return None
    plan = json.loads(rollout["plan"])
    stage = plan["stages"][rollout["stage"]]
    return _Stage(
        stage["name"],
        plan.get("group") or licence_id,
        stage["percentage"],
        stage.get("max_users"),
        frozenset(stage.get("sectors") or ()),
        frozenset(stage.get("capability_classes") or ()),
    )
