"""``custos.risk``'s surface: every name it lists is there, from the engine or the adapters, and
importing the package loads none of them until one is used."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import custos.risk
from custos.risk.adapters.service import RiskService
from custos.risk.engine.stress_test import run_stress_test


@pytest.mark.parametrize("name", custos.risk.__all__)
def test_every_listed_name_is_there(name: str) -> None:
    value = getattr(custos.risk, name)
    assert name in dir(custos.risk)
    if inspect.isclass(value) or inspect.isfunction(value):
        homes = ("custos.risk.engine.", "custos.risk.adapters.", "custos.risk.filings")
        assert value.__module__.startswith(homes), value.__module__
        assert value.__name__ == name


def test_the_names_are_the_modules_own_objects() -> None:
    assert custos.risk.RiskService is RiskService
    assert custos.risk.run_stress_test is run_stress_test


def test_a_name_the_surface_does_not_list_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'render_report'"):
        _ = custos.risk.render_report


def test_importing_the_package_loads_neither_the_engine_nor_the_adapters() -> None:
    script = "import sys, custos.risk\nprint('\\n'.join(sys.modules))\n"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    loaded = set(done.stdout.split())
    assert "custos.risk" in loaded
    assert not {"numpy", "custos.risk.engine", "custos.risk.adapters", "custos.store"} & loaded
