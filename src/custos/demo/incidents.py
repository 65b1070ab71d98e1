"""Seed the demonstration's incidents: two synthetic reports about the demo provider's largest
model, so the incident pages show what the packs make of a report.

One is serious and recent: a power outage caused through a deployment of the model, discovered
two days ago, with a follow-up report; a serious incident in the sense of AI Act Art. 3(49)(b)
and (d), it starts the reporting clocks of the packs that bind the model. The other is an older
hazard, closed and published with a public summary. Both say in their summaries that they are
synthetic.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from custos.access.model import Principal
from custos.demo.seed import largest_model
from custos.oversight.incidents import IncidentService
from custos.oversight.model import IncidentPublished, IncidentReported, IncidentUpdated
from custos.store import Store

Say = Callable[[str], None]


def seed_incidents(store: Store, by: Principal, say: Say) -> None:
    model = largest_model(store, by)
    incidents = IncidentService(store)
    now = store.clock.now().replace(microsecond=0)
    breach = incidents.report(
        IncidentReported.model_validate(
            {
                "model_ids": [model],
                "severity": "serious",
                "occurred_at": (now - timedelta(days=3)).isoformat(),
                "discovered_at": (now - timedelta(days=2)).isoformat(),
                "harm_types": ["public_interest", "economic_property"],
                "facts": ["critical_infrastructure_disruption", "property_or_environment_harm"],
                "affected_people": 40_000,
                "affected_jurisdictions": ["EU"],
                "reporter_role": "supervisor",
                "incomplete": True,
                "summary": "Synthetic: a grid operator's dispatch assistant built on the model issued "
                "conflicting switching orders; two substations tripped and 40,000 homes lost power "
                "for three hours.",
            }
        ),
        by=by,
    )
    incidents.update(
        IncidentUpdated.model_validate(
            {
                "incident_id": breach.id,
                "stage": "follow_up",
                "learned": "Synthetic: the assistant acted on a stale network model; orders now need "
                "an operator's confirmation.",
                "corrective_measures": "Switching orders from the assistant are held for a human dispatcher.",
            }
        ),
        by=by,
    )
    hazard = incidents.report(
        IncidentReported.model_validate(
            {
                "model_ids": [model],
                "severity": "hazard",
                "occurred_at": (now - timedelta(days=60)).isoformat(),
                "harm_types": ["psychological"],
                "affected_jurisdictions": ["EU"],
                "reporter_role": "supervisor",
                "summary": "Synthetic: the assistant gave unsafe advice to a user describing a crisis; "
                "a reviewer caught it before it was sent.",
            }
        ),
        by=by,
    )
    incidents.close(hazard.id, "Synthetic: the crisis-response policy was fixed and retested.", by=by)
    incidents.publish(
        hazard.id,
        IncidentPublished(
            summary="A general-purpose assistant drafted unsafe advice in a crisis conversation; "
            "it was caught in review and the policy fixed (synthetic)."
        ),
        by=by,
    )
    say("Reported two synthetic incidents about one model: a power outage, and a published hazard.")
