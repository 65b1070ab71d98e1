"""What continuous monitoring adds to an installation: enrolments, thresholds, alerts and summaries
as filings, the telemetry endpoint and the monitoring routes, and `custos monitor`."""

from custos.monitoring.model import (
    MONITOR_ALERT_CLEARED,
    MONITOR_ALERT_RAISED,
    MONITOR_ENROLLED,
    MONITOR_SYSTEMIC_ALERT,
    MONITORING_KINDS,
)
from custos.store import Command, Contribution
from custos.store import monitoring_views as mv

CONTRIBUTION = Contribution(
    name="monitoring",
    kinds=MONITORING_KINDS,
    # Thresholds and summaries are read from the filings themselves: no view keeps them.
    projections={
        MONITOR_ENROLLED: mv.enrolled,
        MONITOR_ALERT_RAISED: mv.alert_raised,
        MONITOR_ALERT_CLEARED: mv.alert_cleared,
        MONITOR_SYSTEMIC_ALERT: mv.systemic_alert,
    },
    routers=("custos.api.monitoring_routes:router",),
    commands=(
        Command(
            "monitor",
            "custos.cli.monitor_cmds:app",
            "Continuous monitoring: telemetry from deployers, alerts, correlated outages across firms.",
        ),
    ),
)
