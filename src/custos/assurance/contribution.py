"""What assurance adds to an installation: auditors, engagements, attestations and findings."""

from custos.assurance.findings import retests
from custos.assurance.findings_model import (
    FINDING_ACKNOWLEDGED,
    FINDING_ESCALATED,
    FINDING_KINDS,
    FINDING_MITIGATED,
    FINDING_PUBLISHED,
    FINDING_REOPENED,
    FINDING_REPORTED,
    FINDING_RETESTED,
)
from custos.assurance.model import (
    ACCREDITATION_STEPS,
    AUDIT_ATTESTED,
    AUDIT_ENGAGED,
    AUDITOR_ACCREDITED,
)
from custos.store import Command, Contribution, Hook
from custos.store import assurance_views as av
from custos.store import finding_views as fv

CONTRIBUTION = Contribution(
    name="assurance",
    kinds=(AUDITOR_ACCREDITED, *ACCREDITATION_STEPS, AUDIT_ENGAGED, AUDIT_ATTESTED, *FINDING_KINDS),
    projections={
        AUDITOR_ACCREDITED: av.accredited,
        **{kind: av.accreditation_step for kind in ACCREDITATION_STEPS},
        AUDIT_ENGAGED: av.engaged,
        AUDIT_ATTESTED: av.attested,
        FINDING_REPORTED: fv.reported,
        FINDING_ACKNOWLEDGED: fv.acknowledged,
        FINDING_MITIGATED: fv.mitigated,
        FINDING_RETESTED: fv.retested,
        FINDING_REOPENED: fv.reopened,
        FINDING_ESCALATED: fv.escalated,
        FINDING_PUBLISHED: fv.published,
    },
    # A retest attestation naming a finding closes it, or sends it back to mitigation.
    hooks=(Hook("assurance.retests", retests, observes=frozenset({AUDIT_ATTESTED})),),
    routers=("custos.api.audit_routes:router", "custos.api.finding_routes:router"),
    commands=(
        Command("audit", "custos.cli.audit_cmds:app", "Auditors, engagements and signed attestations."),
        Command("finding", "custos.cli.finding_cmds:app", "Red-team findings, their clocks and escalation."),
    ),
)
