"""Running clocks: a standing duty (``on_event``) becomes a dated obligation each time its event
is filed.

A frontier model's provider owes, standing, a report of each critical safety incident within 15
days of discovering it (Bus. & Prof. Code § 22757.13(c)(1)). The standing obligation has no due
date; an incident report about the model starts its clock: an occurrence of the obligation,
keyed ``<key>#<event filing id>``, due the pack's period after the moment the event names (the
discovery, else the occurrence) or, when it names none, after the event's filing. Where the event
is itself the report the duty asks for, it discharges the occurrence at once, late or on time as
the dates say; otherwise the occurrence waits for its evidence like any obligation.

Occurrences are never reconciled with the rules: the incident happened while the duty stood, and
its report stays owed if the model later falls below the threshold.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from custos.core.clock import Clock
from custos.filings import Filing
from custos.policy.deadlines import EVENT_START, counting_of, due_at
from custos.policy.model import OBLIGATION_ATTACHED, OCCURRENCE, key_parts
from custos.policy.pack import Deadline, Pack, event_meets
from custos.policy.reconcile import ENGINE, about_obligation
from custos.store import Connection
from custos.store import policy_views as pv


def start_clocks(
    conn: Connection, events: Sequence[Filing], packs: Sequence[Pack], clock: Clock
) -> list[Filing]:
    """The occurrences these filings start: one per open standing obligation of the filing's
    subject (and of every model and deployment it names) that waits for the filing's kind, when
    the event meets the deadline's conditions (``event_when``, ``event_is``)."""
    awaited = {spec.deadline.on_event for pack in packs for spec in pack.document.obligations.values()}
    kinds = {event.kind for event in events} & awaited
    if not kinds:  # no standing duty waits for these kinds: read nothing (the common case)
        return []
    by_pack = {pack.document.id: pack for pack in packs}
    waiting = [
        (row, record)
        for row in pv.open_obligations(conn, sorted({s for event in events for s in _subjects(event)}))
        if (record := json.loads(row["record"])).get("standing_event") in kinds
    ]
    filings = []
    for event in events:
        for row, record in waiting:
            if row["subject_id"] not in _subjects(event) or record["standing_event"] != event.kind:
                continue
            pack_id, _, obligation_id = key_parts(row["key"])
            pack = by_pack.get(pack_id)
            if pack is None or obligation_id not in pack.document.obligations:
                continue
            deadline = pack.obligation(obligation_id).deadline
            if not _meets(event, pack, deadline):
                continue
            if _before_application(event, pack, deadline):
                continue
            filings.append(_occurrence(row, record, event, pack, deadline, clock))
    return filings


def _meets(event: Filing, pack: Pack, deadline: Deadline) -> bool:
    """Whether the event is one the deadline waits for: it has the values of ``event_when`` and,
    when the deadline names a defined term (``event_is``), meets one of the term's points."""
    if not event_meets(event.content, deadline.event_when):
        return False
    if deadline.event_is is None:
        return True
    term = pack.document.incidents[deadline.event_is]
    return bool(term.points_met(event.content.get("facts") or []))


def _before_application(event: Filing, pack: Pack, deadline: Deadline) -> bool:
    """Whether the event came before the duty applied (its ``not_before``), in the authority's
    calendar: such an event starts no clock."""
    if deadline.not_before is None:
        return False
    zone = counting_of(pack.document.jurisdiction, pack.document.counting_rule).zone
    return _event_start(event, deadline.event_from, zone)[0].astimezone(zone).date() < deadline.not_before


#: Fields of an event naming further subjects whose standing duties it concerns: an incident
#: report names every model and deployment involved (earlier reports, one deployment).
NAMED_SUBJECTS = ("model_ids", "deployment_ids", "deployment_id")


def _subjects(event: Filing) -> set[str]:
    """Whose standing duties an event concerns: its subject, and every model and deployment it
    names (an incident about two models, in their deployments, concerns each model's provider
    and each deployment's deployer)."""
    subjects = {event.subject}
    for field in NAMED_SUBJECTS:
        named = event.content.get(field)
        if isinstance(named, str):
            subjects.add(named)
        elif isinstance(named, list):
            subjects.update(value for value in named if isinstance(value, str))
    return subjects


def _occurrence(
    row: Mapping[str, Any],
    record: Mapping[str, Any],
    event: Filing,
    pack: Pack,
    deadline: Deadline,
    clock: Clock,
) -> Filing:
    document = pack.document
    zone = counting_of(document.jurisdiction, document.counting_rule).zone
    start, source = _event_start(event, deadline.event_from, zone)
    due = (
        None
        if deadline.undue_delay  # no period: the report is owed at once, and late only by judgement
        else due_at(
            deadline.model_copy(update={"on_event": None}),
            start,
            document.jurisdiction,
            document.counting_rule,
        )
    )
    occurrence = {
        **record,
        "key": f"{row['key']}{OCCURRENCE}{event.id}",
        "standing_event": None,
        "due_at": due.isoformat() if due else None,
        "starts_at": start.isoformat(),
        "starts_from": source,
        "legal_due_at": due.isoformat() if due else None,
        "attached_at": clock.now().isoformat(),
        "trigger": event.id,
        "occurrence_of": row["key"],
        "event": event.kind,
    }
    return about_obligation(ENGINE, OBLIGATION_ATTACHED, occurrence, row, clock)


def _event_start(event: Filing, fields: Sequence[str], zone: tzinfo = UTC) -> tuple[datetime, str]:
    """The moment the clock runs from: the first of ``fields`` the event gives, else its filing.
    A day without a time (the day a modification was made) starts at its midnight in ``zone``,
    the authority's, so it is that day which the count excludes."""
    for field in fields:
        value = event.content.get(field)
        if value:
            moment = datetime.fromisoformat(value)
            return (moment if moment.tzinfo else moment.replace(tzinfo=zone)), f"{EVENT_START}{field}"
    return event.filed_at, "trigger"
