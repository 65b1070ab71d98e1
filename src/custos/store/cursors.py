"""Opaque list cursors: a page's position, sealed by the server so a reader learns nothing from it.

A cursor holds the sort values of the last row a reader was shown. Those are values the reader
may see, but a cursor is also handed around, logged and replayed, so it is sealed with AES-GCM
under a key derived (HKDF-SHA256) from the installation's log key: every process of one
installation opens the others' cursors, a cursor from elsewhere or altered in transit is
refused, and nothing in it can be read or steered.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from custos.core.errors import InvalidInput

INFO = b"custos list cursor v1"
NONCE = 12


class CursorSeal:
    def __init__(self, secret: bytes) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(secret)
        self._aead = AESGCM(key)

    def seal(self, position: str | None) -> str | None:
        if position is None:
            return None
        nonce = os.urandom(NONCE)
        sealed = nonce + self._aead.encrypt(nonce, position.encode(), INFO)
        return base64.urlsafe_b64encode(sealed).decode().rstrip("=")

    def open(self, cursor: str | None) -> str | None:
        if not cursor:
            return None
        try:
            sealed = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            return self._aead.decrypt(sealed[:NONCE], sealed[NONCE:], INFO).decode()
        except (binascii.Error, ValueError, InvalidTag) as exc:
            raise InvalidInput("cursor is not one this server gave: start again without it") from exc
