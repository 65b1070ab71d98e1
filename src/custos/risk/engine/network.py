"""The layered dependency network a stress test runs on, as arrays.

Four layers: compute providers, models, deployments and institutions. A model is hosted on
providers with a share each and a failover share (the part of that share that moves elsewhere
when the provider fails); a deployment runs on its own declared host or, failing that, on its
model's hosts, uses one model, may fall back to another, and belongs to an institution when its
deployer is in the financial layer (otherwise its losses stay with the real economy and do not
spread). Institutions owe each other (``liabilities[i, j]`` is what ``i`` owes
``j``) and carry external assets and external liabilities; their equity is what is left. A network
may also say which asset classes institutions hold among their external assets (``holdings``),
which fire sales read.

Everything here is plain numpy and scipy so that a network can be pickled to a Dask worker and
built in a notebook; adapters that read the registry or files live in modules of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from custos.core.errors import InvalidInput

FloatArray = np.ndarray
IntArray = np.ndarray

#: How far a balance sheet may be off before it is refused (a rounding allowance).
TOLERANCE = 1e-9


@dataclass(frozen=True)
class Layer:
    """The nodes of one layer: stable ids and the names people read."""

    ids: tuple[str, ...]
    names: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.ids) != len(self.names):
            raise InvalidInput("every node needs a name", evidence={"ids": len(self.ids)})
        seen: set[str] = set()
        for node in self.ids:
            if node in seen:
                raise InvalidInput("a node id appears twice", evidence={"entry": node})
            seen.add(node)

    def __len__(self) -> int:
        return len(self.ids)

    @cached_property
    def index(self) -> dict[str, int]:
        return {node: position for position, node in enumerate(self.ids)}

    @cached_property
    def lookup(self) -> dict[str, int]:
        """Ids and, where unambiguous, names: scenarios may name nodes either way."""
        names: dict[str, list[int]] = {}
        for position, name in enumerate(self.names):
            names.setdefault(name, []).append(position)
        by_name = {name: found[0] for name, found in names.items() if len(found) == 1}
        return {**by_name, **self.index}


@dataclass(frozen=True)
class Network:
    """A network as arrays; :func:`~custos.risk.engine.network_build.assemble` builds and validates one."""

    name: str
    currency: str
    providers: Layer
    models: Layer
    model_developers: tuple[str, ...]
    hosting_share: sp.csr_array  # models × providers
    hosting: sp.csr_array  # share × (1 − failover): what a provider's failure takes down
    deployments: Layer
    deployment_model: IntArray
    deployment_fallback: IntArray  # -1: no fallback
    deployment_exposure: FloatArray
    deployment_institution: IntArray  # -1: the deployer is outside the financial layer
    deployment_owners: tuple[str, ...]
    deployment_hosting: sp.csr_array  # deployments × providers: a deployment's own host, if declared
    institutions: Layer
    institution_sector: IntArray
    sectors: tuple[str, ...]
    external_assets: FloatArray
    external_liabilities: FloatArray
    liabilities: sp.csr_array  # institutions × institutions
    notes: tuple[str, ...] = field(default=())
    asset_classes: tuple[str, ...] = field(default=())  # the classes ``holdings`` has columns for
    holdings: FloatArray | None = None  # (institutions, asset classes); None: no holdings table

    @cached_property
    def usage(self) -> sp.csr_array:
        """Models × deployments: which deployments rely on which model."""
        deployments = len(self.deployments)
        return sp.csr_array(
            (np.ones(deployments), (self.deployment_model, np.arange(deployments))),
            shape=(len(self.models), deployments),
        )

    @cached_property
    def deployment_hosts(self) -> sp.csr_array:
        """Deployments × providers: what a provider's failure takes down of each deployment, from
        its own declared host where it has one, else from its model's hosting."""
        own = np.diff(self.deployment_hosting.indptr) > 0
        inherited = sp.diags_array((~own).astype(np.float64)) @ (self.usage.T @ self.hosting)
        return sp.csr_array(self.deployment_hosting + inherited)

    @cached_property
    def interbank_assets(self) -> FloatArray:
        return np.asarray(self.liabilities.sum(axis=0)).ravel()

    @cached_property
    def interbank_liabilities(self) -> FloatArray:
        return np.asarray(self.liabilities.sum(axis=1)).ravel()

    @cached_property
    def obligations(self) -> FloatArray:
        """What each institution owes in all, inside and outside the network."""
        return np.asarray(self.interbank_liabilities + self.external_liabilities, dtype=np.float64)

    @cached_property
    def relative_liabilities(self) -> sp.csr_array:
        """Each debtor's row scaled to the shares of its total obligations (Eisenberg–Noe's Π)."""
        scale = 1.0 / np.where(self.obligations > 0, self.obligations, 1.0)
        return sp.csr_array(sp.diags_array(scale) @ self.liabilities)

    @cached_property
    def equity(self) -> FloatArray:
        """Book equity when everyone pays in full: the capital buffer of each institution."""
        return np.asarray(
            self.external_assets
            + self.interbank_assets
            - self.interbank_liabilities
            - self.external_liabilities,
            dtype=np.float64,
        )

    @cached_property
    def ownership(self) -> sp.csr_array:
        """Institutions × deployments: sums deployment losses onto the institutions that bear them."""
        owned = np.flatnonzero(self.deployment_institution >= 0)
        return sp.csr_array(
            (np.ones(owned.size), (self.deployment_institution[owned], owned)),
            shape=(len(self.institutions), len(self.deployments)),
        )

    @property
    def failure_units(self) -> tuple[str, ...]:
        """What can fail: providers, then models (their order in every per-unit array)."""
        return self.providers.ids + self.models.ids

    def summary(self) -> dict[str, int | str]:
        return {
            "name": self.name,
            "currency": self.currency,
            "providers": len(self.providers),
            "models": len(self.models),
            "deployments": len(self.deployments),
            "institutions": len(self.institutions),
            "exposures": int(self.liabilities.nnz),
        }


