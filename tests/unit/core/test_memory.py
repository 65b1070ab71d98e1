"""Pausing the cyclic collector for bulk work restores it as it was, even on failure."""

from __future__ import annotations

import gc

import pytest

from custos.core.memory import collection_paused


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_paused_inside_and_restored_after(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        with pytest.raises(RuntimeError), collection_paused():
            assert not gc.isenabled()
            raise RuntimeError("bulk work failed")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
