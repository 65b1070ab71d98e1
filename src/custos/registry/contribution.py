"""What the registry adds to an installation: organisations, models, passports and deployments."""

from custos.filings import Filing
from custos.passports import Passport, assess
from custos.registry.documentation import FRAMEWORK_PUBLISHED, TECHNICAL_DOCUMENTATION_FILED
from custos.registry.model import (
    DEPLOYMENT_REGISTERED,
    MODEL_REGISTERED,
    NOTIFICATION_FILED,
    ORGANISATION_REGISTERED,
    PASSPORT_FILED,
)
from custos.store import Command, Connection, Contribution
from custos.store import registry_views as rv


def project_passport(conn: Connection, filing: Filing) -> None:
    """Assess the passport (completeness, compute), then make it its model's current one.

    The assessment is the registry's judgement, so it is made here and the store only keeps it.
    """
    passport = Passport.model_validate(filing.content)
    completeness = assess(passport)
    rv.passport_filed(
        conn,
        filing,
        training_flop=passport.compute.training_flop,
        completeness=completeness.score,
        missing=completeness.missing,
    )


CONTRIBUTION = Contribution(
    name="registry",
    # A notification, a model's documentation and a framework's publication have no view of
    # their own: the obligations they discharge are their record.
    kinds=(
        ORGANISATION_REGISTERED,
        MODEL_REGISTERED,
        PASSPORT_FILED,
        DEPLOYMENT_REGISTERED,
        NOTIFICATION_FILED,
        TECHNICAL_DOCUMENTATION_FILED,
        FRAMEWORK_PUBLISHED,
    ),
    projections={
        ORGANISATION_REGISTERED: rv.organisation_registered,
        MODEL_REGISTERED: rv.model_registered,
        PASSPORT_FILED: project_passport,
        DEPLOYMENT_REGISTERED: rv.deployment_registered,
    },
    routers=("custos.api.registry_routes:router",),
    commands=(
        Command(
            "registry",
            "custos.cli.registry_cmds:app",
            "The registry of organisations, models, passports and deployments.",
        ),
    ),
)
