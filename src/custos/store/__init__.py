"""The store: SQLAlchemy engines, Alembic migrations, the unit of work, verification and replay.

Only this package talks SQL, and only its unit of work writes views.
"""

from custos.store import migrate, registry_views, views  # registers the projections
from custos.store.store import Store, initialise_installation
from custos.store.unit_of_work import UnitOfWork, projects

__all__ = ["Store", "UnitOfWork", "initialise_installation", "migrate", "projects", "registry_views", "views"]
