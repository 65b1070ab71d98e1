"""Adapters of the labour instrument: what it reads from outside its pure computations (the
registry), kept apart so the computations import no store."""
