"""The recognition service's boundary: an agreement comes in as :class:`RecognitionAgreed` and
answers as :class:`RecognitionView`, in force until ended."""

from __future__ import annotations

import pytest

from custos.core import Conflict, Forbidden, InvalidInput
from custos.licensing.recognition import RecognitionAgreed
from custos.licensing.recognition_service import RecognitionService
from custos.licensing.views import RecognitionView
from custos.registry.model import Sector
from custos.store import Store
from tests.unit.registry.world import Parties


def test_an_agreement_answers_with_its_terms_until_it_ends(store: Store, world: Parties) -> None:
    recognitions = RecognitionService(store)
    terms = RecognitionAgreed(recognising="gb", recognised="US-CA", sectors=(Sector.FINANCE,))
    agreed = recognitions.agree(terms, by=world.supervisor)
    assert isinstance(agreed, RecognitionView)
    assert (agreed.status, agreed.recognising, agreed.recognised, agreed.sectors) == (
        "in force",
        "GB",
        "US-CA",
        (Sector.FINANCE,),
    )
    ended = recognitions.end(agreed.id, "terminated", by=world.supervisor)
    assert ended.status == "ended" and ended.filing_id != agreed.filing_id
    assert [view.id for view in recognitions.list()] == [agreed.id]
    with pytest.raises(Conflict, match="already ended"):
        recognitions.end(agreed.id, "again", by=world.supervisor)


def test_only_supervisors_agree_and_never_with_themselves(store: Store, world: Parties) -> None:
    recognitions = RecognitionService(store)
    with pytest.raises(Forbidden):
        recognitions.agree(RecognitionAgreed(recognising="GB", recognised="FR"), by=world.deployer_actor)
    with pytest.raises(InvalidInput, match="its own licences"):
        recognitions.agree(RecognitionAgreed(recognising="FR", recognised="FR"), by=world.supervisor)
