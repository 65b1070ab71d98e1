"""Notices on the wire: what a receiver accepts, and that nothing altered ever passes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custos.core.clock import FixedClock
from custos.federation.checks import PeerTerms, Reason, Refused, check_notice
from custos.federation.model import PeerScope
from custos.federation.notices import NOTICE_HEADER, notice_note, open_note, shown_to_peer
from custos.filings import Filing, FilingKind, Visibility
from custos.ledger import Checkpoint, LogReader, MemoryTiles, NoteError, Signer, leaf_hash
from custos.licensing.model import KINDS, Transition
from tests.conftest import TEST_NOW

SENDER = Signer.generate("a.example/log")
RECEIVER = "b.example/log"
SUSPENDED: FilingKind = KINDS[Transition.SUSPEND]


def filing(reason: str = "unsafe", visibility: dict[str, Visibility] | None = None) -> Filing:
    return Filing.create(
        kind=SUSPENDED,
        content={"reason": reason},
        actor="a-supervisor",
        organisation="authority",
        jurisdiction_code="EU",
        subject="licence-1",
        clock=FixedClock(TEST_NOW),
        visibility=visibility,
    )


def logged(sent: Filing, before: int = 5) -> tuple[MemoryTiles, int]:
    tiles = MemoryTiles()
    tiles.append([leaf_hash(i.to_bytes(2, "big")) for i in range(before)])
    tiles.append([leaf_hash(sent.ledger_entry())])
    tiles.append([leaf_hash(b"after")])
    return tiles, before


def notice(sent: Filing, fields: tuple[str, ...] = ()) -> tuple[str, PeerTerms]:
    tiles, index = logged(sent)
    reader = LogReader(tiles)
    root = reader.root(tiles.size)
    text = notice_note(
        SENDER,
        to=RECEIVER,
        notice_id="n1",
        view=shown_to_peer(sent, fields),
        index=index,
        proof=reader.inclusion_proof(index, tiles.size),
        checkpoint=Checkpoint(SENDER.name, tiles.size, root).sign(SENDER),
    )
    terms = PeerTerms(
        "peer", SENDER.name, SENDER.verifier, PeerScope(kinds=("licence.suspended",)), tiles.size, root
    )
    return text, terms


def check(text: str, terms: PeerTerms) -> None:
    check_notice(text, open_note(text, NOTICE_HEADER), terms, RECEIVER)


def test_an_honest_notice_passes_every_check() -> None:
    text, terms = notice(filing())
    checked = check_notice(text, open_note(text, NOTICE_HEADER), terms, RECEIVER)
    assert checked.body.filing.content() == {"reason": "unsafe", "automatic": False}
    assert checked.tree_size == 7


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_no_alteration_of_a_notice_passes(data: st.DataObject) -> None:
    text, terms = notice(filing())
    position = data.draw(st.integers(min_value=0, max_value=len(text) - 1))
    replacement = data.draw(st.characters(codec="utf-8").filter(lambda c: c != text[position]))
    altered = text[:position] + replacement + text[position + 1 :]
    with pytest.raises((Refused, NoteError)):
        check(altered, terms)


def test_a_confidential_field_travels_only_when_granted() -> None:
    secret = filing(visibility={"reason": Visibility.SUPERVISORS})
    withheld, terms = notice(secret)
    check(withheld, terms)  # the digest alone: within any scope
    assert "unsafe" not in withheld
    shown, _ = notice(secret, fields=("reason",))
    with pytest.raises(Refused) as refused:
        check(shown, terms)  # the receiver granted no confidential field
    assert refused.value.reason is Reason.OUT_OF_SCOPE and "reason" in refused.value.detail
    granted = PeerTerms(
        **{**terms.__dict__, "scope": PeerScope(kinds=("licence.suspended",), fields=("reason",))}
    )
    check(shown, granted)


def test_a_notice_against_a_checkpoint_other_than_the_one_cosigned_waits() -> None:
    text, terms = notice(filing())
    earlier = PeerTerms(**{**terms.__dict__, "head_size": 6})
    with pytest.raises(Refused) as refused:
        check(text, earlier)
    assert refused.value.reason is Reason.UNWITNESSED and refused.value.reason.transient


def test_a_scope_grants_only_fields_its_kinds_carry() -> None:
    from pydantic import ValidationError

    assert PeerScope(kinds=("incident.reported",), fields=("summary",)).fields == ("summary",)
    with pytest.raises(ValidationError, match=r"no licence\.suspended filing has a field summary"):
        PeerScope(kinds=("licence.suspended",), fields=("summary",))
    with pytest.raises(ValidationError, match=r"not shareable with a peer: model\.registered"):
        PeerScope(kinds=("model.registered",))
