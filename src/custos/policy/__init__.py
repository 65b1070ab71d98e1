"""Policy packs: capability thresholds that attach obligations, written as data.

Its contribution (``custos.policy.contribution``) declares its filing kinds, their projections
and the re-evaluation that runs after other packages' filings; the installation composes it.
The namespace holds the packs (no store); the service is ``custos.policy.service`` and the
pipeline ``custos.policy.engine``.
"""

from custos.policy.pack import Pack, PackError, builtin_packs, load_pack

__all__ = ["Pack", "PackError", "builtin_packs", "load_pack"]
