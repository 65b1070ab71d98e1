"""The web dashboard and the public transparency portal.

The pages are static files served by the app; everything they show comes from the JSON API with
the visitor's own token (or none, for the public), so a page can never show more than the API
would give that visitor.
"""
