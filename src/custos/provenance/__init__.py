"""Privacy-preserving provenance audits: committed training-data manifests, sampled reveals, findings."""
