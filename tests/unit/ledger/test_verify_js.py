"""The browser verifier (custos/dashboard/static/verify.js), run under Node.js against a real log.

A real installation files organisations until its log holds 1, 2, 3, 7 and 33 entries, signing a
checkpoint at each size and fetching every filing through the API. Node then verifies each
response with the module, and each forgery must fail with the message Python's verifier gives.
Published vectors (the RFC 6962 test tree, the Go signed-note example) pin the module to truth
that does not come from this project.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from custos.access.service import operator
from custos.api import create_app
from custos.core.errors import CustosError, InvalidInput
from custos.ledger import (
    ALG_COSIGNATURE_V1,
    Checkpoint,
    Note,
    Signer,
    Verifier,
    leaf_hash,
    open_checkpoint,
    verify_inclusion,
)
from custos.registry.model import OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import Store, ledger_sql
from custos.store._tables import filings
from tests import prerequisites
from tests.installations import sqlite_installation
from tests.unit.ledger.vectors import CT_INCLUSION, CT_LEAVES, CT_ROOTS, GO_NOTE, GO_VKEY

VERIFY_JS = Path(__file__).resolve().parents[3] / "src" / "custos" / "dashboard" / "static" / "verify.js"
SIZES = (1, 2, 3, 7, 33)
TARGET = 5  # the filing the forgeries start from, in the tree of 33
NODE_TIMEOUT = 60

DRIVER = """
import { readFileSync } from "node:fs";
import * as verify from __VERIFY_JS__;

const bytes = (b64) => new Uint8Array(Buffer.from(b64, "base64"));
const b64 = (data) => Buffer.from(data).toString("base64");
const hex = (data) => Buffer.from(data).toString("hex");

async function run(c) {
  switch (c.kind) {
    case "filing":
      return await verify.verifyFiling(c.response, c.vkey);
    case "checkpoint": {
      const head = await verify.openCheckpoint(c.note, c.vkey);
      return { origin: head.origin, size: head.size, root: b64(head.root) };
    }
    case "vkey": {
      const key = verify.parseVerifierKey(c.vkey);
      return { name: key.name, keyId: hex(key.keyId), publicKey: b64(key.publicKey) };
    }
    case "leaf":
      return b64(await verify.leafHash(bytes(c.entry)));
    case "inclusion": {
      const leaf = await verify.leafHash(bytes(c.entry));
      const proof = c.proof.map(bytes);
      await verify.verifyInclusion({ index: c.index, size: c.size, leaf, proof, root: bytes(c.root) });
      return null;
    }
    default:
      throw new Error(`unknown case kind ${c.kind}`);
  }
}

