"""docs/policy.md's table of built-in rules says what the packs say: a row per rule and obligation,
with the articles, the subject, the start and the clock. A pack changed without its row fails here,
and the message gives the row to paste."""

from __future__ import annotations

from pathlib import Path

from custos.policy.pack import Deadline, Pack, builtin_packs

DOCUMENT = Path(__file__).parents[3] / "docs" / "policy.md"

STARTS = {
    "trigger": "when the rule holds",
    "release_date": "placing on the market",
    "start_date": "the deployment's start",
    "planned_known_on": "when the planned compute became known",
}


def _value(value: bool | str | tuple[str, ...]) -> str:
    """A value an event must have; a list, any of its values."""
    return " or ".join(value) if isinstance(value, tuple) else str(value).lower()


def start(deadline: Deadline) -> str:
    if deadline.on_event:
        term = f" meeting {deadline.event_is}" if deadline.event_is else ""
        when = "".join(f" with {name}: {_value(value)}" for name, value in deadline.event_when.items())
        since = f", from its {' or '.join(deadline.event_from)}" if deadline.event_from else ""
        return f"each `{deadline.on_event}`{term}{when}{since}"
    text = STARTS[deadline.start]
    return f"{text}, not before {deadline.not_before.isoformat()}" if deadline.not_before else text


def clock(deadline: Deadline) -> str:
    text = "at once" if deadline.within == 0 else f"{deadline.within} {deadline.unit.replace('_', ' ')}"
    if deadline.on_event and deadline.within == 0:
        text = "without undue delay"
    return f"{text}, then {deadline.recurring}" if deadline.recurring else text


def rows(pack: Pack) -> list[str]:
    found = []
    for compiled in pack.rules:
        rule = compiled.rule
        for obligation_id in rule.obligations:
            spec = pack.obligation(obligation_id)
            deadline = spec.deadline
            found.append(
                f"| `{pack.document.id}` | `{rule.id}` ({rule.cite.article}) | {rule.subject.value} "
                f"| `{obligation_id}` ({spec.cite.article}) | {start(deadline)} | {clock(deadline)} |"
            )
    return found


def test_every_built_in_rule_and_obligation_has_its_row() -> None:
    documented = DOCUMENT.read_text(encoding="utf-8")
    missing = [row for pack in builtin_packs() for row in rows(pack) if row not in documented]
    assert not missing, "add or correct these rows in docs/policy.md:\n" + "\n".join(missing)
