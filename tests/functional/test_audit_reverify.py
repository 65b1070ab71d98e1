"""``custos audit reverify`` as a supervisor runs it: two auditors attest about a model through
the command line; once one accreditation is withdrawn, the command names the attestation its key
signed and why it is refused, keeps the other, and exits 0."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.functional.test_cli import run, run_json

SCOPES = {"Audit BV": "custos-systemic-risk-audit", "Review Ltd": "eu-ai-act-art55-evaluation"}


def attest(home: Path, firm: str, algorithm: str) -> dict[str, str]:
    """Accredit ``firm`` with a new key, engage it about the model, and file the envelope its key
    signed: the ids of the accreditation and the attestation."""
    work = home.parent
    key = work / f"{algorithm}.pem"
    run(home, "audit", "keygen", str(key), "--algorithm", algorithm)
    accreditation = run_json(
        home,
        "audit",
        "accredit",
        "--organisation",
        firm,
        "--key",
        f"{key}.pub",
        "--scope",
        SCOPES[firm],
        "--valid-from",
        "2026-01-01",
        "--valid-until",
        "2099-12-31",
    )
    engagement = run_json(
        home, "audit", "engage", "--subject", "Giant", "--scope", SCOPES[firm], "--auditor", firm
    )
    assert isinstance(accreditation, dict) and isinstance(engagement, dict)
    statement, envelope = work / f"{algorithm}-statement.json", work / f"{algorithm}-envelope.json"
    run(
        home,
        "audit",
        "statement",
        "--engagement",
        engagement["id"],
        "--opinion",
        "pass",
        "--method",
        "Document review",
        "--summary",
        "No material weakness found.",
        "--valid-until",
        "2099-01-01",
        "--out",
        str(statement),
    )
    run(home, "audit", "sign", str(statement), "--key", str(key), "--out", str(envelope))
    filed = run_json(home, "audit", "file", str(envelope))
    assert isinstance(filed, dict)
    return {"accreditation": accreditation["id"], "attestation": filed["id"]}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    run(home, "init", "--origin", "example.org/custos")
    run(home, "orgs", "add", "Lab SA", "-j", "FR", "--country", "FR")
    for firm in SCOPES:
        run(home, "orgs", "add", firm, "-j", "NL", "--country", "NL")
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\nmodel-index:\n- name: Lab SA/Giant\n  results: []\n---\n# Giant\n")
    run(home, "registry", "import", "hf", str(card))
    return home


def test_reverify_names_what_a_withdrawn_accreditation_signed(home: Path) -> None:
    lost = attest(home, "Audit BV", "ed25519")
    kept = attest(home, "Review Ltd", "ecdsa-p256")
    assert "2 attestations: 2 verify, 0 refused" in run(home, "audit", "reverify")

    run(home, "audit", "withdraw", lost["accreditation"], "--reason", "signing key lost")
    size = run_json(home, "ledger", "status")["size"]  # type: ignore[index]
    out = run(home, "audit", "reverify", "--workers", "1")
    assert "2 attestations: 1 verify, 1 refused:" in out
    refusals = [line for line in out.splitlines() if line.startswith("✗")]
    assert len(refusals) == 1
    assert (
        lost["attestation"] in refusals[0]
        and "withdrawn" in refusals[0]
        and "signing key lost" in refusals[0]
    )
    assert kept["attestation"] not in out

    report = run_json(home, "audit", "reverify", "--workers", "2")
    assert isinstance(report, dict)
    assert (report["total"], report["verified"], report["refused"]) == (2, 1, 1)
    by_id = {found["attestation_id"]: found for found in report["attestations"]}
    assert by_id[kept["attestation"]]["verified"] and "reason" not in by_id[kept["attestation"]]
    assert by_id[lost["attestation"]]["accreditation_id"] == lost["accreditation"]
    assert run_json(home, "ledger", "status")["size"] == size  # type: ignore[index]


def test_workers_below_one_are_refused(home: Path) -> None:
    assert "--workers" in run(home, "audit", "reverify", "--workers", "0", code=2)
