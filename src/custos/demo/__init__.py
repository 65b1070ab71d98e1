"""The demonstration: a registry seeded from real data, a synthetic financial world around it."""