const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
const results = {};
for (const [name, c] of Object.entries(cases)) {
  try {
    results[name] = { ok: true, value: await run(c) };
  } catch (error) {
    results[name] = { ok: false, error: error.message, name: error.name };
  }
}
process.stdout.write(JSON.stringify(results));
"""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def flip(data: bytes, at: int = 0) -> bytes:
    """``data`` with the lowest bit of byte ``at`` flipped."""
    return data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :]


@dataclass
class Log:
    store: Store
    vkey: str
    origin: str
    key_id: str
    snapshots: dict[int, list[dict[str, Any]]]
    """Per tree size, the API's response for each filing, by index, under that size's checkpoint."""


def _size(store: Store) -> int:
    with store.read() as conn:
        return ledger_sql.tree_size(conn)


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Log]:
    store = sqlite_installation(tmp_path_factory.mktemp("verify-js"))
    registry, by = RegistryService(store), operator(store)
    snapshots: dict[int, list[dict[str, Any]]] = {}
    try:
        with TestClient(create_app(store, checkpoint_interval=None, compliance_interval=None)) as client:
            vkey = client.get("/v1/ledger/status").json()["log_key"]
            for target in SIZES:
                while _size(store) < target:
                    registry.register_organisation(
                        OrganisationRegistered.model_validate(
                            {
                                "name": f"Org {_size(store)}",
                                "jurisdiction": "FR",
                                "country": "FR",
                                "kinds": ["deployer"],
                            }
                        ),
                        by=by,
                    )
                assert _size(store) == target, "each organisation is one filing, one entry"
                assert store.publish_checkpoint()[0] == target
                with store.read() as conn:
                    ids = {int(i): str(f) for i, f in conn.execute(select(filings.c.idx, filings.c.id))}
                assert sorted(ids) == list(range(target)), "every entry is a filing"
                responses = [client.get(f"/v1/filings/{ids[i]}").json() for i in range(target)]
                assert [r["index"] for r in responses] == list(range(target))
                snapshots[target] = responses
        verifier = Verifier.from_vkey(vkey)
        yield Log(store, vkey, verifier.name, verifier.key_id.hex(), snapshots)
    finally:
        store.close()


def python_verdict(response: dict[str, Any], vkey: str) -> str | None:
    """What the project's Python verifier says of a filing response: None, or the failure.

    The same steps, in the same order, as ``verifyFiling``; the checks specific to the response
    (index, missing checkpoint, coverage) are written here with the module's wording.
    """
    try:
        index = response["index"]
        if not isinstance(index, int) or index < 0:
            raise InvalidInput("filing index must be a non-negative integer")
        if not response["checkpoint"]:
            raise InvalidInput(f"no signed checkpoint covers entry {index} yet")
        entry = unb64(response["entry"])
        proof = [unb64(p) for p in response["proof"]]
        checkpoint, _ = open_checkpoint(response["checkpoint"], Verifier.from_vkey(vkey))
        if index >= checkpoint.size:
            raise InvalidInput(f"the checkpoint of size {checkpoint.size} does not cover entry {index}")
        verify_inclusion(
            index=index, size=checkpoint.size, leaf=leaf_hash(entry), proof=proof, root=checkpoint.root
        )
    except CustosError as exc:
        return exc.message
    except binascii.Error as exc:
        return f"not base64: {exc}"
    return None


# --- Variants of the target filing: a builder, the expected outcome, and what Python says of it
# (base64 errors are worded by each language's decoder, and Python's decoder is more lenient).

Build = Callable[[Log], tuple[dict[str, Any], str]]


@dataclass(frozen=True)
class Variant:
    build: Build
    expected: str | None
    """None when it must verify; else the start of the message, with {origin} and {key_id}."""
    python: str
    """What Python's verifier says: "same" message, "refuses" in its own words, or "accepts"."""


VARIANTS: dict[str, Variant] = {}


def variant(name: str, expected: str | None, *, python: str = "same") -> Callable[[Build], Build]:
    def register(build: Build) -> Build:
        VARIANTS[name] = Variant(build, expected, python)
        return build

    return register


def target(log: Log, size: int = 33) -> dict[str, Any]:
    return json.loads(json.dumps(log.snapshots[size][TARGET]))


def with_checkpoint(response: dict[str, Any], note: str) -> dict[str, Any]:
    return {**response, "checkpoint": note}


def body_of(note: str) -> Checkpoint:
    return Checkpoint.parse_body(Note.parse(note).text)


@variant("witness cosignature alongside", None)
def _cosigned(log: Log) -> tuple[dict[str, Any], str]:
    response = target(log)
    witness = Signer.generate("witness.example", ALG_COSIGNATURE_V1)
    line = witness.signature_line(Note.parse(response["checkpoint"]).text, timestamp=1_790_000_000)
    return with_checkpoint(response, response["checkpoint"] + line), log.vkey


@variant("flipped bit in the entry", "inclusion proof does not lead to the root")
def _entry_bit(log: Log) -> tuple[dict[str, Any], str]:
    response = target(log)
    return {**response, "entry": b64(flip(unb64(response["entry"]), 7))}, log.vkey


