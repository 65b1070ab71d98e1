"""Continuous monitoring: telemetry from deployers as time series, change detection per deployment,
correlated degradation across deployments, and alerts as filings."""
