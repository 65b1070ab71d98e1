"""An auditor's side: the Statement an engagement asks for, signed into a DSSE envelope.

Signing is securesystemslib's (the library the in-toto tooling signs with), so an envelope
made here and one made by ``in-toto`` tooling with the same key are the same kind of object.
"""

from __future__ import annotations

from typing import Any

from securesystemslib.dsse import Envelope
from securesystemslib.signer import Signer

from custos.assurance.statement import PAYLOAD_TYPE, Statement


def sign_statement(statement: Statement, signer: Signer) -> dict[str, Any]:
    """The DSSE envelope of ``statement`` signed by ``signer``, as JSON."""
    envelope = Envelope(statement.to_json(), PAYLOAD_TYPE, {})
    envelope.sign(signer)
    signed: dict[str, Any] = envelope.to_dict()
    return signed
