"""Assemble a :class:`Network` from columns of records, resolving references to indices.

Both adapters (files and registry) end here, so a reference to an unknown node is refused the
same way whatever the source, naming the table, the row and the value. References are resolved
with sorted-array searches rather than dictionaries so that ten million exposures assemble in
seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from custos.core.errors import InvalidInput
from custos.risk.engine.network import Layer, Network, validate

#: A column of numbers: a list from a small table, an array from a large one.
Numbers = Sequence[float] | np.ndarray


@dataclass
class Columns:
    """The network's tables as columns; optional tables may stay empty."""

    name: str
    currency: str
    provider_ids: Sequence[str] = ()
    provider_names: Sequence[str] = ()
    model_ids: Sequence[str] = ()
    model_names: Sequence[str] = ()
    model_developers: Sequence[str] = ()
    hosting_model: Sequence[str] = ()
    hosting_provider: Sequence[str] = ()
    hosting_share: Numbers = ()
    hosting_failover: Numbers = ()
    deployment_ids: Sequence[str] = ()
    deployment_names: Sequence[str] = ()
    deployment_owner: Sequence[str] = ()
    deployment_model: Sequence[str] = ()
    deployment_exposure: Numbers = ()
    deployment_fallback: Sequence[str | None] = ()
    deployment_host: Sequence[str | None] = ()  # its own host, when declared
    institution_ids: Sequence[str] = ()
    institution_names: Sequence[str] = ()
    institution_sector: Sequence[str] = ()
    external_assets: Numbers = ()
    external_liabilities: Numbers = ()
    liability_debtor: Sequence[str] = ()
    liability_creditor: Sequence[str] = ()
    liability_amount: Numbers = ()
    holding_institution: Sequence[str] = ()  # no rows and no table: the network has no holdings
    holding_class: Sequence[str] = ()
    holding_amount: Numbers = ()
    has_holdings: bool = False  # the source gave a holdings table, even an empty one
    notes: list[str] = field(default_factory=list)


