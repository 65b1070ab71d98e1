"""A typed Python client for the Custos REST API.

``CustosClient`` sends the filings' own payload models (:class:`~custos.passports.Passport`,
``ModelRegistered``, ...) and answers with the read models the API documents, so a provider's
code and the server agree on every field. Problem documents become
:class:`~custos.client.errors.CustosApiError`; see ``docs/client.md``.
"""

from custos.client.client import CustosClient
from custos.client.errors import CustosApiError, CustosConnectionError
from custos.licensing.model import LicenceApplication, LicenceStep
from custos.registry.model import DeploymentRegistration, ModelRegistration

__all__ = [
    "CustosApiError",
    "CustosClient",
    "CustosConnectionError",
    "DeploymentRegistration",
    "LicenceApplication",
    "LicenceStep",
    "ModelRegistration",
]