@variant("flipped bit in a proof hash", "inclusion proof does not lead to the root")
def _proof_bit(log: Log) -> tuple[dict[str, Any], str]:
    response = target(log)
    proof = list(response["proof"])
    proof[2] = b64(flip(unb64(proof[2]), 31))
    return {**response, "proof": proof}, log.vkey


@variant("flipped bit in the checkpoint root", "signature by {origin} does not verify")
def _root_bit(log: Log) -> tuple[dict[str, Any], str]:
    response = target(log)
    note = response["checkpoint"]
    text = Note.parse(note).text
    head = Checkpoint.parse_body(text)
    forged = dataclasses.replace(head, root=flip(head.root, 0)).body()
    return with_checkpoint(response, forged + note[len(text) :]), log.vkey


@variant("flipped bit in the signature", "signature by {origin} does not verify")
def _signature_bit(log: Log) -> tuple[dict[str, Any], str]:
    response = target(log)
    parsed = Note.parse(response["checkpoint"])
    (line,) = parsed.signatures
    forged = dataclasses.replace(line, signature=flip(line.signature, 40))
    return with_checkpoint(response, Note(parsed.text, (forged,)).render()), log.vkey


@variant("flipped bit in the signature's key id", "no signature by {origin} ({key_id}) on the note")
def _key_id_bit(log: Log) -> tuple[dict[str, Any], str]:
    response = target(log)
    parsed = Note.parse(response["checkpoint"])
    (line,) = parsed.signatures
    forged = dataclasses.replace(line, key_id=flip(line.key_id, 3))
    return with_checkpoint(response, Note(parsed.text, (forged,)).render()), log.vkey


@variant("index of the neighbouring entry", "inclusion proof does not lead to the root")
def _next_index(log: Log) -> tuple[dict[str, Any], str]:
    return {**target(log), "index": TARGET + 1}, log.vkey


@variant("index at the checkpoint's size", "the checkpoint of size 33 does not cover entry 33")
def _index_past_size(log: Log) -> tuple[dict[str, Any], str]:
    return {**target(log), "index": 33}, log.vkey


@variant("negative index", "filing index must be a non-negative integer")
def _negative_index(log: Log) -> tuple[dict[str, Any], str]:
    return {**target(log), "index": -1}, log.vkey


@variant("checkpoint signed by another key of the log's name", "no signature by {origin} ({key_id})")
def _impostor(log: Log) -> tuple[dict[str, Any], str]:
    response = target(log)
    impostor = Signer.generate(log.origin)
    return with_checkpoint(response, body_of(response["checkpoint"]).sign(impostor)), log.vkey


@variant("checkpoint of this log under another log's key", "checkpoint origin '{origin}' is not the log")
def _other_log(log: Log) -> tuple[dict[str, Any], str]:
    response = target(log)
    other = Signer.generate("other.example/log")
    return with_checkpoint(response, body_of(response["checkpoint"]).sign(other)), other.verifier.vkey


@variant("verifier key whose id does not match", "verifier key id does not match its name and key")
def _bad_vkey(log: Log) -> tuple[dict[str, Any], str]:
    name, key_id, material = log.vkey.split("+", 2)
    return target(log), f"{name}+{flip(bytes.fromhex(key_id), 0).hex()}+{material}"


@variant("proof one hash too long", "inclusion proof is longer than the tree is deep")
def _long_proof(log: Log) -> tuple[dict[str, Any], str]:
    response = target(log)
    return {**response, "proof": [*response["proof"], response["proof"][0]]}, log.vkey


@variant("proof one hash too short", "inclusion proof is shorter than the tree is deep")
def _short_proof(log: Log) -> tuple[dict[str, Any], str]:
    response = target(log)
    return {**response, "proof": response["proof"][:-1]}, log.vkey


@variant("proof for the tree of 7 under the checkpoint of 33", "inclusion proof is shorter than the tree is")
def _stale_proof(log: Log) -> tuple[dict[str, Any], str]:
    return {**target(log), "proof": target(log, 7)["proof"]}, log.vkey


