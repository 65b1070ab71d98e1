"""The policy engine's service: load packs, evaluate, list and explain obligations, what-if,
waive and discharge. Every change is a filing; evaluation files only differences."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

from custos.access.filer import file_as
from custos.access.model import OPERATOR_ID, Principal
from custos.core.clock import stored_utc
from custos.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from custos.core.memory import collection_paused
from custos.filings import Filing, FilingKind, Visibility
from custos.policy.deadlines import counted_from, explain_due, undone
from custos.policy.engine import PolicyEngine, active_packs, closing_filing, subjects_of
from custos.policy.evaluate import Evaluator, distances
from custos.policy.facts import FACTS
from custos.policy.lint import evidence, lint
from custos.policy.model import (
    OBLIGATION_DISCHARGED,
    OBLIGATION_WAIVED,
    PACK_LOADED,
    PackLoaded,
    RecognisedFrom,
    key_parts,
)
from custos.policy.pack import Deadline, Pack, load_pack
from custos.policy.requests import WhatIf
from custos.policy.subjects import Subject
from custos.policy.views import (
    EvaluationSummary,
    ObligationExplanation,
    ObligationPage,
    ObligationView,
    PackLint,
    PackLoad,
    PackVersion,
    WhatIfAnswer,
)
from custos.store import Connection, Store
from custos.store import policy_views as pv
from custos.store import registry_views as rv
from custos.store.policy_views import ObligationQuery


def _counts(filings: Iterable[Filing]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for filing in filings:
        counts[filing.kind] = counts.get(filing.kind, 0) + 1
    return counts


class PolicyService:
    def __init__(self, store: Store) -> None:
        self.store = store

    # --- packs ---------------------------------------------------------------------------

    def load(
        self, text: str, *, origin: str, by: Principal, recognised_from: RecognisedFrom | None = None
    ) -> PackLoad:
        """Activate a pack version and file the obligations it adds, removes or changes.

        A pack that does not load is refused before anything is stored; the registry keeps
        the version it had. ``recognised_from`` records a version taken over from a peer.
        """
        if not by.sees_everything:
            raise Forbidden("only supervisors load policy packs")
        pack = load_pack(text, origin)
        document = pack.document
        with self.store.transaction() as uow:
            for row in pv.pack_versions(uow.conn):
                if row["pack"] == document.id and row["version"] == document.version:
                    if row["text"] == text:
                        return PackLoad(pack=pack.key, loaded=False, reason="this version is already loaded")
                    raise Conflict(f"{pack.key} is already loaded with different text: give it a new version")
            uow.file(
                file_as(
                    by,
                    PACK_LOADED,
                    PackLoaded(
                        pack=document.id,
                        version=document.version,
                        title=document.title,
                        jurisdiction=document.jurisdiction,
                        text=text,
                        recognised_from=recognised_from,
                    ),
                    owner=by.organisation_id or OPERATOR_ID,
                    subject=document.id,
                    clock=self.store.clock,
                    jurisdiction=document.jurisdiction,
                )
            )
            filings = PolicyEngine(uow, self.store.clock).run(None).filings
        return PackLoad(pack=pack.key, loaded=True, filed=_counts(filings))

    def lint(self, text: str, *, origin: str) -> PackLint:
        """What a pack that loads contradicts in its own dates or in this installation's filing
        kinds (see :mod:`custos.policy.lint`); a pack that does not load is refused as by ``load``.
        Nothing is stored."""
        return lint(load_pack(text, origin), self._kinds())

    def _kinds(self) -> set[str]:
        return {kind.name for kind in self.store.composition.kinds()}

    def packs(self) -> list[PackVersion]:
        """Every loaded version of every pack, without its text (the filing that loaded it has it)."""
        with self.store.read() as conn:
            rows = pv.pack_versions(conn)
        return [PackVersion.model_validate({k: v for k, v in row.items() if k != "text"}) for row in rows]

    # --- evaluation ----------------------------------------------------------------------

    def evaluate(
        self, *, by: Principal, subject_ids: Sequence[str] | None = None, dry_run: bool = False
    ) -> EvaluationSummary:
        """Evaluate the active packs over some subjects (or the whole registry) and file the
        differences, or with ``dry_run`` only count them. Only the counts become a read model:
        the outcomes are tallied as the engine runs, never one object per obligation."""
        if not by.sees_everything:
            raise Forbidden("only supervisors run a bulk evaluation")
        tally: Counter[bool | None] = Counter()
        with self.store.transaction() as uow, collection_paused():
            run = PolicyEngine(uow, self.store.clock).run(
                subject_ids, tally=tally, dry_run=dry_run, must_exist=subject_ids is not None
            )
        return EvaluationSummary(
            subjects=run.subjects, applies=tally[True], unknown=tally[None], filed=_counts(run.filings)
        )

    # --- obligations ---------------------------------------------------------------------

    def obligations(
        self, who: Principal, query: ObligationQuery = ObligationQuery(), *, limit: int = 100, offset: int = 0
    ) -> list[ObligationView]:
        """Obligations the viewer may see, by due date (without subject names: see the page)."""
        now = self.store.clock.now()
        with self.store.read() as conn:
            rows = pv.list_obligations(
                conn,
                query,
                now,
                viewer_organisation=who.organisation_id,
                sees_everything=who.sees_everything,
                limit=limit,
                offset=offset,
            )
        return [ObligationView.model_validate(self._render(row, now)) for row in rows]

    def obligations_page(
        self, who: Principal, query: ObligationQuery = ObligationQuery(), *, limit: int = 100, offset: int = 0
    ) -> ObligationPage:
        """A page of obligations with how many match in all, the offset of the next page, and
        each subject's name where the viewer may read it."""
        now = self.store.clock.now()
        organisation, everything = who.organisation_id, who.sees_everything
        with self.store.read() as conn:
            rows = pv.list_obligations(
                conn,
                query,
                now,
                viewer_organisation=organisation,
                sees_everything=everything,
                limit=limit,
                offset=offset,
            )
            total = pv.count_obligations(
                conn, query, now, viewer_organisation=organisation, sees_everything=everything
            )
            names = rv.names_of(conn, sorted({row["subject_id"] for row in rows}))
        items = []
        for row in rows:
            item = self._render(row, now)
            name = names.get(row["subject_id"])
            shown = name is not None and who.can_see(Visibility(name["visibility"]), name["owner"])
            item["subject_name"] = name["name"] if shown and name is not None else None
            items.append(item)
        following = offset + len(rows)
        return ObligationPage.model_validate(
            {"items": items, "total": total, "next": following if following < total else None}
        )

    def _render(self, row: Mapping[str, Any], now: datetime) -> dict[str, Any]:
        record = json.loads(row["record"])
        due = stored_utc(row["due_at"]) if row["due_at"] else None
        status = "overdue" if row["status"] == "open" and due is not None and due < now else row["status"]
        return {
            "id": row["id"],
            "key": row["key"],
            "subject_id": row["subject_id"],
            "subject_kind": row["subject_kind"],
            "owner_id": row["owner_id"],
            "pack": row["pack"],
            "jurisdiction": record["jurisdiction"],
            "title": row["title"],
            "severity": row["severity"],
            "status": status,
            "due_at": due.isoformat() if due else None,
            "standing_event": record.get("standing_event"),
            "cite": record["cite"],
            "pack_version": record["pack_version"],
            "missing": record["explanation"].get("missing", []),
            "closed": json.loads(row["closed"]) if row["closed"] else None,
        }

    def _visible(self, who: Principal, row_id: str) -> dict[str, Any]:
        with self.store.read() as conn:
            row = pv.obligation(conn, row_id)
        if row is None or not (who.sees_everything or who.organisation_id == row["owner_id"]):
            raise NotFound(f"no obligation {row_id!r}")
        return row

    def explain(self, who: Principal, row_id: str) -> ObligationExplanation:
        """Why the obligation applies: the clause that held, the facts and their values as
        recorded, how far the subject is from each threshold now, how its due date was reached,
        and the evidence that discharges it (kinds this installation does not file are named as
        evidence to be filed)."""
        row = self._visible(who, row_id)
        record = json.loads(row["record"])
        pack_id, rule_id, obligation_id = key_parts(row["key"])
        current = None
        with self.store.read() as conn:
            packs = [p for p in active_packs(conn) if p.document.id == pack_id]
            subjects = subjects_of(conn, [row["subject_id"]])
            due = self._due(conn, row, record, packs[0], obligation_id, subjects) if packs else None
        if packs and subjects:
            subject = subjects[0]
            for outcome in Evaluator(packs).outcomes(subject.kind.value, subject.facts):
                if outcome.rule.rule.id == rule_id:
                    current = {**outcome.explanation(), "distance": distances(outcome)}
        return ObligationExplanation.model_validate(
            {
                "obligation": self._render(row, self.store.clock.now()),
                "explanation": record["explanation"],
                "now": current,
                "due": due,
                "evidence": evidence(record.get("discharged_by", []), self._kinds()),
            }
        )

    def _due(
        self,
        conn: Connection,
        row: Mapping[str, Any],
        record: Mapping[str, Any],
        pack: Pack,
        obligation_id: str,
        subjects: Sequence[Subject],
    ) -> dict[str, Any]:
        """The due date's explanation: where its clock started (a date of the subject, the
        triggering filing, the evaluation that attached it, or the previous period's due date),
        counted by the pack's rule, with its grace when the legal due date had passed as the
        obligation attached (the moment of the attaching filing, while the row still has it)."""
        deadline, document = pack.obligation(obligation_id).deadline, pack.document
        if record.get("occurrence_of"):  # a clock its event started: counted as a dated duty
            deadline = deadline.model_copy(update={"on_event": None})
        due = stored_utc(row["due_at"]) if row["due_at"] else None
        closed = json.loads(row["closed"]) if row["closed"] else {}
        explain = partial(
            explain_due,
            deadline,
            record["jurisdiction"],
            counting=document.counting_rule,
            grace=document.grace,
        )
        if closed.get("next_due_at") and row["status"] == "open":
            return explain(start=None, start_from="previous_due", due=due)
        if record.get("starts_at"):  # recorded as counted (every record since counting was kept)
            return explain(
                start=datetime.fromisoformat(record["starts_at"]),
                start_from=record["starts_from"],
                due=due,
                start_filing=record.get("trigger"),
                attached=datetime.fromisoformat(record["attached_at"]),
            )
        return self._due_reconstructed(conn, row, record, deadline, subjects, closed, due, explain)

    def _due_reconstructed(
        self,
        conn: Connection,
        row: Mapping[str, Any],
        record: Mapping[str, Any],
        deadline: Deadline,
        subjects: Sequence[Subject],
        closed: Mapping[str, Any],
        due: datetime | None,
        explain: Callable[..., dict[str, Any]],
    ) -> dict[str, Any]:
        """For an obligation recorded before its count was kept: where its clock started, worked
        out from the subject's dates, the triggering filing or the attaching evaluation."""
        attaching = None if closed else self.store.filing(conn, row["filing_id"])
        attached = attaching[0].filed_at if attaching else None
        dated = subjects[0].dates.get(deadline.start) if subjects and deadline.start != "trigger" else None
        if dated:
            midnight = datetime.combine(date.fromisoformat(dated), datetime.min.time(), UTC)
            return explain(start=midnight, start_from=deadline.start, due=due, attached=attached)
        if record.get("trigger"):
            source, start_from = record["trigger"], "trigger"
        elif closed:  # the row's filing is the closing one; the attaching evaluation's is not kept
            source, start_from = None, "evaluation"
        else:
            source, start_from = row["filing_id"], "evaluation"
        found = self.store.filing(conn, source) if source else None
        start = found[0].filed_at if found else None
        if due is not None and start_from == "evaluation":
            start = counted_from(deadline, due, start) if start else undone(deadline, due)
        return explain(start=start, start_from=start_from, due=due, start_filing=source, attached=attached)

    def whatif(self, who: Principal, supposition: WhatIf) -> WhatIfAnswer:
        """Which obligations would appear, lapse or become unknown if some facts changed."""
        subject_id, overrides = supposition.subject, supposition.facts
        with self.store.read() as conn:
            subjects = subjects_of(conn, [subject_id])
            if not subjects:
                raise NotFound(f"no organisation, model or deployment {subject_id!r}")
            subject = subjects[0]
            if not (who.sees_everything or who.organisation_id == subject.owner):
                raise NotFound(f"no organisation, model or deployment {subject_id!r}")
            packs = active_packs(conn)
        for name in overrides:
            if name not in FACTS or FACTS[name].subject is not subject.kind:
                raise InvalidInput(f"{name!r} is not a fact of a {subject.kind}")
        changed = {figure: {**facts, **overrides} for figure, facts in subject.facts.items()}
        before = {
            (o.pack.key, o.rule.rule.id): o
            for o in Evaluator(packs).outcomes(subject.kind.value, subject.facts)
        }
        after = Evaluator(packs).outcomes(subject.kind.value, changed)
        changes = []
        for outcome in after:
            previous = before[(outcome.pack.key, outcome.rule.rule.id)]
            entry = {
                "pack": outcome.pack.key,
                "rule": outcome.rule.rule.id,
                "title": outcome.rule.rule.title,
                "now": previous.value,
                "would_be": outcome.value,
                "obligations": list(outcome.rule.rule.obligations),
                "distance": distances(outcome),
            }
            if previous.value != outcome.value:
                changes.append(entry)
        rules = [
            {"pack": o.pack.key, "rule": o.rule.rule.id, "outcome": o.value, "distance": distances(o)}
            for o in after
        ]
        return WhatIfAnswer.model_validate(
            {"subject": subject_id, "overrides": overrides, "changes": changes, "rules": rules}
        )

    def waive(self, row_id: str, reason: str, *, by: Principal) -> ObligationView:
        """Waive an open or undetermined obligation; the reason goes on the record."""
        if not by.sees_everything:
            raise Forbidden("only supervisors waive obligations")
        if not reason.strip():
            raise InvalidInput("a waiver needs a reason")
        return self._close(row_id, OBLIGATION_WAIVED, {"reason": reason.strip()}, by)

    def discharge(self, row_id: str, evidence: str, *, by: Principal) -> ObligationView:
        """Record that a filing discharges an obligation (for evidence the engine does not
        recognise by itself)."""
        if not by.sees_everything:
            raise Forbidden("only supervisors record a discharge by hand")
        with self.store.read() as conn:
            if self.store.filing(conn, evidence) is None:
                raise NotFound(f"no filing {evidence!r} to serve as evidence")
        return self._close(
            row_id, OBLIGATION_DISCHARGED, {"reason": "discharged by evidence", "evidence": evidence}, by
        )

    def _close(self, row_id: str, kind: FilingKind, content: dict[str, Any], by: Principal) -> ObligationView:
        with self.store.transaction() as uow:
            row = pv.obligation(uow.conn, row_id)
            if row is None:
                raise NotFound(f"no obligation {row_id!r}")
            if row["status"] not in ("open", "undetermined"):
                raise Conflict(f"the obligation is {row['status']}, not open")
            uow.file(closing_filing(row, kind, content, by, self.store.clock))
            updated = pv.obligation(uow.conn, row_id)
        assert updated is not None
        return ObligationView.model_validate(self._render(updated, self.store.clock.now()))
