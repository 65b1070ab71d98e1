"""An installation: what it is composed of, creating one, and opening its store.

Every domain package declares its contribution in one place; ``composition()`` composes them, in
the order the command line lists their commands. Nothing is wired by importing a package. The
contributions are imported when a store first needs them, so a command that only reads the log
pays for none of the domains' payload models.
"""

from __future__ import annotations

import functools

from custos.access.model import OPERATOR_ID, Principal, Role
from custos.core.clock import Clock
from custos.core.jurisdictions import jurisdiction
from custos.core.settings import Settings
from custos.store import Command, Composition, Contribution, Store, initialise_installation, ledger_sql

#: The installation's own part: the log, the database, serving, the demo, the overview and the pages.
INSTALLATION = Contribution(
    name="installation",
    routers=(
        "custos.api.transparency:router",
        "custos.api.ledger_routes:router",
        "custos.api.filings_routes:router",
        "custos.api.overview_routes:router",
        "custos.dashboard.routes:router",
    ),
    commands=(
        Command(
            "init",
            "custos.cli.serve_cmds:init",
            "Create the database, the log's signing key and an empty log, and register the authority.",
        ),
        Command(
            "serve",
            "custos.cli.serve_cmds:serve",
            "Serve the dashboard, the REST API and the transparency log.",
        ),
        Command(
            "demo",
            "custos.cli.demo_cmd:demo",
            "Set up the demonstration (once): Epoch AI's models, the policy packs, a synthetic financial "
            "world, a stress test; then serve the dashboard and the API.",
        ),
        Command(
            "db",
            "custos.cli.db_cmds:app",
            "The database: migrations, replay and checking the views against the log.",
        ),
        Command("ledger", "custos.cli.ledger_cmds:app", "The transparency log."),
    ),
)


@functools.cache
def composition() -> Composition:
    """Every contribution of an installation."""
    from custos.access.contribution import CONTRIBUTION as ACCESS
    from custos.assurance.contribution import CONTRIBUTION as ASSURANCE
    from custos.buffers.contribution import CONTRIBUTION as BUFFERS
    from custos.escrow.contribution import CONTRIBUTION as ESCROW
    from custos.federation.contribution import CONTRIBUTION as FEDERATION
    from custos.labor.contribution import CONTRIBUTION as LABOR
    from custos.licensing.contribution import CONTRIBUTION as LICENSING
    from custos.markets.contribution import CONTRIBUTION as MARKETS
    from custos.monitoring.contribution import CONTRIBUTION as MONITORING
    from custos.oversight.contribution import CONTRIBUTION as OVERSIGHT
    from custos.policy.contribution import CONTRIBUTION as POLICY
    from custos.pool.contribution import CONTRIBUTION as POOL
    from custos.provenance.contribution import CONTRIBUTION as PROVENANCE
    from custos.registry.contribution import CONTRIBUTION as REGISTRY
    from custos.risk.contribution import CONTRIBUTION as RISK

    return Composition(
        INSTALLATION,
        ACCESS,
        REGISTRY,
        POLICY,
        LICENSING,
        OVERSIGHT,
        RISK,
        ASSURANCE,
        FEDERATION,
        ESCROW,
        PROVENANCE,
        MARKETS,
        BUFFERS,
        POOL,
        MONITORING,
        LABOR,
    )


def open_store(settings: Settings, *, clock: Clock | None = None) -> Store:
    """Open an existing installation with every contribution (composed when first needed)."""
    return Store.open(settings, composition, clock=clock)


def create_installation(
    settings: Settings, *, origin: str, authority: str, jurisdiction_code: str, clock: Clock | None = None
) -> Store:
    """Initialise the store and log, register the supervisory authority, and sign a checkpoint.

    The authority is the first filing; the local operator acts for it from then on.
    """
    from custos.registry.model import OrganisationKind, OrganisationRegistered
    from custos.registry.service import RegistryService

    code = jurisdiction(jurisdiction_code).code
    store = initialise_installation(settings, origin, composition, clock=clock)
    try:
        founder = Principal(OPERATOR_ID, "operator", Role.SUPERVISOR, None, code)
        org = RegistryService(store).register_organisation(
            OrganisationRegistered(
                name=authority,
                jurisdiction=code,
                kinds=(OrganisationKind.SUPERVISORY_AUTHORITY,),
                jurisdictions=(code,),
            ),
            by=founder,
        )
        with store.transaction() as uow:
            ledger_sql.set_meta(uow.conn, "authority_id", org.id)
            ledger_sql.set_meta(uow.conn, "jurisdiction", code)
        store.publish_checkpoint()
    except BaseException:
        store.close()
        raise
    return store
