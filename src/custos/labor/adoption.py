"""How far registered deployments push adoption in each occupation group.

A deployment in a sector touches the occupations that sector employs, in the proportions of the
sector-to-occupation weights. Summed over sectors, the deployments reaching a SOC major group
give its intensity; ``saturation`` deployments or more mean the group adopts as fast as the
scenario allows (multiplier 1), fewer scale its displacement down in proportion. Pure, so a
what-if on the registry's deployments moves the labour figures without touching the store.
"""

from __future__ import annotations

from collections.abc import Mapping

from custos.core.errors import InvalidInput


def adoption_multipliers(
    deployments_per_sector: Mapping[str, int],
    weights: Mapping[str, Mapping[str, float]],
    saturation: float,
) -> dict[str, float]:
    """major code -> min(1, I_g / saturation), I_g = sum over sectors of deployments x weight(sector, g).

    Every major group any sector weighs appears, at 0 when no deployment reaches it. A sector
    with deployments but no weights is refused rather than dropped, since its deployments would
    silently count for nothing."""
    if not saturation > 0:
        raise InvalidInput(f"saturation must be a positive number of deployments, not {saturation}")
    unknown = sorted(
        sector for sector, count in deployments_per_sector.items() if count and sector not in weights
    )
    if unknown:
        raise InvalidInput(f"no occupation weights for the sectors {', '.join(unknown)}")
    negative = sorted(sector for sector, count in deployments_per_sector.items() if count < 0)
    if negative:
        raise InvalidInput(f"negative deployment counts for {', '.join(negative)}")
    intensity = {group: 0.0 for groups in weights.values() for group in groups}
    for sector, count in deployments_per_sector.items():
        for group, weight in weights.get(sector, {}).items():
            intensity[group] += count * weight
    return {group: min(1.0, value / saturation) for group, value in sorted(intensity.items())}
