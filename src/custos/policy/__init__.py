"""Policy packs: capability thresholds that attach obligations, written as data.

Importing the package registers its filing kinds, its projections and the event-driven
re-evaluation that runs after every batch of filings.
"""

from custos.policy import hook  # noqa: F401  (registers the re-evaluation after filings)
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
