"""A deposit's data key split k-of-n among its custodians, and put back together.

The 32-byte data key is split with SLIP-39 (``shamir-mnemonic``): its RS1024 checksum catches a
corrupted share, its digest share catches a wrong reconstruction and its identifier ties shares
to one split. Each share is bound to its deposit and custodian by a public commitment and
encrypted with age to the custodian's X25519 recipient, ASCII-armored so it travels in JSON.
At release each custodian opens their share and reseals it to the release's one-time recipient;
the shares are checked one by one, naming the custodian at fault, before any is combined.

A share or the key never appears in a message, a ``repr`` or an exception's chain: the
library's own messages quote the first words of a share, so none of them is passed on. Python
cannot wipe a ``str`` or ``bytes``, so a caller keeps shares and keys in local variables only,
for as long as a release takes.

Every refusal is a :class:`ShareError`, an ``InvalidInput`` (422): a share, an identity or an
envelope handed in by a caller is wrong, and nothing is stored on its account. Stored data
failing its commitment is found by the same checks, and the reason names the custodian.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyrage  # type: ignore[import-untyped]
import shamir_mnemonic  # type: ignore[import-untyped]
from shamir_mnemonic import MnemonicError, Share

from custos.core.canonical import canonical_json, sha256_hex
from custos.core.errors import InvalidInput

KEY_BYTES = 32
MAX_CUSTODIANS = 16  # SLIP-39 encodes a member index and count in four bits each
ITERATION_EXPONENT = 0
"""SLIP-39 stretches the passphrase with PBKDF2 (10 000 * 2**e iterations). The secret is a
uniformly random 256-bit key and the passphrase is empty, so stretching guards nothing: the
smallest exponent keeps a release fast and adds no weakness."""
PASSPHRASE = b""
"""SLIP-39's passphrase is a second secret that any value "decrypts" without error (by design,
for plausible deniability), so a wrong one would go unnoticed and yield a wrong key. The
confidentiality of a share comes from age and the threshold, so no passphrase is used."""
EXTENDABLE = False
"""A deposit's share set is never extended: new custodians mean a new split recorded with its own
commitments. So the original, non-extendable SLIP-39 form is used, whose encryption of the key
is salted with the split's identifier, tying the secret the shares carry to that one split."""
COMMITMENT_DOMAIN = "custos.escrow.share-commitment.v1"
ARMOR_BEGIN = "-----BEGIN AGE ENCRYPTED FILE-----"
ARMOR_END = "-----END AGE ENCRYPTED FILE-----"


class ShareError(InvalidInput):
    """A share, an identity, a recipient or an envelope is refused; the reason names which."""


@dataclass(frozen=True)
class SealedShare:
    """One custodian's share as it is filed: public except for what the envelope seals.

    ``index`` is the share's place in the split: its SLIP-39 member index, or, when one share
    opens the deposit (k = 1), its group index (see :func:`split_key`).
    """

    custodian_id: str
    index: int
    commitment: str
    envelope: str


def check_recipient(text: str) -> str:
    """Return ``text`` as a canonical age X25519 recipient ("age1..."), or refuse it.

    The refusal does not quote ``text``: an identity pasted where a recipient belongs is a secret.
    """
    try:
        recipient = pyrage.x25519.Recipient.from_str(text.strip())
    except (pyrage.RecipientError, ValueError, TypeError, AttributeError):
        raise ShareError(
            "the recipient is not an age X25519 recipient: expected Bech32 text beginning 'age1'"
        ) from None
    return str(recipient)


def check_identity(text: str) -> str:
    """Return ``text`` as a canonical age X25519 identity, or refuse it without quoting it."""
    try:
        identity = pyrage.x25519.Identity.from_str(text.strip())
    except (pyrage.IdentityError, ValueError, TypeError, AttributeError):
        raise ShareError(
            "the identity is not an age X25519 identity: expected Bech32 text beginning 'AGE-SECRET-KEY-1'"
        ) from None
    return str(identity)


