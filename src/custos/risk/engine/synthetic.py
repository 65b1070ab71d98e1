"""A documented generator of synthetic but plausible networks, for benchmarks and demonstrations.

Everything follows from the seed:

- **Institutions** have heavy-tailed sizes (lognormal, σ = 1.2: a few large banks, many small
  ones) and sectors (banking 60%, insurance 25%, asset management 15%). A fifth of each balance
  sheet is interbank; equity is 4–12% of total assets.
- **Interbank claims** form a core-periphery network: each institution borrows from a
  Poisson(``degree``) number of lenders chosen in proportion to size, splitting its interbank
  borrowing among them at random (Dirichlet).
- **Compute providers** have Zipf market shares (exponent 1.2). Each **model** is hosted on one
  or two providers drawn by share, fails over 0–50% of each share, and has one of a handful of
  developers. Model popularity is Zipf too, so a few models serve most deployments, as in the
  market.
- **Deployments** belong to institutions in proportion to size (and 10% to firms outside the
  financial layer); each puts 0.5–5% of its owner's external assets at risk (log-uniform), and
  30% name a fallback model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from custos.risk.engine.network_build import Columns

SECTORS = ("banking", "insurance", "asset-management")


def zipf_weights(count: int, exponent: float) -> np.ndarray:
    """Shares falling as 1/rank^exponent: a few large, a long tail of small."""
    weights = 1.0 / np.arange(1, count + 1) ** exponent
    return np.asarray(weights / weights.sum(), dtype=np.float64)


@dataclass(frozen=True)
class BalanceSheets:
    """Interbank claims (debtor, creditor, amount) and each institution's external book."""

    debtor: np.ndarray
    creditor: np.ndarray
    amount: np.ndarray
    external_assets: np.ndarray
    external_liabilities: np.ndarray
    sectors: list[str]


def balance_sheets(
    rng: np.random.Generator, institutions: int, degree: float, scale: float = 1.0
) -> BalanceSheets:
    """Heavy-tailed sizes (times ``scale``), a core-periphery interbank network, and equity of 4–12%."""
    size = scale * rng.lognormal(mean=6.0, sigma=1.2, size=institutions)
    interbank = 0.2 * size
    lenders_count = np.minimum(rng.poisson(degree, institutions), institutions - 1)
    lenders_count = np.maximum(lenders_count, 1) if institutions > 1 else lenders_count
    weight = size / size.sum()
    debtor = np.repeat(np.arange(institutions), lenders_count)
    creditor = rng.choice(institutions, size=debtor.size, p=weight)
    clash = creditor == debtor
    creditor[clash] = (creditor[clash] + 1) % institutions
    split = rng.gamma(1.0, size=debtor.size)
    totals = np.bincount(debtor, weights=split, minlength=institutions)
    amount = interbank[debtor] * split / totals[debtor]
    borrowed = np.bincount(debtor, weights=amount, minlength=institutions)
    lent = np.bincount(creditor, weights=amount, minlength=institutions)
    external_assets = np.maximum(size - lent, 0.05 * size)  # a popular lender's book grows instead
    total_assets = external_assets + lent
    equity = rng.uniform(0.04, 0.12, institutions) * total_assets
    sectors = [SECTORS[k] for k in rng.choice(3, size=institutions, p=[0.6, 0.25, 0.15])]
    return BalanceSheets(debtor, creditor, amount, external_assets, total_assets - borrowed - equity, sectors)


def synthetic_columns(
    institutions: int = 1_000,
    providers: int = 20,
    models: int = 200,
    deployments: int = 5_000,
    degree: float = 10.0,
    seed: int = 20261128,
) -> Columns:
    rng = np.random.default_rng(seed)
    ids = [f"inst-{k:07d}" for k in range(institutions)]
    books = balance_sheets(rng, institutions, degree)
    external_assets = books.external_assets
    weight = external_assets / external_assets.sum()

    provider_ids = [f"cloud-{k:03d}" for k in range(providers)]
    market = zipf_weights(providers, 1.2)
    model_ids = [f"model-{k:05d}" for k in range(models)]
    hosts = rng.integers(1, 3, models)
    hosting_model, hosting_provider, share, failover = [], [], [], []
    for model in range(models):
        chosen = rng.choice(providers, size=min(hosts[model], providers), replace=False, p=market)
        parts = rng.dirichlet(np.ones(chosen.size))
        for provider, part in zip(chosen, parts, strict=True):
            hosting_model.append(model_ids[model])
            hosting_provider.append(provider_ids[provider])
            share.append(float(part))
            failover.append(float(rng.uniform(0.0, 0.5)))
    developers = [f"lab-{k}" for k in rng.integers(0, max(models // 10, 1), models)]

    popularity = zipf_weights(models, 1.1)
    used = rng.choice(models, size=deployments, p=popularity)
    owner = rng.choice(institutions, size=deployments, p=weight)
    outside = rng.random(deployments) < 0.1
    exposure = external_assets[owner] * np.exp(rng.uniform(np.log(0.005), np.log(0.05), deployments))
    fallback = np.where(rng.random(deployments) < 0.3, rng.choice(models, size=deployments, p=popularity), -1)
    fallback = np.where(fallback == used, -1, fallback)
    return Columns(
        name=f"synthetic (seed {seed})",
        currency="EUR",
        provider_ids=provider_ids,
        model_ids=model_ids,
        model_developers=developers,
        hosting_model=hosting_model,
        hosting_provider=hosting_provider,
        hosting_share=share,
        hosting_failover=failover,
        deployment_ids=[f"dep-{k:07d}" for k in range(deployments)],
        deployment_owner=[f"firm-{k:07d}" if outside[k] else ids[owner[k]] for k in range(deployments)],
        deployment_model=[model_ids[m] for m in used],
        deployment_exposure=exposure,
        deployment_fallback=[model_ids[f] if f >= 0 else None for f in fallback],
        institution_ids=ids,
        institution_sector=books.sectors,
        external_assets=external_assets,
        external_liabilities=books.external_liabilities,
        liability_debtor=[ids[d] for d in books.debtor],
        liability_creditor=[ids[c] for c in books.creditor],
        liability_amount=books.amount,
    )
