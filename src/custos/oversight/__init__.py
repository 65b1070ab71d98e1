"""Oversight: incidents reported about models, and what they hold back."""

from custos.oversight.incidents import IncidentService, Severity, open_serious_incidents

__all__ = ["IncidentService", "Severity", "open_serious_incidents"]
