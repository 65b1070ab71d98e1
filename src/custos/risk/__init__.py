"""Systemic stress testing: dependency network, correlated failures, financial contagion, buffers."""
