"""The registry as the labour instrument counts it: deployments per sector, and per deployer.

Only public registry fields are counted (a deployment's sector, its deployer), since a run's
figures are filed for everyone to read: a deployment that withholds its sector is left out, one
that withholds its deployer counts towards its sector but towards no deployer's levy. Both are
reported, so a reader knows what the figures rest on.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from custos.store import Connection
from custos.store import labour_views as lv


@dataclass(frozen=True)
class RegistryCounts:
    """Deployments per sector, and per deployer and sector; and how many were left out of each."""

    per_sector: Mapping[str, int]
    by_deployer: Mapping[str, Mapping[str, int]]
    sector_withheld: int
    deployer_withheld: int


def registry_counts(conn: Connection) -> RegistryCounts:
    """Count the registry's deployments by their public sector and deployer."""
    per_sector: Counter[str] = Counter()
    by_deployer: defaultdict[str, Counter[str]] = defaultdict(Counter)
    unattributed = 0
    for deployment in lv.public_deployments(conn):
        per_sector[deployment.sector] += 1
        if deployment.deployer_id is None:
            unattributed += 1
        else:
            by_deployer[deployment.deployer_id][deployment.sector] += 1
    return RegistryCounts(
        per_sector=dict(sorted(per_sector.items())),
        by_deployer={
            deployer: dict(sorted(sectors.items())) for deployer, sectors in sorted(by_deployer.items())
        },
        sector_withheld=lv.withheld_sector_count(conn),
        deployer_withheld=unattributed,
    )
