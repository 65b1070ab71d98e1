"""Conditional licensing and the decision point."""

from custos.licensing.decision import Context, Decision, DecisionPoint
from custos.licensing.model import LicenceStatus, Transition
from custos.licensing.service import LicensingService

__all__ = ["Context", "Decision", "DecisionPoint", "LicenceStatus", "LicensingService", "Transition"]
