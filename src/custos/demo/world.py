"""A documented generator of the demonstration's synthetic world around the real registry.

Real: the models (Epoch AI's table) and the compute owners' shares (Epoch AI's chip counts).
Synthetic, from a fixed seed (``SEED``), but plausible:

- **Institutions**: 40 financial institutions in EU countries (banks 60%, insurers 25%, asset
  managers 15%) with heavy-tailed balance sheets and a core-periphery interbank network
  (:func:`custos.risk.engine.synthetic.balance_sheets`, average of 6 lenders each), sized in euros
  (median external assets about €400 million, the largest tens of billions), plus six
  non-financial firms whose losses stay in the real economy.
- **Models in use**: the 30 largest models by training compute that can be used by others (API,
  hosted, or open weights); their popularity is Zipf-distributed, so a handful of them serve
  most deployments, as in the market.
- **Deployments**: 300, each by an institution (in proportion to its size) or a firm, for a use
  fitting its sector (credit scoring and underwriting are decision-critical), putting 0.5–5% of
  its owner's external assets at risk (log-uniform); 30% name a fallback model.
- **Hosts**: each deployment's compute host is drawn in proportion to the owner's estimated AI
  compute (:func:`custos.risk.adapters.compute_owners.compute_by_owner`); a quarter of them name a
  fallback host, another owner drawn the same way (from a stream of its own, so the rest of the
  world does not depend on it). Owners are named as the registry names them
  (:mod:`custos.markets.owners`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from custos.markets.owners import owners
from custos.risk import balance_sheets, zipf_weights

SEED = 20261128
INSTITUTIONS = 40
FIRMS = ("Retailer", "Utility", "Airline", "Telecom", "Hospital group", "Logistics firm")
DEPLOYMENTS = 300
MODELS_IN_USE = 30
COUNTRIES = ("DE", "FR", "IT", "ES", "NL", "BE", "AT", "IE", "FI", "PT", "LU", "SE", "DK", "PL")
#: What each kind of firm uses models for: the use, whether it is decision-critical, and the
#: points of Annex III of the EU AI Act it falls under (5(b): creditworthiness of natural persons,
#: fraud detection excepted; 5(c): life and health insurance pricing; the demo's insurers write
#: life and health cover).
USES = {
    "banking": (
        ("credit scoring", True, ("5(b)",)),
        ("fraud detection", False, ()),
        ("customer service", False, ()),
    ),
    "insurance": (
        ("underwriting", True, ("5(c)",)),
        ("claims triage", True, ()),
        ("customer service", False, ()),
    ),
    "asset-management": (("portfolio advice", False, ()), ("research assistant", False, ())),
    "firm": (("customer support", False, ()), ("demand forecasting", False, ())),
}
KIND_LABELS = {"banking": "Bank", "insurance": "Insurer", "asset-management": "Asset Manager"}
#: Share of deployments that name a fallback host.
FALLBACK_HOSTS = 0.25


@dataclass(frozen=True)
class Institution:
    name: str
    country: str
    sector: str
    external_assets: float
    external_liabilities: float


@dataclass(frozen=True)
class Deployment:
    name: str
    deployer: str
    model_id: str
    decision_critical: bool
    exposure: float
    host: str
    fallback_model_id: str | None
    fallback_host: str | None
    country: str
    annex_iii_uses: tuple[str, ...]


@dataclass(frozen=True)
class World:
    institutions: list[Institution]
    firms: list[tuple[str, str]]  # (name, country)
    liabilities: list[tuple[str, str, float]]  # (debtor, creditor, amount)
    deployments: list[Deployment]
    hosts: dict[str, float]  # registry name → share of compute


def generate(models_in_use: list[str], compute: dict[str, float], seed: int = SEED) -> World:
    """The world around ``models_in_use`` (ids, most important first) and ``compute`` (owner → H100e)."""
    rng = np.random.default_rng(seed)
    books = balance_sheets(rng, INSTITUTIONS, degree=6.0, scale=1e6)
    countries = rng.choice(COUNTRIES, size=INSTITUTIONS)
    institutions = [
        Institution(
            name=f"{KIND_LABELS[books.sectors[k]]} {k + 1:02d} ({countries[k]}, synthetic)",
            country=str(countries[k]),
            sector=books.sectors[k],
            external_assets=float(books.external_assets[k]),
            external_liabilities=float(books.external_liabilities[k]),
        )
        for k in range(INSTITUTIONS)
    ]
    institution_names = [institution.name for institution in institutions]
    liabilities = [
        (institution_names[d], institution_names[c], float(a))
        for d, c, a in zip(books.debtor, books.creditor, books.amount, strict=True)
    ]
    firm_countries = rng.choice(COUNTRIES, size=len(FIRMS))
    firms = [
        (f"{kind} ({firm_countries[k]}, synthetic)", str(firm_countries[k])) for k, kind in enumerate(FIRMS)
    ]
    names = {epoch: owner.registry_name for epoch, owner in owners().items()}
    hosts = {names.get(owner, owner): share for owner, share in compute.items()}
    host_names, host_weights = list(hosts), np.asarray(list(hosts.values()))
    host_weights = host_weights / host_weights.sum()
    popularity = zipf_weights(len(models_in_use), 1.1)
    weight = books.external_assets / books.external_assets.sum()
    deployments = []
    for k in range(DEPLOYMENTS):
        if rng.random() < 0.1:
            owner_name, country = firms[rng.integers(len(firms))]
            sector, assets = "firm", float(np.median(books.external_assets))
        else:
            owner = int(rng.choice(INSTITUTIONS, p=weight))
            owner_name, country = institution_names[owner], institutions[owner].country
            sector, assets = institutions[owner].sector, institutions[owner].external_assets
        use, critical, annex_iii_uses = USES[sector][rng.integers(len(USES[sector]))]
        model = int(rng.choice(len(models_in_use), p=popularity))
        fallback = int(rng.choice(len(models_in_use), p=popularity)) if rng.random() < 0.3 else model
        deployments.append(
            Deployment(
                name=f"{owner_name.split(' (')[0]} {use} #{k + 1}",
                deployer=owner_name,
                model_id=models_in_use[model],
                decision_critical=critical,
                exposure=round(assets * float(np.exp(rng.uniform(np.log(0.005), np.log(0.05)))), 2),
                host=host_names[int(rng.choice(len(host_names), p=host_weights))],
                fallback_model_id=models_in_use[fallback] if fallback != model else None,
                fallback_host=None,
                country=country,
                annex_iii_uses=annex_iii_uses,
            )
        )
    return World(institutions, firms, liabilities, _with_fallback_hosts(deployments, hosts, seed), hosts)


def _with_fallback_hosts(
    deployments: list[Deployment], hosts: dict[str, float], seed: int
) -> list[Deployment]:
    """A quarter of the deployments given a fallback host other than their own, drawn in
    proportion to compute from a stream of its own."""
    rng = np.random.default_rng([seed, 1])
    names, weights = list(hosts), np.asarray(list(hosts.values()))
    chosen = []
    for deployment in deployments:
        fallback = None
        if rng.random() < FALLBACK_HOSTS:
            others = [k for k, name in enumerate(names) if name != deployment.host]
            p = weights[others] / weights[others].sum()
            fallback = names[others[int(rng.choice(len(others), p=p))]]
        chosen.append(replace(deployment, fallback_host=fallback))
    return chosen