def new_release_identity() -> tuple[str, str]:
    """A fresh age X25519 key pair (identity, recipient) for one release, never reused.

    Custodians reseal their shares to the recipient; the identity lives only as long as the
    release that opens them, so a reseal copied later opens nothing.
    """
    identity = pyrage.x25519.Identity.generate()
    return str(identity), str(identity.to_public())


def share_commitment(*, deposit: str, custodian_id: str, mnemonic: str) -> str:
    """SHA-256 (hex) of the JCS array (domain, deposit, custodian, share).

    Publishing it is safe unsalted: a share's value is 256 bits the public cannot guess, and even
    a holder of the other k-1 shares has at least 2**224 candidates left (SLIP-39's 4-byte digest
    removes at most 32 bits), so no preimage search can succeed.
    """
    encoded = canonical_json([COMMITMENT_DOMAIN, deposit, custodian_id, _normalise(mnemonic)])
    return sha256_hex(encoded)


def split_key(
    key: bytes, deposit: str, custodians: Sequence[tuple[str, str]], threshold: int
) -> tuple[SealedShare, ...]:
    """Split ``key`` among ``custodians`` (id, age recipient) so that any ``threshold`` open it.

    SLIP-39 refuses a group of several shares with threshold 1, so for k = 1 each custodian gets
    a one-share group and one group opens the key (SLIP-39's own form of 1-of-n): the shares
    differ only in their group index and each one alone is the key in SLIP-39 form.
    """
    _check_split(key, deposit, custodians, threshold)
    recipients = [check_recipient(recipient) for _, recipient in custodians]
    count = len(custodians)
    groups = [(threshold, count)] if threshold > 1 else [(1, 1)] * count
    generated = shamir_mnemonic.generate_mnemonics(
        1,
        groups,
        key,
        passphrase=PASSPHRASE,
        extendable=EXTENDABLE,
        iteration_exponent=ITERATION_EXPONENT,
    )
    mnemonics = [mnemonic for group in generated for mnemonic in group]
    return tuple(
        SealedShare(
            custodian_id=custodian_id,
            index=index,
            commitment=share_commitment(deposit=deposit, custodian_id=custodian_id, mnemonic=mnemonic),
            envelope=_seal(mnemonic, recipient),
        )
        for index, ((custodian_id, _), recipient, mnemonic) in enumerate(
            zip(custodians, recipients, mnemonics, strict=True)
        )
    )


def open_share(envelope: str, identity: str, *, deposit: str, custodian_id: str, commitment: str) -> str:
    """Decrypt a custodian's envelope and return the share if it is the one committed for them."""
    age_identity = pyrage.x25519.Identity.from_str(check_identity(identity))
    where = {"deposit": deposit, "custodian": custodian_id}
    if not _is_armored(envelope):
        raise ShareError(
            f"the envelope of custodian {custodian_id} in the deposit stored as {deposit} is not an "
            "ASCII-armored age file",
            evidence=where,
        )
    try:
        plaintext = pyrage.decrypt(envelope.encode("ascii"), [age_identity])
    except pyrage.DecryptError as error:
        if "no matching keys" in str(error).lower():
            reason = "does not open with this identity (it was sealed to another recipient)"
        else:
            reason = "is not a valid age file (its header or payload is damaged)"
        raise ShareError(
            f"the envelope of custodian {custodian_id} in the deposit stored as {deposit} {reason}",
            evidence=where,
        ) from None
    mnemonic = _normalise(plaintext.decode("ascii", errors="replace"))
    expected = share_commitment(deposit=deposit, custodian_id=custodian_id, mnemonic=mnemonic)
    if not hmac.compare_digest(expected, commitment):
        raise ShareError(
            f"the share is not the one committed for custodian {custodian_id} in the deposit stored as "
            f"{deposit}",
            evidence=where,
        )
    return mnemonic


def reseal_share(mnemonic: str, recipient: str) -> str:
    """Encrypt an opened share to a release's one-time recipient (armored age)."""
    share = _normalise(mnemonic)
    _parse(share, whose="the share to reseal")
    return _seal(share, check_recipient(recipient))


