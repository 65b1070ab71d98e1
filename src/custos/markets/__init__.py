"""Market structure: concentration per layer, single points of failure, merger review."""
