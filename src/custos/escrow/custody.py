"""Custodians' signed statements: a confirmation that a share still opens, and a release approval.

A statement is JSON in a DSSE envelope signed with one of the keys the custodian's appointment
lists (securesystemslib, as for audit attestations), so whoever carries it to the installation
(the custodian's own token, or the supervisor's operator relaying it) cannot alter it or make it
up. A confirmation names the share's public commitment: the custodian opened the share in
memory and it matched. An approval names the SHA-256 of the share envelope it sends, so the
envelope cannot be swapped on the way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from securesystemslib.dsse import Envelope
from securesystemslib.exceptions import FormatError, VerificationError
from securesystemslib.signer import Signature, Signer

from custos.assurance.keys import sslib_key
from custos.assurance.statement import decode_payload
from custos.assurance.verification import signature_hex
from custos.core.errors import InvalidInput

PAYLOAD_TYPE = "application/vnd.custos.escrow.statement+json"
CONFIRMATION = "https://custos.dev/escrow/custody-confirmation/v1"
APPROVAL = "https://custos.dev/escrow/release-approval/v1"
#: How far a statement's own time may stray from the installation's clock.
SKEW = timedelta(days=1)


def envelope_digest(envelope: str) -> str:
    """SHA-256 of a share envelope as filed: without the whitespace around it, which filings trim."""
    return hashlib.sha256(envelope.strip().encode()).hexdigest()


def sign(statement: Mapping[str, Any], signer: Signer) -> dict[str, Any]:
    """The DSSE envelope of ``statement`` signed by ``signer``, as JSON."""
    envelope = Envelope(json.dumps(statement, sort_keys=True).encode(), PAYLOAD_TYPE, {})
    envelope.sign(signer)
    signed: dict[str, Any] = envelope.to_dict()
    return signed


def confirmation(deposit_id: str, appointment_id: str, commitment: str, at: datetime) -> dict[str, Any]:
    return {
        "_type": CONFIRMATION,
        "deposit": deposit_id,
        "custodian": appointment_id,
        "commitment": commitment,
        "confirmedAt": at.isoformat(),
    }


def approval(release_id: str, appointment_id: str, envelope: str, at: datetime) -> dict[str, Any]:
    return {
        "_type": APPROVAL,
        "release": release_id,
        "custodian": appointment_id,
        "envelopeSha256": envelope_digest(envelope),
        "approvedAt": at.isoformat(),
    }


def read_statement(envelope: Mapping[str, Any]) -> dict[str, Any]:
    """The statement a DSSE envelope carries, its signature not yet checked."""
    try:
        statement = json.loads(decode_payload(dict(envelope)))
    except ValueError as exc:
        raise InvalidInput("the custody statement is not JSON") from exc
    if not isinstance(statement, dict):
        raise InvalidInput("the custody statement is not a JSON object")
    return statement


def verified(
    envelope: Mapping[str, Any],
    keys: Sequence[Mapping[str, Any]],
    expected: Mapping[str, str],
    *,
    moment: str,
    now: datetime,
) -> dict[str, Any]:
    """The statement in ``envelope`` when a listed key signed it, it says ``expected`` field for
    field, and its time (``moment``) is within a day of ``now``; InvalidInput saying which
    check failed otherwise."""
    if envelope.get("payloadType") != PAYLOAD_TYPE:
        raise InvalidInput(f"a custody statement's payloadType is {PAYLOAD_TYPE}")
    payload = decode_payload(dict(envelope))
    signatures = envelope.get("signatures")
    if not isinstance(signatures, list) or not signatures:
        raise InvalidInput("the custody statement carries no signature")
    by_id = {str(key["keyid"]): key for key in keys}
    for signature in signatures:
        key = by_id.get(str(signature.get("keyid"))) if isinstance(signature, Mapping) else None
        if key is None:
            continue
        one = Envelope(payload, PAYLOAD_TYPE, {})
        try:
            one.signatures[key["keyid"]] = Signature(key["keyid"], signature_hex(str(signature["sig"])))
            one.verify(
                [
                    sslib_key(
                        key["keyid"], key["keytype"], key["scheme"], tuple(sorted(key["keyval"].items()))
                    )
                ],
                1,
            )
        except (VerificationError, FormatError, ValueError) as exc:
            raise InvalidInput(f"the signature by key {key['keyid'][:12]}… does not verify") from exc
        break
    else:
        raise InvalidInput("the custody statement is signed by no key of the custodian's appointment")
    statement = read_statement(envelope)
    for name, value in expected.items():
        if statement.get(name) != value:
            raise InvalidInput(f"the custody statement's {name} is {statement.get(name)!r}, not {value!r}")
    try:
        at = datetime.fromisoformat(str(statement.get(moment)))
    except ValueError as exc:
        raise InvalidInput(f"the custody statement's {moment} is not a date and time") from exc
    if at.tzinfo is None or abs(at - now) > SKEW:
        raise InvalidInput(f"the custody statement's {moment} ({at.isoformat()}) is not within a day of now")
    return statement
