"""Custos: supervisory infrastructure for systemic AI risk.

Every change is a filing, every filing goes through the transparency log,
and every view is derived from the log.
"""

__version__ = "0.1.0"
