"""Key shares: a deposit's data key split k-of-n, sealed to custodians with age, opened,
resealed to a release and put back together; and every wrong share refused, naming its
custodian, before anything is combined. SLIP-39's published vectors hold the combining path."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import os
import random
from pathlib import Path

import pyrage
import pytest
import shamir_mnemonic
from hypothesis import given, settings
from hypothesis import strategies as st
from shamir_mnemonic import Share
from shamir_mnemonic.wordlist import WORDLIST

from custos.core.errors import InvalidInput
from custos.escrow.shares import (
    SealedShare,
    ShareError,
    check_identity,
    check_recipient,
    combine_shares,
    new_release_identity,
    open_share,
    recover_key,
    reseal_share,
    share_commitment,
    split_key,
)

VECTORS = Path(__file__).parents[2] / "fixtures" / "slip39" / "vectors.json"
DEPOSIT = "dep-01J9ESCROW"
OTHER_DEPOSIT = "dep-01J9OTHER"
#: One age key pair per possible custodian (SLIP-39 allows 16), made once: X25519 is cheap but
#: sixteen per generated example would dominate the property test.
IDENTITIES = [pyrage.x25519.Identity.generate() for _ in range(16)]
CUSTODIANS = [
    (f"custodian-{number:02d}", str(identity.to_public())) for number, identity in enumerate(IDENTITIES)
]
IDENTITY_OF = {
    custodian_id: str(identity) for (custodian_id, _), identity in zip(CUSTODIANS, IDENTITIES, strict=True)
}


def opened(sealed: tuple[SealedShare, ...], deposit: str = DEPOSIT) -> dict[str, str]:
    """Every custodian opens their own envelope with their own identity."""
    return {
        share.custodian_id: open_share(
            share.envelope,
            IDENTITY_OF[share.custodian_id],
            deposit=deposit,
            custodian_id=share.custodian_id,
            commitment=share.commitment,
        )
        for share in sealed
    }


def commitments_of(sealed: tuple[SealedShare, ...]) -> dict[str, str]:
    return {share.custodian_id: share.commitment for share in sealed}


def split(
    threshold: int, count: int, key: bytes | None = None, deposit: str = DEPOSIT
) -> tuple[bytes, tuple[SealedShare, ...]]:
    key = os.urandom(32) if key is None else key
    return key, split_key(key, deposit, CUSTODIANS[:count], threshold)


def windows(mnemonic: str, width: int = 3) -> set[str]:
    """Every run of ``width`` consecutive words of a share: none may appear in a message."""
    words = mnemonic.split()
    return {" ".join(words[start : start + width]) for start in range(len(words) - width + 1)}


def assert_quotes_no_share(error: ShareError, *mnemonics: str) -> None:
    text = f"{error.diagnostics()} {error!r}"
    for mnemonic in mnemonics:
        assert not any(run in text for run in windows(mnemonic))
    assert error.__cause__ is None
    assert error.__suppress_context__ or error.__context__ is None


# Round trips ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("threshold", "count"), [(1, 1), (1, 3), (2, 3), (3, 5), (16, 16)])
def test_k_shares_sealed_opened_and_combined_give_back_the_key(threshold: int, count: int) -> None:
    key, sealed = split(threshold, count)

    assert [share.custodian_id for share in sealed] == [
        custodian_id for custodian_id, _ in CUSTODIANS[:count]
    ]
    assert [share.index for share in sealed] == list(range(count))
    shares = opened(sealed)
    assert len(set(shares.values())) == count  # every custodian holds a distinct share
    chosen = dict(random.sample(sorted(shares.items()), threshold))

    assert (
        recover_key(chosen, deposit=DEPOSIT, commitments=commitments_of(sealed), threshold=threshold) == key
    )


@pytest.mark.parametrize(("threshold", "count"), [(1, 3), (2, 3), (3, 5), (4, 6)])
def test_every_k_subset_recovers_and_every_larger_set_too(threshold: int, count: int) -> None:
    key, sealed = split(threshold, count)
    shares, commitments = opened(sealed), commitments_of(sealed)

    for size in range(threshold, count + 1):
        for subset in itertools.combinations(sorted(shares), size):
            given_shares = {custodian_id: shares[custodian_id] for custodian_id in subset}
            assert (
                recover_key(given_shares, deposit=DEPOSIT, commitments=commitments, threshold=threshold)
                == key
            )


def test_with_threshold_one_each_share_alone_is_a_complete_slip39_backup_of_the_key() -> None:
    key, sealed = split(1, 4)

    for mnemonic in opened(sealed).values():
        assert combine_shares([mnemonic]) == key
        assert Share.from_mnemonic(mnemonic).member_threshold == 1


def test_shares_use_no_passphrase_the_smallest_iteration_exponent_and_one_split_identifier() -> None:
    key, sealed = split(3, 5)
    parsed = [Share.from_mnemonic(mnemonic) for mnemonic in opened(sealed).values()]

    assert {share.iteration_exponent for share in parsed} == {0}
    assert {share.extendable for share in parsed} == {False}
    assert len({share.identifier for share in parsed}) == 1
    assert {(share.member_threshold, share.group_threshold, share.group_count) for share in parsed} == {
        (3, 1, 1)
    }
    # the library's own combiner, with its default (empty) passphrase, agrees
    assert shamir_mnemonic.combine_mnemonics(list(opened(sealed).values())[:3]) == key


@settings(max_examples=25, deadline=None)
@given(
    key=st.binary(min_size=32, max_size=32),
    shape=st.integers(1, 16).flatmap(lambda count: st.tuples(st.integers(1, count), st.just(count))),
    seed=st.integers(0, 2**32),
)
def test_any_key_and_any_k_of_n_recovers_from_k_shares_and_not_from_fewer(
    key: bytes, shape: tuple[int, int], seed: int
) -> None:
    threshold, count = shape
    _, sealed = split(threshold, count, key=key)
    shares, commitments = opened(sealed), commitments_of(sealed)
    picker = random.Random(seed)
    chosen = picker.sample(sorted(shares), threshold)

    given_shares = {custodian_id: shares[custodian_id] for custodian_id in chosen}
    assert recover_key(given_shares, deposit=DEPOSIT, commitments=commitments, threshold=threshold) == key
    too_few = dict(list(given_shares.items())[: threshold - 1])
    with pytest.raises(ShareError, match=f"{threshold - 1} shares of the {threshold} needed"):
        recover_key(too_few, deposit=DEPOSIT, commitments=commitments, threshold=threshold)


# Commitments ------------------------------------------------------------------------------------


def test_the_commitment_is_sha256_of_the_jcs_array_of_domain_deposit_custodian_and_share() -> None:
    _, sealed = split(2, 3)
    shares = opened(sealed)

    for share in sealed:
        by_hand = json.dumps(
            ["custos.escrow.share-commitment.v1", DEPOSIT, share.custodian_id, shares[share.custodian_id]],
            separators=(",", ":"),
        ).encode()
        assert share.commitment == hashlib.sha256(by_hand).hexdigest()
    assert len({share.commitment for share in sealed}) == 3


def test_a_commitment_depends_on_deposit_custodian_and_share_and_not_on_spacing_or_case() -> None:
    _, sealed = split(2, 3)
    mnemonic = opened(sealed)["custodian-00"]
    base = share_commitment(deposit=DEPOSIT, custodian_id="custodian-00", mnemonic=mnemonic)

    assert (
        share_commitment(deposit=DEPOSIT, custodian_id="custodian-00", mnemonic=f"  {mnemonic.upper()}\n")
        == base
    )
    assert share_commitment(deposit=OTHER_DEPOSIT, custodian_id="custodian-00", mnemonic=mnemonic) != base
    assert share_commitment(deposit=DEPOSIT, custodian_id="custodian-01", mnemonic=mnemonic) != base


# Refusals at recovery ---------------------------------------------------------------------------


def test_fewer_than_k_shares_are_refused_with_the_count() -> None:
    _, sealed = split(3, 5)
    shares = opened(sealed)
    two = {custodian_id: shares[custodian_id] for custodian_id in ["custodian-00", "custodian-03"]}

    few = f"^2 shares of the 3 needed to open the deposit stored as {DEPOSIT}$"
    with pytest.raises(ShareError, match=few) as refused:
        recover_key(two, deposit=DEPOSIT, commitments=commitments_of(sealed), threshold=3)
    assert isinstance(refused.value, InvalidInput)
    assert refused.value.status == 422


def test_one_corrupted_word_is_refused_by_rs1024_naming_the_custodian() -> None:
    _, sealed = split(2, 3)
    shares = opened(sealed)
    words = shares["custodian-01"].split()
    position = 12
    words[position] = next(word for word in WORDLIST if word != words[position])
    shares["custodian-01"] = " ".join(words)

    with pytest.raises(
        ShareError, match=r"custodian custodian-01 does not parse .*RS1024 checksum"
    ) as refused:
        recover_key(shares, deposit=DEPOSIT, commitments=commitments_of(sealed), threshold=2)
    assert refused.value.evidence == {"deposit": DEPOSIT, "custodian": "custodian-01"}
    assert_quotes_no_share(refused.value, shares["custodian-01"], *opened(sealed).values())


def test_a_word_outside_the_list_and_a_truncated_share_are_refused_naming_the_custodian() -> None:
    _, sealed = split(2, 3)
    shares = opened(sealed)
    commitments = commitments_of(sealed)

    misspelt = dict(shares, **{"custodian-02": shares["custodian-02"] + "x"})
    with pytest.raises(ShareError, match=r"custodian custodian-02 does not parse.*word list"):
        recover_key(misspelt, deposit=DEPOSIT, commitments=commitments, threshold=2)
    truncated = dict(shares, **{"custodian-00": " ".join(shares["custodian-00"].split()[:-4])})
    with pytest.raises(ShareError, match="custodian custodian-00 does not parse"):
        recover_key(truncated, deposit=DEPOSIT, commitments=commitments, threshold=2)


def test_a_share_from_another_deposits_split_is_refused_as_foreign_naming_the_custodian() -> None:
    _, sealed = split(2, 3)
    _, elsewhere = split(2, 3, deposit=OTHER_DEPOSIT)  # another key, the same custodians
    mixed = {
        "custodian-00": opened(sealed)["custodian-00"],
        "custodian-01": opened(elsewhere, OTHER_DEPOSIT)["custodian-01"],
    }

    with pytest.raises(
        ShareError,
        match=f"share of custodian custodian-01 is not the one committed for them in the deposit stored as "
        f"{DEPOSIT} " + r"\(foreign or corrupted\)",
    ) as refused:
        recover_key(mixed, deposit=DEPOSIT, commitments=commitments_of(sealed), threshold=2)
    assert refused.value.evidence["custodian"] == "custodian-01"


def test_a_resplit_of_the_same_key_for_the_same_custodians_does_not_mix_with_the_first() -> None:
    key, first = split(2, 3)
    _, second = split(2, 3, key=key)
    mixed = {"custodian-00": opened(first)["custodian-00"], "custodian-01": opened(second)["custodian-01"]}

    with pytest.raises(ShareError, match=r"custodian-01 is not the one committed .*foreign or corrupted"):
        recover_key(mixed, deposit=DEPOSIT, commitments=commitments_of(first), threshold=2)
    with pytest.raises(ShareError, match="different splits"):
        combine_shares(list(mixed.values()))


def test_a_share_handed_in_by_the_wrong_custodian_is_refused() -> None:
    _, sealed = split(2, 3)
    shares = opened(sealed)
    swapped = {"custodian-00": shares["custodian-01"], "custodian-01": shares["custodian-00"]}

    with pytest.raises(ShareError, match="custodian custodian-00 is not the one committed"):
        recover_key(swapped, deposit=DEPOSIT, commitments=commitments_of(sealed), threshold=2)


def test_a_custodian_the_deposit_does_not_name_is_refused() -> None:
    _, sealed = split(2, 3)
    shares = dict(opened(sealed), **{"mallory": opened(sealed)["custodian-00"]})

    with pytest.raises(ShareError, match=f"^mallory is not among the custodians of deposit {DEPOSIT}$"):
        recover_key(shares, deposit=DEPOSIT, commitments=commitments_of(sealed), threshold=2)


def test_two_custodians_holding_one_share_are_refused_as_duplicates() -> None:
    _, sealed = split(2, 3)
    shares = opened(sealed)
    # a deposit record that commits custodian-01 to custodian-00's share
    duplicated = {"custodian-00": shares["custodian-00"], "custodian-01": shares["custodian-00"]}
    commitments = dict(
        commitments_of(sealed),
        **{
            "custodian-01": share_commitment(
                deposit=DEPOSIT, custodian_id="custodian-01", mnemonic=shares["custodian-00"]
            )
        },
    )

    with pytest.raises(ShareError, match="custodians custodian-00 and custodian-01 hand in the same share"):
        recover_key(duplicated, deposit=DEPOSIT, commitments=commitments, threshold=2)


def test_a_well_formed_but_wrong_share_is_refused_by_slip39s_digest_after_the_checks() -> None:
    key, sealed = split(2, 3)
    shares = opened(sealed)
    genuine = Share.from_mnemonic(shares["custodian-01"])
    forged = Share(**{**genuine.__dict__, "value": os.urandom(32)}).mnemonic()  # valid RS1024
    commitments = dict(
        commitments_of(sealed),
        **{"custodian-01": share_commitment(deposit=DEPOSIT, custodian_id="custodian-01", mnemonic=forged)},
    )

    with pytest.raises(
        ShareError, match=f"shares of the deposit stored as {DEPOSIT} do not reconstruct its key.*digest"
    ) as refused:
        recover_key(
            {"custodian-00": shares["custodian-00"], "custodian-01": forged},
            deposit=DEPOSIT,
            commitments=commitments,
            threshold=2,
        )
    assert_quotes_no_share(refused.value, forged, *shares.values())
    assert key.hex() not in refused.value.diagnostics()


# Envelopes --------------------------------------------------------------------------------------


def test_the_envelope_is_armored_age_to_the_custodians_x25519_recipient() -> None:
    _, sealed = split(2, 3)
    share = sealed[1]

    lines = share.envelope.strip().splitlines()
    assert lines[0] == "-----BEGIN AGE ENCRYPTED FILE-----"
    assert lines[-1] == "-----END AGE ENCRYPTED FILE-----"
    binary = base64.b64decode("".join(lines[1:-1]))
    # age v1 header (age-encryption.org/v1): the version line, then one X25519 stanza per recipient
    assert binary.startswith(b"age-encryption.org/v1\n-> X25519 ")
    assert binary.count(b"\n-> X25519 ") == 1
    plaintext = pyrage.decrypt(share.envelope.encode(), [IDENTITIES[1]])
    assert (
        share_commitment(deposit=DEPOSIT, custodian_id=share.custodian_id, mnemonic=plaintext.decode())
        == share.commitment
    )
    json.loads(json.dumps({"envelope": share.envelope}))  # travels in JSON as text


def test_an_envelope_made_by_another_age_implementation_path_opens_with_open_share() -> None:
    _, sealed = split(2, 3)
    mnemonic = opened(sealed)["custodian-02"]
    envelope = pyrage.encrypt(mnemonic.encode(), [IDENTITIES[2].to_public()], armored=True).decode()

    got = open_share(
        envelope,
        IDENTITY_OF["custodian-02"],
        deposit=DEPOSIT,
        custodian_id="custodian-02",
        commitment=sealed[2].commitment,
    )
    assert got == mnemonic


def test_a_wrong_age_identity_is_refused() -> None:
    _, sealed = split(2, 3)

    with pytest.raises(
        ShareError, match=r"custodian-00 in the deposit stored as .* does not open with this identity"
    ) as refused:
        open_share(
            sealed[0].envelope,
            IDENTITY_OF["custodian-01"],
            deposit=DEPOSIT,
            custodian_id="custodian-00",
            commitment=sealed[0].commitment,
        )
    assert IDENTITY_OF["custodian-01"] not in refused.value.diagnostics()


def test_an_envelope_that_is_not_age_or_is_damaged_is_refused() -> None:
    _, sealed = split(2, 3)
    arguments = {"deposit": DEPOSIT, "custodian_id": "custodian-00", "commitment": sealed[0].commitment}

    with pytest.raises(ShareError, match="is not an ASCII-armored age file"):
        open_share("not an envelope", IDENTITY_OF["custodian-00"], **arguments)
    lines = sealed[0].envelope.strip().splitlines()
    body = bytearray(base64.b64decode("".join(lines[1:-1])))
    body[-3] ^= 0x01  # one bit of the payload
    encoded = base64.b64encode(bytes(body)).decode()
    damaged = (
        "\n".join([lines[0], *[encoded[i : i + 64] for i in range(0, len(encoded), 64)], lines[-1]]) + "\n"
    )
    with pytest.raises(ShareError, match="is not a valid age file"):
        open_share(damaged, IDENTITY_OF["custodian-00"], **arguments)


def test_an_envelope_holding_another_share_than_committed_is_refused_with_the_reason_asked_for() -> None:
    _, sealed = split(2, 3)
    _, elsewhere = split(2, 3)
    substituted = elsewhere[0].envelope  # sealed to the same custodian, from another split

    with pytest.raises(
        ShareError,
        match=f"^the share is not the one committed for custodian custodian-00 in the deposit stored as "
        f"{DEPOSIT}$",
    ):
        open_share(
            substituted,
            IDENTITY_OF["custodian-00"],
            deposit=DEPOSIT,
            custodian_id="custodian-00",
            commitment=sealed[0].commitment,
        )


def test_shares_resealed_to_a_one_time_release_recipient_open_the_deposit() -> None:
    key, sealed = split(3, 5)
    identity, recipient = new_release_identity()
    resealed = {
        custodian_id: reseal_share(mnemonic, recipient)
        for custodian_id, mnemonic in list(opened(sealed).items())[1:4]
    }

    assert identity.startswith("AGE-SECRET-KEY-1")
    assert recipient.startswith("age1")
    assert new_release_identity() != (identity, recipient)
    release = pyrage.x25519.Identity.from_str(identity)
    shares = {
        custodian_id: pyrage.decrypt(envelope.encode(), [release]).decode()
        for custodian_id, envelope in resealed.items()
    }
    assert recover_key(shares, deposit=DEPOSIT, commitments=commitments_of(sealed), threshold=3) == key
    with pytest.raises(pyrage.DecryptError):
        pyrage.decrypt(next(iter(resealed.values())).encode(), [IDENTITIES[1]])


def test_resealing_refuses_what_is_not_a_share() -> None:
    _, recipient = new_release_identity()

    with pytest.raises(ShareError, match="the share to reseal does not parse as a SLIP-39 share"):
        reseal_share("abandon ability able", recipient)


# Splitting and key checks -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "custodians", "threshold", "reason"),
    [
        (b"\x00" * 16, CUSTODIANS[:3], 2, "a data key is 32 bytes; 16 bytes were given"),
        (b"\x00" * 32, [*CUSTODIANS, ("custodian-16", CUSTODIANS[0][1])], 2, "1 to 16 custodians"),
        (b"\x00" * 32, [], 1, "1 to 16 custodians"),
        (b"\x00" * 32, CUSTODIANS[:3], 0, "between 1 and 3; 0 was given"),
        (b"\x00" * 32, CUSTODIANS[:3], 4, "between 1 and 3; 4 was given"),
        (b"\x00" * 32, [CUSTODIANS[0], CUSTODIANS[0]], 2, "custodian custodian-00 is named more than once"),
        (b"\x00" * 32, [CUSTODIANS[0], ("custodian-99", CUSTODIANS[0][1])], 2, "the same age recipient"),
        (b"\x00" * 32, [("custodian-00", "age1notarecipient")], 1, "not an age X25519 recipient"),
    ],
)
def test_a_split_slip39_or_a_deposit_cannot_hold_is_refused(
    key: bytes, custodians: list[tuple[str, str]], threshold: int, reason: str
) -> None:
    with pytest.raises(ShareError, match=reason):
        split_key(key, DEPOSIT, custodians, threshold)


def test_recipients_and_identities_are_checked_and_canonical() -> None:
    identity = IDENTITIES[0]

    assert check_recipient(f"  {identity.to_public()}\n") == str(identity.to_public())
    assert check_identity(str(identity)) == str(identity)
    for wrong in ["", "age1", str(identity), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO"]:
        with pytest.raises(ShareError, match="not an age X25519 recipient") as refused:
            check_recipient(wrong)
        assert str(identity) not in refused.value.diagnostics()
    damaged = str(identity)[:-1] + ("Q" if str(identity)[-1] != "Q" else "P")
    for wrong in ["", str(identity.to_public()), damaged]:
        with pytest.raises(ShareError, match="not an age X25519 identity") as refused:
            check_identity(wrong)
        assert damaged not in refused.value.diagnostics()


def test_a_sealed_share_shows_no_share_in_its_repr() -> None:
    _, sealed = split(2, 3)
    mnemonic = opened(sealed)["custodian-00"]

    assert not any(run in repr(sealed[0]) for run in windows(mnemonic))


# SLIP-39's published vectors --------------------------------------------------------------------


def vectors() -> list[tuple[str, list[str], str]]:
    return [
        (description, mnemonics, secret)
        for description, mnemonics, secret, _ in json.loads(VECTORS.read_text())
    ]


@pytest.mark.parametrize(("description", "mnemonics", "secret"), vectors(), ids=[row[0] for row in vectors()])
def test_slip39_vectors_through_the_combining_path(
    description: str, mnemonics: list[str], secret: str
) -> None:
    if secret:
        assert combine_shares(mnemonics, passphrase=b"TREZOR").hex() == secret
    else:
        with pytest.raises(ShareError) as refused:
            combine_shares(mnemonics, passphrase=b"TREZOR")
        assert_quotes_no_share(refused.value, *mnemonics)
