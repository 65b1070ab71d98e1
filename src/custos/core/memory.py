"""Memory management for bulk work."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while bulk work builds millions of acyclic
    objects (facts, outcomes). The collector would rescan them again and again as they
    accumulate, about a third of a whole-registry evaluation's time. Reference counting still
    frees whatever is dropped, and collection resumes afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
