"""Networks from files: a YAML manifest naming CSV or Parquet tables, for analysts.

    name: Euro-area banks and their AI suppliers
    currency: EUR
    providers: providers.csv        # id, name
    models: models.csv              # id, name, developer
    hosting: hosting.csv            # model, provider, share, failover
    deployments: deployments.csv    # id, name, institution, model, exposure, fallback_model, host
    institutions: institutions.csv  # id, name, sector, external_assets, external_liabilities
    liabilities: liabilities.csv    # debtor, creditor, amount (what the debtor owes the creditor)
    holdings: holdings.csv          # institution, asset_class, amount (part of its external assets)

Every table is optional; a missing optional column takes its default. Tables are read with Arrow,
so a million-row table loads in a second or so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field

from custos.core.errors import InvalidInput
from custos.core.yaml_lines import load_model
from custos.risk.engine.network import Network
from custos.risk.engine.network_build import Columns, assemble

MANIFEST = "manifest.yaml"

#: Each table's columns: (name, required).
TABLES: dict[str, tuple[tuple[str, bool], ...]] = {
    "providers": (("id", True), ("name", False)),
    "models": (("id", True), ("name", False), ("developer", False)),
    "hosting": (("model", True), ("provider", True), ("share", False), ("failover", False)),
    "deployments": (
        ("id", True),
        ("name", False),
        ("institution", False),
        ("model", True),
        ("exposure", True),
        ("fallback_model", False),
        ("host", False),
    ),
    "institutions": (
        ("id", True),
        ("name", False),
        ("sector", False),
        ("external_assets", True),
        ("external_liabilities", False),
    ),
    "liabilities": (("debtor", True), ("creditor", True), ("amount", True)),
    "holdings": (("institution", True), ("asset_class", True), ("amount", True)),
}
TEXT = {
    "id",
    "name",
    "developer",
    "model",
    "provider",
    "institution",
    "fallback_model",
    "host",
    "sector",
    "debtor",
    "creditor",
    "asset_class",
}


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    currency: str = Field("EUR", pattern=r"^[A-Z]{3}$")
    providers: str | None = None
    models: str | None = None
    hosting: str | None = None
    deployments: str | None = None
    institutions: str | None = None
    liabilities: str | None = None
    holdings: str | None = None


def _read(path: Path, table: str) -> pa.Table:
    if not path.is_file():
        raise InvalidInput(
            "a table the manifest names is missing", evidence={"table": table, "file": str(path)}
        )
    text_columns = {name: pa.string() for name, _ in TABLES[table] if name in TEXT}
    try:
        if path.suffix == ".parquet":
            return pq.read_table(path)
        options = pa_csv.ConvertOptions(column_types=text_columns, strings_can_be_null=True)
        return pa_csv.read_csv(path, convert_options=options)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InvalidInput(
            "a table cannot be read", evidence={"file": str(path), "reason": str(exc)}
        ) from exc


def _numbers(values: list[Any], file: Path, column: str) -> np.ndarray:
    """A numeric column, or the first cell that is not a number, named by file, row and column."""
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        for row, value in enumerate(values):
            try:
                float(value)
            except (TypeError, ValueError):
                raise InvalidInput(
                    "not a number",
                    evidence={"entry": f"{file.name} row {row + 1}", "column": column, "value": value},
                ) from None
        raise


def _columns(table: pa.Table, name: str, file: Path) -> dict[str, Any]:
    present = set(table.column_names)
    out: dict[str, Any] = {}
    for column, required in TABLES[name]:
        if column not in present:
            if required:
                raise InvalidInput(
                    "a table lacks a required column", evidence={"file": str(file), "column": column}
                )
            continue
        values = table.column(column)
        if column in TEXT:
            out[column] = [None if v is None else str(v) for v in values.to_pylist()]
        else:
            array = _numbers(values.to_pylist(), file, column)
            if np.isnan(array).any():
                row = int(np.flatnonzero(np.isnan(array))[0])
                raise InvalidInput(
                    "a number is missing or not a number",
                    evidence={"entry": f"{file.name} row {row + 1}", "column": column},
                )
            out[column] = array
    return out


def _inside(directory: Path, name: str) -> Path:
    """The table file ``name`` of the manifest, which must lie in the network's own folder.

    A manifest is input like any other: naming ``/etc/passwd`` or ``../..`` must not make the
    server read (and echo in its error) a file outside the network.
    """
    root = directory.resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root) or path == root:
        raise InvalidInput(
            "a manifest names its tables by files inside the network's folder", evidence={"entry": name}
        )
    return path


def load_network(directory: Path) -> Network:
    """Read ``directory/manifest.yaml`` and its tables into a validated network."""
    return assemble(read_columns(directory))


def read_columns(directory: Path) -> Columns:
    """The manifest's tables as columns, not yet resolved (the registry adapter may add layers)."""
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        raise InvalidInput(
            "a network directory holds a manifest.yaml", evidence={"directory": str(directory)}
        )
    manifest, _ = load_model(
        manifest_path.read_text(encoding="utf-8"), str(manifest_path), Manifest, InvalidInput, "manifest"
    )
    tables: dict[str, dict[str, Any]] = {}
    for name in TABLES:
        file = getattr(manifest, name)
        if file is not None:
            path = _inside(directory, file)
            tables[name] = _columns(_read(path, name), name, path)
        else:
            tables[name] = {}
    providers, models, hosting = tables["providers"], tables["models"], tables["hosting"]
    deployments, institutions, liabilities = (
        tables["deployments"],
        tables["institutions"],
        tables["liabilities"],
    )
    return Columns(
        name=manifest.name,
        currency=manifest.currency,
        provider_ids=providers.get("id", ()),
        provider_names=providers.get("name", ()),
        model_ids=models.get("id", ()),
        model_names=models.get("name", ()),
        model_developers=[d or "" for d in models.get("developer", ())],
        hosting_model=hosting.get("model", ()),
        hosting_provider=hosting.get("provider", ()),
        hosting_share=hosting.get("share", ()),
        hosting_failover=hosting.get("failover", ()),
        deployment_ids=deployments.get("id", ()),
        deployment_names=deployments.get("name", ()),
        deployment_owner=[o or "" for o in deployments.get("institution", ())],
        deployment_model=deployments.get("model", ()),
        deployment_exposure=deployments.get("exposure", ()),
        deployment_fallback=deployments.get("fallback_model", ()),
        deployment_host=deployments.get("host", ()),
        institution_ids=institutions.get("id", ()),
        institution_names=institutions.get("name", ()),
        institution_sector=[s or "other" for s in institutions.get("sector", ())],
        external_assets=institutions.get("external_assets", ()),
        external_liabilities=institutions.get("external_liabilities", ()),
        liability_debtor=liabilities.get("debtor", ()),
        liability_creditor=liabilities.get("creditor", ()),
        liability_amount=liabilities.get("amount", ()),
        holding_institution=tables["holdings"].get("institution", ()),
        holding_class=[c or "" for c in tables["holdings"].get("asset_class", ())],
        holding_amount=tables["holdings"].get("amount", ()),
        has_holdings=manifest.holdings is not None,
    )