@variant("proof hash of 31 bytes", "proof element must be 32 bytes, got 31")
def _short_hash(log: Log) -> tuple[dict[str, Any], str]:
    response = target(log)
    proof = list(response["proof"])
    proof[0] = b64(unb64(proof[0])[:31])
    return {**response, "proof": proof}, log.vkey


@variant("entry without base64 padding", "filing entry is not base64", python="refuses")
def _unpadded(log: Log) -> tuple[dict[str, Any], str]:
    response = target(log)
    entry = response["entry"] if response["entry"].endswith("=") else response["entry"] + "A"
    return {**response, "entry": entry.rstrip("=")}, log.vkey


@variant("proof hash with a space", "proof element 1 is not base64", python="refuses")
def _space(log: Log) -> tuple[dict[str, Any], str]:
    response = target(log)
    proof = list(response["proof"])
    proof[1] = proof[1][:4] + " " + proof[1][4:]
    return {**response, "proof": proof}, log.vkey


@variant("proof hash in non-canonical base64", "proof element 0 is not canonical base64", python="accepts")
def _non_canonical(log: Log) -> tuple[dict[str, Any], str]:
    response = target(log)
    proof = list(response["proof"])
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = alphabet.index(proof[0][-2])  # 32 bytes: one '=', so the last two bits are unused
    proof[0] = proof[0][:-2] + alphabet[last | 1] + "="
    assert unb64(proof[0]) == unb64(response["proof"][0])
    return {**response, "proof": proof}, log.vkey


@variant("checkpoint with no signature line", "the note carries no signature")
def _unsigned(log: Log) -> tuple[dict[str, Any], str]:
    response = target(log)
    return with_checkpoint(response, Note.parse(response["checkpoint"]).text + "\n"), log.vkey


@variant("no checkpoint covers the entry yet", f"no signed checkpoint covers entry {TARGET} yet")
def _uncovered(log: Log) -> tuple[dict[str, Any], str]:
    return {**target(log), "checkpoint": "", "proof": []}, log.vkey


# --- One Node.js run over every case.


def _cases(log: Log) -> dict[str, dict[str, Any]]:
    cases: dict[str, dict[str, Any]] = {}
    for size, responses in log.snapshots.items():
        for response in responses:
            cases[f"size {size} index {response['index']}"] = {
                "kind": "filing",
                "response": response,
                "vkey": log.vkey,
            }
        cases[f"checkpoint {size}"] = {
            "kind": "checkpoint",
            "note": responses[0]["checkpoint"],
            "vkey": log.vkey,
        }
    for name, v in VARIANTS.items():
        response, vkey = v.build(log)
        cases[name] = {"kind": "filing", "response": response, "vkey": vkey}
    for i, entry in enumerate(CT_LEAVES):
        cases[f"ct leaf {i}"] = {"kind": "leaf", "entry": b64(entry)}
    for (index, size), proof in CT_INCLUSION.items():
        cases[f"ct inclusion {index} {size}"] = {
            "kind": "inclusion",
            "index": index,
            "size": size,
            "entry": b64(CT_LEAVES[index]),
            "proof": [b64(bytes.fromhex(h)) for h in proof],
            "root": b64(bytes.fromhex(CT_ROOTS[size])),
        }
    cases["go vkey"] = {"kind": "vkey", "vkey": GO_VKEY}
    cases["go note"] = {"kind": "checkpoint", "note": GO_NOTE, "vkey": GO_VKEY}
    altered = GO_NOTE.replace("cryptography", "Cryptography")
    cases["go note altered"] = {"kind": "checkpoint", "note": altered, "vkey": GO_VKEY}
    return cases


@pytest.fixture(scope="module")
def cases(log: Log) -> dict[str, dict[str, Any]]:
    return _cases(log)


