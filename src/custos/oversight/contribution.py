"""What oversight adds to an installation: incidents about models, their routes and commands."""

from custos.oversight.history_model import INCIDENT_IMPORTED
from custos.oversight.incidents import project_reported
from custos.oversight.model import (
    INCIDENT_CLOSED,
    INCIDENT_CONFIRMED,
    INCIDENT_DISCLOSED,
    INCIDENT_PUBLISHED,
    INCIDENT_REPORTED,
    INCIDENT_UPDATED,
)
from custos.store import Command, Contribution
from custos.store import incident_views as iv

CONTRIBUTION = Contribution(
    name="oversight",
    kinds=(
        INCIDENT_REPORTED,
        INCIDENT_CONFIRMED,
        INCIDENT_CLOSED,
        INCIDENT_DISCLOSED,
        INCIDENT_UPDATED,
        INCIDENT_PUBLISHED,
        INCIDENT_IMPORTED,  # history, read from its filings (store.incident_history_views): no projection
    ),
    projections={
        INCIDENT_REPORTED: project_reported,
        INCIDENT_CONFIRMED: iv.confirmed,
        INCIDENT_CLOSED: iv.closed,
        INCIDENT_PUBLISHED: iv.published,
        INCIDENT_UPDATED: iv.followed,
        INCIDENT_DISCLOSED: iv.followed,
    },
    # The history's routes come first: /v1/incidents/history must not be read as an incident's id.
    routers=("custos.api.incident_history_routes:router", "custos.api.incident_routes:router"),
    commands=(Command("incident", "custos.cli.incident_cmds:app", "Incidents involving models."),),
)