def positions(layer: Layer, references: Sequence[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """Each reference's index in ``layer`` and whether it was found (``None`` and ``""`` never are)."""
    refs = np.asarray(["" if ref is None else str(ref) for ref in references], dtype=str)
    ids = np.asarray(layer.ids, dtype=str)
    if refs.size == 0 or ids.size == 0:
        return np.full(refs.size, -1, dtype=np.int64), np.zeros(refs.size, dtype=bool)
    order = np.argsort(ids, kind="stable")
    ordered = ids[order]
    at = np.minimum(np.searchsorted(ordered, refs), ids.size - 1)
    found = (ordered[at] == refs) & (refs != "")
    return np.where(found, order[at], -1).astype(np.int64), found


def resolve(
    layer: Layer, references: Sequence[str | None], table: str, column: str, *, optional: bool = False
) -> np.ndarray:
    """Indices of ``references`` in ``layer`` (-1 for an absent optional one); unknown ones are refused."""
    index, found = positions(layer, references)
    given = np.asarray([ref not in (None, "") for ref in references], dtype=bool)
    missing = np.flatnonzero(~found & (given | (not optional)))
    if missing.size:
        row = int(missing[0])
        raise InvalidInput(
            f"{table} names an unknown node in {column}",
            evidence={"entry": f"{table} row {row + 1}", "value": str(references[row])},
        )
    return index


def _layer(ids: Sequence[str], names: Sequence[str | None]) -> Layer:
    """A layer whose unnamed nodes go by their ids."""
    given = list(names) or [None] * len(ids)
    return Layer(
        tuple(str(node) for node in ids),
        tuple(name or str(node) for node, name in zip(ids, given, strict=True)),
    )


def _floats(values: Numbers, size: int, default: float, label: str) -> np.ndarray:
    if len(values) == 0:
        return np.full(size, default)
    array = np.asarray(values, dtype=np.float64)
    if array.size != size:
        raise InvalidInput(
            f"{label} has the wrong number of rows", evidence={"rows": array.size, "expected": size}
        )
    return array


def _check_fractions(
    share: np.ndarray,
    failover: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    models: Layer,
    providers: Layer,
) -> None:
    for label, values in (("hosting share", share), ("failover", failover)):
        bad = np.flatnonzero(~np.isfinite(values) | (values < 0) | (values > 1))
        if bad.size:
            raise InvalidInput(
                f"a {label} must lie between 0 and 1",
                evidence={"entry": f"hosting row {bad[0] + 1}", "value": float(values[bad[0]])},
            )
    pairs = rows * max(len(providers), 1) + cols
    unique, counts = np.unique(pairs, return_counts=True)
    if (counts > 1).any():
        twice = int(unique[np.argmax(counts > 1)])
        provider_count = max(len(providers), 1)
        raise InvalidInput(
            "a model is hosted on the same provider twice",
            evidence={
                "entry": f"{models.ids[twice // provider_count]} on {providers.ids[twice % provider_count]}"
            },
        )


def _own_hosts(providers: Layer, hosts: Sequence[str | None], deployments: int) -> sp.csr_array:
    """Deployments × providers: a one on each deployment's declared host (an empty row if none)."""
    if not len(hosts):
        return sp.csr_array((deployments, len(providers)))
    host = resolve(providers, hosts, "deployments", "host", optional=True)
    given = np.flatnonzero(host >= 0)
    return _matrix(given, host[given], np.ones(given.size), (deployments, len(providers)))


def _matrix(
    rows: np.ndarray, columns: np.ndarray, values: np.ndarray, shape: tuple[int, int]
) -> sp.csr_array:
    matrix = sp.coo_array((values, (rows, columns)), shape=shape).tocsr()
    matrix.sum_duplicates()
    return sp.csr_array(matrix)


def _holdings(columns: Columns, institutions: Layer) -> tuple[tuple[str, ...], np.ndarray | None]:
    """The asset classes (sorted) and each institution's holding of each; rows for the same pair
    add up. None when the source has no holdings table."""
    if not columns.has_holdings:
        return (), None
    owner = resolve(institutions, columns.holding_institution, "holdings", "institution")
    names = [str(name) for name in columns.holding_class]
    empty = [row for row, name in enumerate(names) if not name]
    if empty:
        raise InvalidInput(
            "holdings name an asset class in every row", evidence={"entry": f"holdings row {empty[0] + 1}"}
        )
    classes = tuple(sorted(set(names)))
    index = {name: k for k, name in enumerate(classes)}
    amounts = _floats(columns.holding_amount, owner.size, 0.0, "holdings amount")
    negative = np.flatnonzero(~np.isfinite(amounts) | (amounts < 0))
    if negative.size:
        raise InvalidInput(
            "a holding must be finite and not negative",
            evidence={"entry": f"holdings row {negative[0] + 1}", "value": float(amounts[negative[0]])},
        )
    held = np.zeros((len(institutions), len(classes)))
    np.add.at(held, (owner, np.asarray([index[name] for name in names], dtype=np.int64)), amounts)
    return classes, held


def assemble(columns: Columns) -> Network:
    """Resolve every reference, build the sparse matrices, and validate the result."""
    providers = Layer(tuple(columns.provider_ids), tuple(columns.provider_names or columns.provider_ids))
    models = Layer(tuple(columns.model_ids), tuple(columns.model_names or columns.model_ids))
    deployments = Layer(
        tuple(columns.deployment_ids), tuple(columns.deployment_names or columns.deployment_ids)
    )
    institutions = Layer(
        tuple(columns.institution_ids), tuple(columns.institution_names or columns.institution_ids)
    )
    hosted_model = resolve(models, columns.hosting_model, "hosting", "model")
    hosted_on = resolve(providers, columns.hosting_provider, "hosting", "provider")
    shape = (len(models), len(providers))
    share = _floats(columns.hosting_share, hosted_model.size, 1.0, "hosting share")
    failover = _floats(columns.hosting_failover, hosted_model.size, 0.0, "failover")
    _check_fractions(share, failover, hosted_model, hosted_on, models, providers)
    sectors = tuple(sorted(set(columns.institution_sector) or {"all"}))
    sector_index = {sector: position for position, sector in enumerate(sectors)}
    owners = tuple(str(owner) for owner in columns.deployment_owner) or ("",) * len(deployments)
    owner_institution, _ = positions(institutions, owners)  # an owner outside the layer: -1
    liabilities = _matrix(
        resolve(institutions, columns.liability_debtor, "liabilities", "debtor"),
        resolve(institutions, columns.liability_creditor, "liabilities", "creditor"),
        np.asarray(columns.liability_amount, dtype=np.float64),
        (len(institutions), len(institutions)),
    )
    asset_classes, holdings = _holdings(columns, institutions)
    network = Network(
        name=columns.name,
        currency=columns.currency,
        providers=providers,
        models=models,
        model_developers=tuple(columns.model_developers or [""] * len(models)),
        hosting_share=_matrix(hosted_model, hosted_on, share, shape),
        hosting=_matrix(hosted_model, hosted_on, share * (1.0 - failover), shape),
        deployments=deployments,
        deployment_model=resolve(models, columns.deployment_model, "deployments", "model"),
        deployment_fallback=resolve(
            models, columns.deployment_fallback, "deployments", "fallback_model", optional=True
        )
        if len(columns.deployment_fallback)
        else np.full(len(deployments), -1),
        deployment_exposure=_floats(columns.deployment_exposure, len(deployments), 0.0, "exposure"),
        deployment_institution=owner_institution,
        deployment_owners=owners,
        deployment_hosting=_own_hosts(providers, columns.deployment_host, len(deployments)),
        institutions=institutions,
        institution_sector=np.asarray(
            [sector_index[sector] for sector in columns.institution_sector] or [0] * len(institutions),
            dtype=np.int64,
        ),
        sectors=sectors,
        external_assets=_floats(columns.external_assets, len(institutions), 0.0, "external assets"),
        external_liabilities=_floats(
            columns.external_liabilities, len(institutions), 0.0, "external liabilities"
        ),
        liabilities=liabilities,
        notes=tuple(columns.notes),
        asset_classes=asset_classes,
        holdings=holdings,
    )
    return validate(network)
