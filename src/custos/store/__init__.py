"""The store: SQLAlchemy engines, Alembic migrations, the unit of work, verification and replay.

Only this package talks SQL, and only its unit of work writes views.
"""

from custos.store import (  # registers the projections
    licensing_views,
    migrate,
    policy_views,
    registry_views,
    views,
)
from custos.store.store import Store, initialise_installation
from custos.store.unit_of_work import UnitOfWork, after_filing, projects

__all__ = [
    "Store",
    "UnitOfWork",
    "after_filing",
    "initialise_installation",
    "licensing_views",
    "migrate",
    "policy_views",
    "projects",
    "registry_views",
    "views",
]
