"""Policy packs: capability thresholds that attach obligations, written as data.

Its contribution (``custos.policy.contribution``) declares its filing kinds, their projections
and the re-evaluation that runs after other packages' filings; the installation composes it.
"""

from custos.policy.pack import Pack, PackError, builtin_packs, load_pack
from custos.policy.service import EvaluationReport, PolicyService
from custos.store.policy_views import ObligationQuery

__all__ = [
    "EvaluationReport",
    "ObligationQuery",
    "Pack",
    "PackError",
    "PolicyService",
    "builtin_packs",
    "load_pack",
]
