"""An audit on the command line, from the auditor's key to anyone's offline verification: each
step's output feeds the next, a bundle verifies with the log's key alone, and a tampered bundle,
a bad file or the wrong log key exits 2 with the reason."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from tests.functional.test_incidents import run, run_json
from tests.store.test_registry import epoch_sample


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An installation holding five models of Epoch AI's table, with their passports."""
    home = tmp_path / "home"
    run(home, "init")
    table = tmp_path / "epoch.csv"
    table.write_text(epoch_sample(5), encoding="utf-8")
    run(home, "registry", "import", "epoch", str(table))
    return home


def first_model(home: Path) -> str:
    items = run_json(home, "registry", "models")["items"]
    assert isinstance(items, list)
    return str(items[0]["id"])


@pytest.fixture
def attested(home: Path, tmp_path: Path) -> tuple[Path, str, Path]:
    """An accredited firm's qualified attestation about the first model, filed: the home, the
    attestation id and the envelope file."""
    key = tmp_path / "auditor.key"
    run(home, "audit", "keygen", str(key), "--algorithm", "ecdsa-p256")
    run(home, "orgs", "add", "Audit BV", "-j", "NL", "--country", "NL", "-k", "auditor")
    accreditation = run_json(
        home, "audit", "accredit", "--organisation", "Audit BV", "--key", f"{key}.pub",
        "--scope", "iso-iec-42001", "--valid-from", "2026-01-01", "--valid-until", "2028-12-31",
    )  # fmt: skip
    assert accreditation["in_force"] is True
    engagement = run_json(
        home,
        "audit",
        "engage",
        "--subject",
        first_model(home),
        "--scope",
        "iso-iec-42001",
        "--auditor",
        "Audit BV",
    )
    statement, envelope = tmp_path / "statement.json", tmp_path / "statement.dsse.json"
    run(
        home, "audit", "statement", "--engagement", str(engagement["id"]), "--opinion", "qualified",
        "--method", "Management-system audit", "--summary", "Two minor nonconformities",
        "--valid-until", "2029-01-01", "--out", str(statement),
    )  # fmt: skip
    run(home, "audit", "sign", str(statement), "--key", str(key), "--out", str(envelope))
    filed = run_json(home, "audit", "file", str(envelope))
    assert (filed["opinion"], filed["standard"]) == ("qualified", "ISO/IEC 42001:2023")
    return home, str(filed["id"]), envelope


def test_a_bundle_verifies_offline_with_the_logs_key(
    attested: tuple[Path, str, Path], tmp_path: Path
) -> None:
    home, attestation, _ = attested
    bundle = tmp_path / "bundle.json"
    run(home, "audit", "bundle", attestation, "--out", str(bundle))
    log_key = str(run_json(home, "ledger", "status")["log_key"])
    elsewhere = tmp_path / "no-installation"  # a verifier with nothing but the file and the key
    verified = run_json(elsewhere, "audit", "verify", str(bundle), "--log-key", log_key)
    assert verified["verified"] is True and verified["opinion"] == "qualified"
    assert any("filed it as attestation" in str(line) for line in verified["checks"])  # type: ignore[union-attr]
    assert not elsewhere.exists()


def test_an_envelope_verifies_against_the_installation(attested: tuple[Path, str, Path]) -> None:
    home, _, envelope = attested
    assert "✓ checkpoint of" in run(home, "audit", "verify", str(envelope))


def test_a_tampered_bundle_or_the_wrong_log_key_exits_2_with_the_reason(
    attested: tuple[Path, str, Path], tmp_path: Path
) -> None:
    home, attestation, _ = attested
    bundle = json.loads(run(home, "audit", "bundle", attestation))
    log_key = str(run_json(home, "ledger", "status")["log_key"])
    statement = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    statement["predicate"]["opinion"] = "pass"
    bundle["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(bundle), encoding="utf-8")
    assert "does not verify" in run(home, "audit", "verify", str(tampered), "--log-key", log_key, code=2)
    other = tmp_path / "other-home"
    run(other, "init", "--origin", "other.test/log", "--authority", "Elsewhere", "-j", "EU")
    other_key = str(run_json(other, "ledger", "status")["log_key"])
    original = tmp_path / "bundle.json"
    run(home, "audit", "bundle", attestation, "--out", str(original))
    assert "checkpoint does not verify" in run(
        home, "audit", "verify", str(original), "--log-key", other_key, code=2
    )


def test_bad_files_exit_2_and_store_nothing(home: Path, tmp_path: Path) -> None:
    run(home, "orgs", "add", "Audit BV", "-j", "NL", "-k", "auditor")
    size = run_json(home, "ledger", "status")["size"]
    not_json = tmp_path / "x.json"
    not_json.write_text("{not json", encoding="utf-8")
    assert "is not JSON" in run(home, "audit", "file", str(not_json), code=2)
    assert "no key of an accreditation" not in run(home, "audit", "file", str(not_json), code=2)
    empty = tmp_path / "empty.dsse.json"
    empty.write_text('{"payloadType": "application/vnd.in-toto+json", "payload": "", "signatures": []}')
    assert "carries no signature" in run(home, "audit", "file", str(empty), code=2)
    public = tmp_path / "k.pem"
    public.write_text("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n", encoding="utf-8")
    assert "k.pem is not a PEM public key, nor an unencrypted PEM private key" in run(
        home, "audit", "accredit", "--organisation", "Audit BV", "--key", str(public),
        "--scope", "iso-iec-42001", "--valid-from", "2026-01-01", "--valid-until", "2027-01-01", code=2,
    )  # fmt: skip
    assert run_json(home, "ledger", "status")["size"] == size


def test_a_finding_list_refuses_an_unknown_status_and_reads_a_subject_by_name(home: Path) -> None:
    assert "unknown status 'bogus'" in run(home, "finding", "list", "--status", "bogus", code=2)
    assert "no model or deployment" in run(home, "finding", "list", "--subject", "NOPE", code=2).lower()
