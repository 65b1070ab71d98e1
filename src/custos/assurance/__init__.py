"""Assurance: accredited auditors, their signed attestations, and red-team findings with escalation.

The namespace holds the vocabulary (payload models and kinds); services are imported from their
modules, so a program that only files with the payload models loads no store.
"""
