"""What the access package adds to an installation: actors, their routes and commands."""

from custos.access.model import ACTOR_REGISTERED
from custos.store import Command, Contribution
from custos.store import views as actor_views

CONTRIBUTION = Contribution(
    name="access",
    kinds=(ACTOR_REGISTERED,),
    projections={ACTOR_REGISTERED: actor_views.actor_registered},
    routers=("custos.api.access_routes:router",),
    commands=(
        Command("actors", "custos.cli.access_cmds:actors", "Actors: people and systems with a role."),
        Command(
            "tokens",
            "custos.cli.token_cmds:app",
            "API tokens: list and revoke them (issue with `custos actors token`).",
        ),
        Command(
            "orgs",
            "custos.cli.access_cmds:orgs",
            "Registering organisations (list them with `custos registry orgs`).",
        ),
    ),
)