def recover_key(
    shares: Mapping[str, str], *, deposit: str, commitments: Mapping[str, str], threshold: int
) -> bytes:
    """Reconstruct a deposit's data key from its custodians' shares (custodian id -> share).

    Each share is refused with its own reason before anything is combined: a custodian the
    deposit does not name, fewer shares than the threshold, a share that does not parse (its
    RS1024 checksum, words or length), a share other than the one committed for its custodian,
    two custodians holding one share index. The first ``threshold`` shares by custodian id are
    then combined, and SLIP-39's digest refuses a wrong result.
    """
    if not 1 <= threshold <= MAX_CUSTODIANS:
        raise ShareError(
            f"a threshold is between 1 and {MAX_CUSTODIANS}; the deposit stored as {deposit} "
            f"names {threshold}"
        )
    strangers = sorted(set(shares) - set(commitments))
    if strangers:
        raise ShareError(
            f"{', '.join(strangers)} {'is' if len(strangers) == 1 else 'are'} not among the custodians "
            f"of deposit {deposit}",
            evidence={"deposit": deposit, "custodians": strangers},
        )
    if len(shares) < threshold:
        raise ShareError(
            f"{len(shares)} shares of the {threshold} needed to open the deposit stored as {deposit}",
            evidence={"deposit": deposit, "given": len(shares), "needed": threshold},
        )
    holders: dict[tuple[int, int], str] = {}
    chosen: list[str] = []
    for custodian_id in sorted(shares):
        mnemonic = _normalise(shares[custodian_id])
        where = {"deposit": deposit, "custodian": custodian_id}
        parsed = _parse(mnemonic, whose=f"the share of custodian {custodian_id}", evidence=where)
        expected = share_commitment(deposit=deposit, custodian_id=custodian_id, mnemonic=mnemonic)
        if not hmac.compare_digest(expected, commitments[custodian_id]):
            raise ShareError(
                f"the share of custodian {custodian_id} is not the one committed for them in the deposit "
                f"stored as {deposit} (foreign or corrupted)",
                evidence=where,
            )
        place = (parsed.group_index, parsed.index)
        if place in holders:
            raise ShareError(
                f"custodians {holders[place]} and {custodian_id} hand in the same share of the deposit "
                f"stored as {deposit}",
                evidence={"deposit": deposit, "custodians": [holders[place], custodian_id]},
            )
        holders[place] = custodian_id
        chosen.append(mnemonic)
    try:
        key = combine_shares(chosen[:threshold])
    except ShareError as error:
        raise ShareError(
            f"the shares of the deposit stored as {deposit} do not reconstruct its key: {error.message}",
            evidence={"deposit": deposit},
        ) from None
    if len(key) != KEY_BYTES:
        raise ShareError(
            f"the shares of the deposit stored as {deposit} reconstruct {len(key)} bytes, not a "
            f"{KEY_BYTES}-byte key",
            evidence={"deposit": deposit},
        )
    return key


def combine_shares(mnemonics: Sequence[str], *, passphrase: bytes = PASSPHRASE) -> bytes:
    """Combine SLIP-39 shares into their secret, refusing with a reason that quotes no share.

    Deposits always use the empty passphrase; the parameter lets this path be held to SLIP-39's
    published test vectors, which use "TREZOR".
    """
    if not mnemonics:
        raise ShareError("no shares were given")
    normalised = [_normalise(mnemonic) for mnemonic in mnemonics]
    parsed = [_parse(mnemonic, whose=f"share {number}") for number, mnemonic in enumerate(normalised, 1)]
    if len({(share.group_index, share.index) for share in parsed}) != len(parsed):
        raise ShareError("two of the shares are the same share (same group and member index)")
    if len({share.identifier for share in parsed}) != 1:
        raise ShareError("the shares come from different splits (their SLIP-39 identifiers differ)")
    try:
        return bytes(shamir_mnemonic.combine_mnemonics(normalised, passphrase))
    except (MnemonicError, ValueError) as error:
        raise ShareError(_combining_reason(str(error))) from None