def _check_amounts(label: str, values: FloatArray, ids: tuple[str, ...]) -> None:
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
    if bad.size:
        raise InvalidInput(
            f"{label} must be finite and not negative",
            evidence={"entry": f"{label}[{ids[bad[0]]}]", "value": float(values[bad[0]])},
        )


def _check_hosting(network: Network) -> None:
    totals = np.asarray(network.hosting_share.sum(axis=1)).ravel()
    over = np.flatnonzero(totals > 1 + TOLERANCE)
    if over.size:
        raise InvalidInput(
            "a model's hosting shares add up to more than 1",
            evidence={"entry": network.models.ids[over[0]], "value": float(totals[over[0]])},
        )


def _check_liabilities(network: Network) -> None:
    matrix = network.liabilities
    n = len(network.institutions)
    if matrix.shape != (n, n):
        raise InvalidInput(
            "the liabilities matrix must be square, one row per institution", evidence={"shape": matrix.shape}
        )
    bad = np.flatnonzero(~np.isfinite(matrix.data) | (matrix.data < 0))
    if bad.size:
        row = int(np.searchsorted(matrix.indptr, bad[0], side="right") - 1)
        ids = network.institutions.ids
        raise InvalidInput(
            "a liability must be finite and not negative",
            evidence={
                "entry": f"L[{ids[row]},{ids[matrix.indices[bad[0]]]}]",
                "value": float(matrix.data[bad[0]]),
            },
        )
    if matrix.diagonal().any():
        first = int(np.flatnonzero(matrix.diagonal())[0])
        raise InvalidInput(
            "an institution cannot owe itself", evidence={"entry": network.institutions.ids[first]}
        )
    negative = np.flatnonzero(network.equity < -TOLERANCE * np.maximum(1.0, network.external_assets))
    if negative.size:
        first = int(negative[0])
        raise InvalidInput(
            "an institution's liabilities exceed its assets before any shock (negative equity)",
            evidence={"entry": network.institutions.ids[first], "value": float(network.equity[first])},
        )


def _check_holdings(network: Network) -> None:
    """Holdings are part of external assets: none negative, and no institution holding more in all
    than its external assets (with the rounding allowance)."""
    if network.holdings is None:
        return
    held = network.holdings
    ids = network.institutions.ids
    if held.shape != (len(ids), len(network.asset_classes)):
        raise InvalidInput(
            "holdings need one row per institution and one column per asset class",
            evidence={"shape": held.shape, "expected": (len(ids), len(network.asset_classes))},
        )
    bad = np.argwhere(~np.isfinite(held) | (held < 0))
    if bad.size:
        row, column = (int(k) for k in bad[0])
        raise InvalidInput(
            "a holding must be finite and not negative",
            evidence={
                "entry": f"holdings[{ids[row]},{network.asset_classes[column]}]",
                "value": float(held[row, column]),
            },
        )
    totals = held.sum(axis=1)
    over = np.flatnonzero(
        totals > network.external_assets + TOLERANCE * np.maximum(1.0, network.external_assets)
    )
    if over.size:
        first = int(over[0])
        raise InvalidInput(
            "an institution's holdings add up to more than its external assets",
            evidence={
                "entry": ids[first],
                "holdings": float(totals[first]),
                "external_assets": float(network.external_assets[first]),
            },
        )


def validate(network: Network) -> Network:
    """Refuse a network whose numbers cannot describe real balance sheets, naming the entry."""
    _check_hosting(network)
    _check_amounts("exposure", network.deployment_exposure, network.deployments.ids)
    _check_amounts("external assets", network.external_assets, network.institutions.ids)
    _check_amounts("external liabilities", network.external_liabilities, network.institutions.ids)
    _check_liabilities(network)
    _check_holdings(network)
    return network