@pytest.fixture(scope="module")
def results(cases: dict[str, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    node = prerequisites.node()
    assert VERIFY_JS.is_file(), f"{VERIFY_JS} is missing"
    work = tmp_path_factory.mktemp("node")
    (work / "driver.mjs").write_text(DRIVER.replace("__VERIFY_JS__", json.dumps(VERIFY_JS.as_uri())))
    (work / "cases.json").write_text(json.dumps(cases))
    run = subprocess.run(
        [node, str(work / "driver.mjs"), str(work / "cases.json")],
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT,
        check=False,
    )
    if run.returncode != 0:
        pytest.fail(f"node exited with {run.returncode}:\n{run.stderr}")
    out: dict[str, Any] = json.loads(run.stdout)
    assert out.keys() == cases.keys()
    return out


def test_node_is_available() -> None:
    prerequisites.node()


@pytest.mark.parametrize("size", SIZES)
def test_every_filing_verifies_under_its_checkpoint(log: Log, results: dict[str, Any], size: int) -> None:
    for index, response in enumerate(log.snapshots[size]):
        assert python_verdict(response, log.vkey) is None
        assert results[f"size {size} index {index}"] == {
            "ok": True,
            "value": {"index": index, "size": size, "origin": log.origin},
        }


@pytest.mark.parametrize("size", SIZES)
def test_checkpoints_open_to_what_python_reads(log: Log, results: dict[str, Any], size: int) -> None:
    head, _ = open_checkpoint(log.snapshots[size][0]["checkpoint"], Verifier.from_vkey(log.vkey))
    assert results[f"checkpoint {size}"] == {
        "ok": True,
        "value": {"origin": head.origin, "size": head.size, "root": b64(head.root)},
    }
    assert head.root == log.store.tiles.reader.root(size)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_variants_of_a_filing(
    log: Log, cases: dict[str, dict[str, Any]], results: dict[str, Any], name: str
) -> None:
    expected = VARIANTS[name].expected
    case, result = cases[name], results[name]
    python = python_verdict(case["response"], case["vkey"])
    if expected is None:
        assert python is None
        assert result == {"ok": True, "value": {"index": TARGET, "size": 33, "origin": log.origin}}
        return
    message = expected.format(origin=log.origin, key_id=log.key_id)
    assert not result["ok"], f"verify.js accepted {name}"
    assert result["name"] == "VerificationError"
    assert result["error"].startswith(message), result["error"]
    if VARIANTS[name].python == "accepts":
        assert python is None
    else:
        assert python is not None, "the Python verifier must refuse it too"
    if VARIANTS[name].python == "same":
        assert result["error"] == python


def test_leaf_hashes_match_the_rfc_6962_test_tree(results: dict[str, Any]) -> None:
    for i, entry in enumerate(CT_LEAVES):
        assert results[f"ct leaf {i}"] == {"ok": True, "value": b64(leaf_hash(entry))}
    # The root of the one-leaf tree is its leaf hash: a published value, not one computed here.
    assert results["ct leaf 0"]["value"] == b64(bytes.fromhex(CT_ROOTS[1]))


def test_published_inclusion_proofs_verify(results: dict[str, Any]) -> None:
    for index, size in CT_INCLUSION:
        assert results[f"ct inclusion {index} {size}"] == {"ok": True, "value": None}


def test_the_go_reference_note_is_checked_before_its_body_is_refused(results: dict[str, Any]) -> None:
    assert results["go vkey"] == {
        "ok": True,
        "value": {
            "name": "PeterNeumann",
            "keyId": "c74f20a3",
            "publicKey": b64(Verifier.from_vkey(GO_VKEY).public),
        },
    }
    # The signature verifies (so the body is reached), and a note that is no checkpoint is refused.
    assert results["go note"]["error"] == (
        "a checkpoint body has an origin, a size and a root hash, each on a line"
    )
    assert results["go note altered"]["error"] == "signature by PeterNeumann does not verify"
