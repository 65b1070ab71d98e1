"""Buffers: capital declarations and insurance policies, verified against the latest stress run."""
