"""Auditors' signing keys: public keys as securesystemslib gives them, private keys in files.

Custos accepts Ed25519 and ECDSA P-256 keys, the two the in-toto and Sigstore tooling sign
with. A key's id is securesystemslib's default (SHA-256 of the key's canonical form), so a
signature made by the in-toto tooling with the same key names the id Custos records. Private
keys live in PEM files (PKCS#8, optionally encrypted), created with mode 0600: a keystore on
the auditor's own machine, with no PKCS#11 module to install.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from securesystemslib.signer import CryptoSigner, SSlibKey

from custos.core.errors import InvalidInput

if TYPE_CHECKING:
    from custos.assurance.model import SigningKey

#: The (keytype, scheme) pairs accepted.
ACCEPTED = {("ed25519", "ed25519"), ("ecdsa", "ecdsa-sha2-nistp256")}


def check_key(key: SigningKey) -> None:
    """Raise ValueError unless the key is an accepted type, parses, and carries its own id."""
    if (key.keytype, key.scheme) not in ACCEPTED:
        raise ValueError(
            f"key {key.keyid[:12]}… is {key.keytype}/{key.scheme}; Custos accepts Ed25519 and ECDSA P-256"
        )
    try:
        public = sslib_key(key.keyid, key.keytype, key.scheme, tuple(sorted(key.keyval.items())))
        expected = SSlibKey.from_crypto(public._crypto_key()).keyid
    except Exception as exc:  # securesystemslib and cryptography raise several kinds for a bad key
        raise ValueError(f"key {key.keyid[:12]}… does not parse: {exc}") from exc
    if expected != key.keyid:
        raise ValueError(f"key id {key.keyid} is not the key's own ({expected})")


@lru_cache(maxsize=1024)
def sslib_key(keyid: str, keytype: str, scheme: str, keyval: tuple[tuple[str, str], ...]) -> SSlibKey:
    """A securesystemslib key, built once per process for each key seen."""
    return SSlibKey(keyid, keytype, scheme, dict(keyval))


def key_from_pem(pem: bytes, origin: str = "the key") -> dict[str, object]:
    """The public key in a PEM file (a public key, or a private key whose public half is
    taken) in the form an accreditation lists it."""
    try:
        loaded = serialization.load_pem_public_key(pem)
    except ValueError:
        try:
            loaded = serialization.load_pem_private_key(pem, password=None).public_key()
        except (ValueError, TypeError) as exc:
            raise InvalidInput(
                f"{origin} is not a PEM public key, nor an unencrypted PEM private key"
            ) from exc
    if not isinstance(loaded, ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey) or (
        isinstance(loaded, ec.EllipticCurvePublicKey) and not isinstance(loaded.curve, ec.SECP256R1)
    ):
        raise InvalidInput(f"{origin} is neither Ed25519 nor ECDSA P-256, the keys Custos accepts")
    key = SSlibKey.from_crypto(loaded)
    return {"keyid": key.keyid, "keytype": key.keytype, "scheme": key.scheme, "keyval": dict(key.keyval)}


def generate_key(path: Path, algorithm: Literal["ed25519", "ecdsa-p256"] = "ed25519") -> dict[str, object]:
    """Write a new private key to ``path`` (PKCS#8 PEM, mode 0600, never overwriting) and its
    public half beside it (``.pub``); the public key as an accreditation lists it."""
    private = (
        ed25519.Ed25519PrivateKey.generate()
        if algorithm == "ed25519"
        else ec.generate_private_key(ec.SECP256R1())
    )
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise InvalidInput(f"{path} exists: a signing key is never overwritten") from exc
    with os.fdopen(descriptor, "wb") as out:
        out.write(pem)
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    path.with_name(path.name + ".pub").write_bytes(public)
    return key_from_pem(public)


def signer_from_file(path: Path, password: str | None = None) -> CryptoSigner:
    """A securesystemslib signer for the private key in ``path``."""
    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read the signing key {path}: {exc.strerror}") from exc
    if b"PUBLIC KEY-----" in pem:
        raise InvalidInput(f"{path} is a public key: sign with the private key it was made with")
    try:
        private = serialization.load_pem_private_key(pem, password=password.encode() if password else None)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"{path} is not a PEM private key (or its password is wrong)") from exc
    if not isinstance(private, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey):
        raise InvalidInput("Custos signs with Ed25519 and ECDSA P-256 keys")
    return CryptoSigner(private)
