"""Oversight: incidents reported about models, and what they hold back (``oversight.incidents``)."""
