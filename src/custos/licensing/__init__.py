"""Conditional licensing and the decision point.

The namespace holds the licence vocabulary (no store); the services are
``custos.licensing.service``, ``rollout_service`` and ``recognition_service``, and the decision
point ``custos.licensing.decision``.
"""

from custos.licensing.model import LicenceStatus, Transition

__all__ = ["LicenceStatus", "Transition"]
