"""Oversight: incidents reported about models (``oversight.model``), and what they hold back
(``oversight.incidents``)."""