def _check_split(key: bytes, deposit: str, custodians: Sequence[tuple[str, str]], threshold: int) -> None:
    """Refuse a split SLIP-39 or a deposit cannot hold, before any share is made."""
    if len(key) != KEY_BYTES:
        raise ShareError(f"a data key is {KEY_BYTES} bytes; {len(key)} bytes were given")
    if not deposit:
        raise ShareError("the deposit reference is empty")
    if not 1 <= len(custodians) <= MAX_CUSTODIANS:
        raise ShareError(
            f"a key is split among 1 to {MAX_CUSTODIANS} custodians (SLIP-39's limit); "
            f"{len(custodians)} were named"
        )
    if not 1 <= threshold <= len(custodians):
        raise ShareError(f"the threshold must be between 1 and {len(custodians)}; {threshold} was given")
    ids = [custodian_id for custodian_id, _ in custodians]
    if any(not custodian_id for custodian_id in ids):
        raise ShareError("a custodian id is empty")
    repeated = sorted({custodian_id for custodian_id in ids if ids.count(custodian_id) > 1})
    if repeated:
        raise ShareError(f"custodian {', '.join(repeated)} is named more than once")
    owners: dict[str, str] = {}
    for custodian_id, recipient in custodians:
        canonical = check_recipient(recipient)
        if canonical in owners:
            raise ShareError(
                f"custodians {owners[canonical]} and {custodian_id} have the same age recipient: "
                "one key holder would hold two shares"
            )
        owners[canonical] = custodian_id


def _parse(mnemonic: str, *, whose: str, evidence: dict[str, Any] | None = None) -> Share:
    """Decode a share, naming whose it is and why it fails (never quoting it)."""
    try:
        return Share.from_mnemonic(mnemonic)
    except MnemonicError as error:
        raise ShareError(
            f"{whose} does not parse as a SLIP-39 share: {_parsing_reason(str(error))}", evidence=evidence
        ) from None


def _parsing_reason(message: str) -> str:
    """The library's reason for an unparsable share, restated without the share's words."""
    if message.startswith("Invalid mnemonic checksum"):
        return "its RS1024 checksum fails (a word is wrong or out of place)"
    if message.startswith("Invalid mnemonic word"):
        return "a word is not in the SLIP-39 word list"
    if message.startswith("Invalid mnemonic length"):
        return "it has the wrong number of words"
    if message.startswith("Invalid mnemonic padding"):
        return "its value's padding is not zero"
    if "Group threshold cannot be greater than group count" in message:
        return "its group threshold exceeds its group count"
    return "its encoding is invalid"


def _combining_reason(message: str) -> str:
    """The library's reason for shares that do not combine, restated without their words."""
    if message.startswith("Invalid digest"):
        return "SLIP-39's digest check fails (a share is wrong or from another split)"
    if message.startswith(("Insufficient number", "Wrong number")):
        return "the shares are not the number their threshold asks for"
    if "don't match" in message or "must begin with the same" in message:
        return "the shares' parameters disagree (they are not of one split)"
    return "the shares do not combine under SLIP-39"


def _normalise(mnemonic: str) -> str:
    """A share's words in lower case, one space apart: the form committed to and combined."""
    return " ".join(mnemonic.lower().split())


def _seal(mnemonic: str, recipient: str) -> str:
    """Encrypt a share to an age X25519 recipient, ASCII-armored."""
    sealed = pyrage.encrypt(
        mnemonic.encode("ascii"), [pyrage.x25519.Recipient.from_str(recipient)], armored=True
    )
    return bytes(sealed).decode("ascii")


def _is_armored(envelope: str) -> bool:
    """True when the envelope has age's ASCII armor around it."""
    text = envelope.strip()
    return text.isascii() and text.startswith(ARMOR_BEGIN) and text.endswith(ARMOR_END)
