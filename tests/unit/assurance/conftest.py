"""The parties' installation (tests.unit.registry.world), for the tests here that take it."""

from tests.unit.registry.world import installed, store, world  # noqa: F401
