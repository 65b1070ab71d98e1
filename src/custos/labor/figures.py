"""The data's figures as a reader receives them: exposure, the paper's headline checked, the
crosswalk, and the shipped scenarios and programme designs.

Pure shaping of what the computations return into the read models, kept apart from the service
that reads the shipped files and the registry and files runs. The notes that say how to read each
figure are defined here once, since every interface shows the view that carries them.
"""

from __future__ import annotations

from custos.labor.exposure import HEADLINE_TOLERANCE, by_major_group, by_occupation, headline
from custos.labor.occupations import (
    BLS_TOP_CODED_ANNUAL_WAGE_USD,
    DEFAULT_MEASURE,
    Crosswalk,
    Measure,
    OccupationTable,
)
from custos.labor.safety_nets import load_programmes
from custos.labor.scenario import load_scenario
from custos.labor.sources import ATTRIBUTION
from custos.labor.views import (
    CrosswalkView,
    ExposureRowView,
    ExposureView,
    HeadlineMeasureView,
    HeadlineView,
    Level,
    ProgrammeView,
    ScenarioView,
    UnmatchedView,
)

SPLIT_RULE = (
    "Several O*NET occupations can share one SOC code; its BLS employment is split evenly among "
    "them in whole workers, by largest remainder, so each SOC code's employment (and the total) "
    "is conserved exactly."
)
EXPOSURE_NOTE = (
    "Exposure is the share of an occupation's tasks a language model (alpha), or software built on "
    "one (beta adds half, gamma all of those), could do in half the time; exposed workers are "
    "workers x that share (full workloads of exposed tasks), not people at risk. Wages are BLS "
    "annual means, USD."
)
HEADLINE_NOTE = (
    "Shares of US workers (BLS May 2021) in occupations with at least 10% and more than 50% of "
    "their tasks exposed, beside the figures of Eloundou et al. (2023): about 80% and 19%, "
    "from the beta ratings."
)


def exposure_view(table: OccupationTable, measure: Measure, level: Level) -> ExposureView:
    """Workers, wage bill and their exposed parts, by SOC major group or by occupation."""
    rows = by_major_group(table, measure) if level == "group" else by_occupation(table, measure)
    return ExposureView(
        measure=measure,
        level=level,
        rows=[
            ExposureRowView(
                code=code,
                title=title,
                workers=round(rows.workers[index]),
                wage_bill_usd=float(rows.wage_bill_usd[index]),
                exposed_workers=float(rows.exposed_workers[index]),
                exposed_wage_bill_usd=float(rows.exposed_wage_bill_usd[index]),
                exposed_share=float(rows.exposed_workers[index] / rows.workers[index])
                if rows.workers[index]
                else 0.0,
            )
            for index, (code, title) in enumerate(zip(rows.codes, rows.titles, strict=True))
        ],
        workers=round(rows.workers.sum()),
        wage_bill_usd=float(rows.wage_bill_usd.sum()),
        exposed_workers=float(rows.exposed_workers.sum()),
        exposed_wage_bill_usd=float(rows.exposed_wage_bill_usd.sum()),
        note=EXPOSURE_NOTE,
        attribution=ATTRIBUTION,
    )


def headline_view(table: OccupationTable) -> HeadlineView:
    """The paper's headline shares recomputed for every measure, beside the paper's figures for
    the one measure it published them for (the others have none to agree with)."""
    measures = []
    for measure in Measure:
        found = headline(table, measure)
        published = measure is DEFAULT_MEASURE
        measures.append(
            HeadlineMeasureView(
                measure=measure,
                workers=round(found.workers),
                at_least_tenth_share=found.at_least_tenth,
                over_half_share=found.over_half,
                at_least_half_share=found.at_least_half,
                paper_at_least_tenth_share=found.paper_at_least_tenth if published else None,
                paper_over_half_share=found.paper_over_half if published else None,
                difference_at_least_tenth_share=found.difference_at_least_tenth if published else None,
                difference_over_half_share=found.difference_over_half if published else None,
                agrees=found.agrees() if published else None,
            )
        )
    return HeadlineView(
        measure=DEFAULT_MEASURE,
        tolerance_share=HEADLINE_TOLERANCE,
        agrees=headline(table, DEFAULT_MEASURE).agrees(),
        measures=measures,
        note=HEADLINE_NOTE,
    )


def crosswalk_view(joined: Crosswalk) -> CrosswalkView:
    """How O*NET occupations were joined to BLS figures, and which could not be."""
    return CrosswalkView(
        split_rule=SPLIT_RULE,
        matched_occupations=len(joined.table),
        soc_codes=len(set(joined.table.soc_codes)),
        workers=round(joined.table.employment.sum()),
        unmatched=[
            UnmatchedView(onet_code=code, title=title, reason=why) for code, title, why in joined.unmatched
        ],
        top_coded_soc_codes=list(joined.top_coded),
        top_code_usd=BLS_TOP_CODED_ANNUAL_WAGE_USD,
    )


def scenario_view(name: str, text: str, origin: str) -> ScenarioView:
    """A shipped scenario: its YAML text, read, and what a list shows of it."""
    scenario = load_scenario(text, origin)
    return ScenarioView(
        name=name,
        description=scenario.description,
        source=scenario.source,
        years=list(scenario.years),
        registry_linked=scenario.registry is not None,
        definition=scenario,
        yaml=text,
    )


def programme_view(name: str, text: str, origin: str) -> ProgrammeView:
    """A shipped programme design: its YAML text, read, and what a list shows of it."""
    design = load_programmes(text, origin)
    return ProgrammeView(
        name=name, description=design.description, source=design.source, definition=design, yaml=text
    )
