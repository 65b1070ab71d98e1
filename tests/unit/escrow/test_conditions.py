"""A licence condition asking for an escrow deposit holds while the deposit escrows the current
model version: the next passport version lapses it until a new deposit is filed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from custos.licensing.compliance import lapsed_conditions
from custos.licensing.model import LicenceApplication, LicenceStep, Transition
from custos.licensing.service import LicensingService
from custos.store import Store
from custos.store import licensing_views as lv
from tests.unit.escrow.escrowed import Escrow, escrow, file_passport
from tests.unit.registry.world import Parties, installed, store, world  # noqa: F401

ESCROWED = {
    "id": "weights-in-escrow",
    "description": "The current model version's weights are in custodial escrow",
    "evidence": "escrow.deposited",
    "freshness": {"renewed_by": ["passport.filed"]},
}


@pytest.fixture
def kept(installed: tuple[Store, Parties], tmp_path: Path) -> Iterator[Escrow]:  # noqa: F811
    yield escrow(*installed, tmp_path)


def licensed(kept: Escrow) -> str:
    licensing = LicensingService(kept.store)
    parties = kept.parties
    applied = licensing.apply(
        LicenceApplication.model_validate(
            {"applicant_id": parties.provider, "model_id": parties.model, "scope": {"jurisdictions": ["EU"]}}
            | {"term_months": 12}
        ),
        by=parties.supervisor,
    )
    step = LicenceStep.model_validate({"conditions": [ESCROWED]})
    return licensing.decide(applied.id, Transition.GRANT, step, by=parties.supervisor).id


def why(kept: Escrow, licence_id: str) -> list[str]:
    with kept.store.read() as conn:
        row = lv.licence(conn, licence_id)
        assert row is not None
        return [c.why for c in lapsed_conditions(conn, row, kept.store.clock.now())]


def test_the_condition_holds_from_the_deposit_until_the_next_model_version(kept: Escrow) -> None:
    licence = licensed(kept)
    assert why(kept, licence) == ["no escrow.deposited filing is on file"]
    kept.file()
    assert why(kept, licence) == []
    file_passport(kept.store, kept.parties)
    (reason,) = why(kept, licence)
    assert reason.startswith("no escrow.deposited is on file since passport.filed")
    kept.file()
    assert why(kept, licence) == []
