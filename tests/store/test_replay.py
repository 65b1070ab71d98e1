from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from custos.access.model import OPERATOR_ID, Principal, Role
from custos.access.service import AccessService
from custos.core import Conflict, IntegrityFailure
from custos.registry.model import OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import Store, ledger_sql
from custos.store._tables import VIEW_TABLES, filings

OPERATOR = Principal(OPERATOR_ID, "operator", Role.SUPERVISOR, None, "EU")


def views_of(store: Store) -> dict[str, list[dict[str, object]]]:
    with store.read() as conn:
        return {
            t.name: [dict(r) for r in conn.execute(select(t).order_by(*t.primary_key)).mappings()]
            for t in VIEW_TABLES
        }


@pytest.fixture
def populated(store: Store) -> Store:
    access, registry = AccessService(store), RegistryService(store)
    for name, code in (("Authority", "EU"), ("Provider SA", "FR"), ("Bank AG", "DE")):
        org = registry.register_organisation(
            OrganisationRegistered.model_validate(
                {"name": name, "jurisdiction": code, "kinds": ["deployer"]}
            ),
            by=OPERATOR,
        )
        access.add_actor(f"{name} officer", Role.PROVIDER, org.id, by=OPERATOR)
    return store


def test_replay_rebuilds_identical_views(populated: Store) -> None:
    before = views_of(populated)
    assert sum(len(rows) for rows in before.values()) == 9  # 3 organisations, their kinds, 3 actors
    assert populated.replay() == 6
    assert views_of(populated) == before


def test_replay_refuses_a_filing_the_log_does_not_vouch_for(populated: Store) -> None:
    before = views_of(populated)
    with populated.transaction() as uow:
        filing_id, document = uow.conn.execute(select(filings.c.id, filings.c.document).limit(1)).one()
        data = json.loads(document)
        data["content"]["name"] = "Someone Else"
        uow.conn.execute(update(filings).where(filings.c.id == filing_id).values(document=json.dumps(data)))
    with pytest.raises(IntegrityFailure, match=filing_id):
        populated.replay()
    assert views_of(populated) == before
    with pytest.raises(IntegrityFailure, match=filing_id):
        populated.verify()


def test_a_refused_filing_changes_neither_log_nor_views(populated: Store) -> None:
    with populated.read() as conn:
        size = ledger_sql.tree_size(conn)
    before = views_of(populated)
    with pytest.raises(Conflict, match="already registered"):
        RegistryService(populated).register_organisation(
            OrganisationRegistered.model_validate({"name": "Bank AG", "jurisdiction": "DE"}), by=OPERATOR
        )
    with populated.read() as conn:
        assert ledger_sql.tree_size(conn) == size
    assert views_of(populated) == before


def test_the_views_match_the_log_until_one_is_edited(populated: Store) -> None:
    from custos.store._tables import organisations

    clean = populated.verify_views()
    assert clean.rows == 9 and clean.differences == []
    with populated.transaction() as uow:
        row = uow.conn.execute(select(organisations.c.id, organisations.c.filing_id)).first()
        assert row is not None
        uow.conn.execute(update(organisations).where(organisations.c.id == row.id).values(country="XX"))
    before = views_of(populated)
    report = populated.verify_views()
    assert [(d.table, d.key, d.change, d.filing) for d in report.differences] == [
        ("organisations", (row.id,), "altered", row.filing_id)
    ]
    assert report.differences[0].columns["country"][0] == "XX"
    assert views_of(populated) == before  # checking changes nothing, not even the edited row
