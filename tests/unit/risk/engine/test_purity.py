"""The engine is pure: its modules import only the standard library, ``custos.core``, each other,
numpy, scipy, numba and pydantic, and loading all of them loads nothing that touches files, the
store, a cluster or a renderer."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import custos.risk.engine

ENGINE = Path(custos.risk.engine.__file__).parent
MODULES = sorted(ENGINE.rglob("*.py"))
LIBRARIES = {"numpy", "scipy", "numba", "pydantic"}
#: ``custos.core`` is allowed, but not the YAML reader it holds: scenarios are read by an adapter.
NOT_FROM_CORE = ("custos.core.yaml_lines",)
#: What importing every engine module must not load (numba itself loads ``yaml`` for its config).
NEVER_LOADED = (
    "custos.risk.adapters",
    "custos.store",
    "custos.registry",
    "custos.filings",
    "custos.api",
    "custos.cli",
    "sqlalchemy",
    "distributed",
    "dask",
    "pyarrow",
    "vl_convert",
    "httpx",
    "fastapi",
)


def allowed(module: str) -> bool:
    root = module.partition(".")[0]
    if root in sys.stdlib_module_names or root in LIBRARIES:
        return True
    if module.startswith(NOT_FROM_CORE):
        return False
    return any(
        module == home or module.startswith(home + ".") for home in ("custos.core", "custos.risk.engine")
    )


def imports(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports, with its line, at the top or inside a function."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, "." * node.level + (node.module or "")))
    return found


ALLOWED = ("math", "numpy.typing", "scipy.sparse", "numba", "pydantic", "custos.core.errors",
           "custos.risk.engine.contagion.clearing")  # fmt: skip
REFUSED = ("custos.store", "custos.risk.adapters.runs", "custos.risk", "custos.core.yaml_lines",
           "pyarrow.parquet", "distributed", "yaml", "sqlalchemy", "vl_convert", ".network")  # fmt: skip


def test_the_rule_tells_allowed_imports_from_the_rest() -> None:
    assert [module for module in ALLOWED if not allowed(module)] == []
    assert [module for module in REFUSED if allowed(module)] == []


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(ENGINE)))
def test_every_engine_module_imports_only_what_the_engine_may(path: Path) -> None:
    assert not [(line, module) for line, module in imports(path) if not allowed(module)]


def test_loading_the_whole_engine_loads_no_adapter_and_no_io_library() -> None:
    names = [
        ".".join(("custos", "risk", "engine", *path.relative_to(ENGINE).with_suffix("").parts)).removesuffix(
            ".__init__"
        )
        for path in MODULES
    ]
    script = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "print('\\n'.join(sys.modules))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    modules = set(loaded.stdout.split())
    assert "custos.risk.engine.stress_test" in modules
    assert not sorted(m for m in modules if m.startswith(NEVER_LOADED))
