"""The store: SQLAlchemy engines, Alembic migrations, the unit of work, verification and replay.

Only this package talks SQL, and only its unit of work writes views. It runs exactly the
projections and hooks of the composition it is opened with (``store.composition``). Other
packages name a transaction as ``custos.store.Connection`` and never import SQLAlchemy.
"""

from sqlalchemy import Connection

from custos.store.composition import (
    AfterFiling,
    Command,
    Composition,
    CompositionError,
    Contribution,
    Hook,
    Projection,
)
from custos.store.store import Store, initialise_installation
from custos.store.unit_of_work import UnitOfWork

__all__ = [
    "AfterFiling",
    "Command",
    "Composition",
    "CompositionError",
    "Connection",
    "Contribution",
    "Hook",
    "Projection",
    "Store",
    "UnitOfWork",
    "initialise_installation",
]
