"""Creating an installation: the store and its log, then the authority that runs it."""

from __future__ import annotations

import custos.policy  # noqa: F401  (every write path runs the policy engine's re-evaluation)
from custos.access.model import OPERATOR_ID, Principal, Role
from custos.core.clock import Clock
from custos.core.jurisdictions import jurisdiction
from custos.core.settings import Settings
from custos.registry.model import OrganisationKind
from custos.registry.service import RegistryService
from custos.store import Store, initialise_installation, ledger_sql


def create_installation(
    settings: Settings, *, origin: str, authority: str, jurisdiction_code: str, clock: Clock | None = None
) -> Store:
    """Initialise the store and log, register the supervisory authority, and sign a checkpoint.

    The authority is the first filing; the local operator acts for it from then on.
    """
    code = jurisdiction(jurisdiction_code).code
    store = initialise_installation(settings, origin, clock=clock)
    try:
        founder = Principal(OPERATOR_ID, "operator", Role.SUPERVISOR, None, code)
        org = RegistryService(store).register_organisation(
            {
                "name": authority,
                "jurisdiction": code,
                "kinds": [OrganisationKind.SUPERVISORY_AUTHORITY],
                "jurisdictions": [code],
            },
            by=founder,
        )
        with store.transaction() as uow:
            ledger_sql.set_meta(uow.conn, "authority_id", org["id"])
            ledger_sql.set_meta(uow.conn, "jurisdiction", code)
        store.publish_checkpoint()
    except BaseException:
        store.close()
        raise
    return store
