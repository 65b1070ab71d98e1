"""API tokens: 256 random bits, shown once, stored only as a SHA-256 hash.

A hash (not a slow password hash) is right here because the token is random and long: there is
nothing to brute-force, and every request must check one quickly.
"""

from __future__ import annotations

import secrets

from custos.core.canonical import sha256_hex

PREFIX = "custos_"


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return sha256_hex(token.encode())
