"""What oversight adds to an installation: incidents about models, their routes and commands."""

from custos.oversight.model import INCIDENT_CLOSED, INCIDENT_CONFIRMED, INCIDENT_DISCLOSED, INCIDENT_REPORTED
from custos.store import Command, Contribution

CONTRIBUTION = Contribution(
    name="oversight",
    # Incidents are read from the filings themselves (store.oversight_views): no projection.
    kinds=(INCIDENT_REPORTED, INCIDENT_CONFIRMED, INCIDENT_CLOSED, INCIDENT_DISCLOSED),
    routers=("custos.api.incident_routes:router",),
    commands=(Command("incident", "custos.cli.incident_cmds:app", "Incidents involving models."),),
)
