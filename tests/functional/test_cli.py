"""The ``custos`` command line, run as a user would: JSON out, one-line errors, exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from custos.cli.app import app
from custos.ledger import Checkpoint, Signer, Verifier, open_checkpoint, verify_consistency, verify_inclusion
from custos.ledger.hashing import leaf_hash


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def run(home: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, ["--home", str(home), *args])
    assert result.exit_code == code, result.output
    if code == 2:
        assert "Traceback" not in result.output
    return result.output


def run_json(home: Path, *args: str) -> object:
    return json.loads(run(home, *args, "--json"))


@pytest.fixture
def installed(home: Path) -> Path:
    run(home, "init", "--origin", "example.org/custos")
    return home


def test_init_leaves_an_empty_log_but_for_the_authority_and_protects_the_key(home: Path) -> None:
    data = run_json(home, "init", "--origin", "example.org/custos", "--authority", "Office", "-j", "EU")
    assert data["origin"] == "example.org/custos"  # type: ignore[index]
    assert (home / "keys" / "log.key").stat().st_mode & 0o777 == 0o600
    assert (home / "keys").stat().st_mode & 0o777 == 0o700
    status = run_json(home, "ledger", "status")
    assert status["size"] == 1 and status["checkpoint_size"] == 1  # type: ignore[index]
    out = run(home, "init", code=2)
    assert "already" in out


def test_actors_orgs_and_tokens(installed: Path) -> None:
    org = run_json(installed, "orgs", "add", "Bank AG", "-j", "DE")
    actor = run_json(installed, "actors", "add", "Risk officer", "--role", "deployer", "--org", "Bank AG")
    assert actor["organisation_id"] == org["id"] and actor["jurisdiction"] == "DE"  # type: ignore[index]
    listed = run_json(installed, "actors", "list")
    assert [a["name"] for a in listed] == ["Risk officer"]  # type: ignore[union-attr,index]
    token = run_json(installed, "actors", "token", actor["id"])  # type: ignore[index]
    assert token["token"].startswith("custos_")  # type: ignore[index]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("orgs", "add", "X", "-j", "XX"), "unknown jurisdiction"),
        (("actors", "add", "X", "--role", "provider", "--org", "Nope"), "no organisation 'Nope'"),
        (("actors", "add", "X", "--role", "public", "--org", "Supervisory Authority"), "anonymous visitor"),
        (("actors", "token", "NOPE"), "no actor"),
        (("ledger", "proof", "inclusion", "--index", "5", "--size", "99"), "need index < size"),
        (("ledger", "append", "/no/such/file"), "No such file"),
        (("decide", "--deployer", "NOPE", "--model", "M", "-j", "FR"), "no organisation 'NOPE'"),
        (("rollout", "status", "NOPE"), "has no rollout plan"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(installed: Path, args: tuple[str, ...], message: str) -> None:
    output = run(installed, *args, code=2)
    assert message in output


def test_commands_on_a_missing_installation_say_how_to_fix_it(home: Path) -> None:
    assert "custos init" in run(home, "ledger", "status", code=2)


def test_ledger_append_entries_proofs_and_verify(installed: Path, tmp_path: Path) -> None:
    lines = [f"line {i}" for i in range(2500)]
    source = tmp_path / "entries.txt"
    source.write_text("\n".join(lines) + "\n")
    appended = run_json(installed, "ledger", "append", str(source))
    assert appended == {"appended": 2500, "first_index": 1}
    stored = run_json(installed, "ledger", "entries", "--start", "1", "--end", "4")
    assert [e["index"] for e in stored] == [1, 2, 3]  # type: ignore[union-attr,index]
    plain = run(installed, "ledger", "entries", "--start", "2", "--end", "3")
    assert plain == "2\tline 1\n"

    first = run_json(installed, "ledger", "checkpoint")
    log_key = Verifier.from_vkey(run_json(installed, "ledger", "status")["log_key"])  # type: ignore[index]
    checkpoint, _ = open_checkpoint(first["checkpoint"], log_key)  # type: ignore[index]
    assert checkpoint.size == 2501

    proof = run_json(installed, "ledger", "proof", "inclusion", "--index", "7", "--size", "2501")
    import base64

    verify_inclusion(
        index=7,
        size=2501,
        leaf=leaf_hash(b"line 6"),
        proof=[base64.b64decode(p) for p in proof["proof"]],
        root=checkpoint.root,
    )  # type: ignore[index]
    consistency = run_json(installed, "ledger", "proof", "consistency", "--old", "300", "--size", "2501")
    verify_consistency(
        old_size=300,
        new_size=2501,
        old_root=base64.b64decode(consistency["old_root"]),  # type: ignore[index]
        new_root=checkpoint.root,
        proof=[base64.b64decode(p) for p in consistency["proof"]],
    )  # type: ignore[index]
    assert run_json(installed, "ledger", "verify")["size"] == 2501  # type: ignore[index]


def test_witness_cosigns_growth_and_refuses_a_fork(installed: Path, tmp_path: Path) -> None:
    witness_dir = tmp_path / "witness"
    source = tmp_path / "e.txt"
    source.write_text("a\nb\nc\n")
    run(installed, "ledger", "append", str(source))
    run(installed, "ledger", "checkpoint")
    cosigned = run_json(installed, "ledger", "witness", "--witness-dir", str(witness_dir))
    witness_key = Verifier.from_vkey(cosigned["witness"])  # type: ignore[index]
    run(installed, "ledger", "append", str(source))
    run(installed, "ledger", "checkpoint")
    run(installed, "ledger", "witness", "--witness-dir", str(witness_dir))
    served = run(installed, "ledger", "status", "--json")
    assert json.loads(served)["checkpoint_size"] == 7

    # A checkpoint for a different tree of a size already passed, signed with the log's own key:
    # what a compromised log would show one party to hide entries from another.
    signer = Signer.from_skey((installed / "keys" / "log.key").read_text())
    forked = tmp_path / "forked.txt"
    forked.write_text(Checkpoint("example.org/custos", 9, bytes(32)).sign(signer))
    out = run(
        installed, "ledger", "witness", "--witness-dir", str(witness_dir), "--checkpoint", str(forked), code=2
    )
    assert "refusing to cosign" in out
    from custos.ledger import Note

    latest = json.loads(run(installed, "ledger", "status", "--json"))
    assert latest["checkpoint_size"] == 7
    note = run(installed, "ledger", "checkpoint")
    Note.parse(note).verify(witness_key)
    assert run_json(installed, "ledger", "verify")["cosignatures"] == 2  # type: ignore[index]


def test_verify_names_a_tampered_entry(installed: Path, tmp_path: Path) -> None:
    import sqlite3

    source = tmp_path / "e.txt"
    source.write_text("\n".join(f"x{i}" for i in range(300)) + "\n")
    run(installed, "ledger", "append", str(source))
    run(installed, "ledger", "checkpoint")
    with sqlite3.connect(installed / "custos.db") as db:
        db.execute("UPDATE ledger_entries SET data = ? WHERE idx = 42", (b"x4!",))
    out = run(installed, "ledger", "verify", code=2)
    assert "entry 42" in out


def test_db_replay_rebuilds_views(installed: Path) -> None:
    run(installed, "orgs", "add", "Bank AG", "-j", "DE")
    before = run_json(installed, "registry", "orgs")
    assert run_json(installed, "db", "replay") == {"replayed_filings": 2}
    assert run_json(installed, "registry", "orgs") == before


def test_registry_import_list_show_and_export(installed: Path, tmp_path: Path) -> None:
    from tests.store.test_registry import spoiled_sample

    table = tmp_path / "epoch.csv"
    table.write_text(spoiled_sample(25))
    refused = run(installed, "registry", "import", "epoch", str(table), code=2)
    assert "nothing was imported" in refused and "epoch.csv:2 (" in refused and "Training compute" in refused
    report = run_json(installed, "registry", "import", "epoch", str(table), "--skip-invalid")
    assert report["imported_models"] == 24  # type: ignore[index]
    assert report["skipped"][0]["path"] == "Training compute (FLOP)"  # type: ignore[index]
    page = run_json(installed, "registry", "models", "--limit", "5")
    assert len(page["items"]) == 5 and page["next"]  # type: ignore[index]
    model_id = page["items"][0]["id"]  # type: ignore[index]
    shown = run_json(installed, "registry", "show", model_id)
    assert shown["passport"]["version"] == 1  # type: ignore[index]
    out = tmp_path / "bom.json"
    run(installed, "registry", "export", model_id, "--format", "cyclonedx", "--output", str(out))
    again = run_json(installed, "registry", "import", "cyclonedx", str(out))
    assert again["models"][0] == {  # type: ignore[index]
        "record": again["models"][0]["record"],  # type: ignore[index]
        "model_id": model_id,
        "name": shown["name"],  # type: ignore[index]
        "action": "new passport",
    }
    orgs = run_json(installed, "registry", "orgs", "--kind", "model_provider", "--limit", "500")
    assert orgs["items"]  # type: ignore[index]
    assert "no model, deployment or organisation" in run(installed, "registry", "show", "NOPE", code=2)
    assert "unknown export format" in run(
        installed, "registry", "export", model_id, "--format", "pdf", code=2
    )


def test_an_import_file_that_is_not_utf8_is_refused(installed: Path, tmp_path: Path) -> None:
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    assert "not UTF-8" in run(installed, "registry", "import", "cyclonedx", str(binary), code=2)


def test_policy_load_obligations_explain_and_whatif(installed: Path, tmp_path: Path) -> None:
    card = tmp_path / "README.md"
    card.write_text(
        "---\nlicense: mit\npipeline_tag: text-generation\n"
        "model-index:\n- name: Lab/Giant\n  results: []\n---\n# Giant\n"
    )
    report = run_json(installed, "registry", "import", "hf", str(card))
    model_id = report["models"][0]["model_id"]  # type: ignore[index]
    loaded = run_json(installed, "policy", "load", "--builtin", "all")
    assert [r["pack"] for r in loaded] == [  # type: ignore[union-attr,index]
        "california-sb53@2.1.0",
        "custos-baseline@1.8.0",
        "eu-ai-act@2.3.0",
        "new-york-raise@2.2.0",
    ]
    undetermined = run_json(
        installed, "policy", "obligations", "--status", "undetermined", "--subject", model_id
    )
    assert any("systemic-risk" in o["key"] for o in undetermined)  # type: ignore[union-attr,index]
    whatif = run_json(installed, "policy", "whatif", model_id, "--set", "training_flop=2e25")
    assert {c["rule"] for c in whatif["changes"]} >= {"systemic-risk-presumption"}  # type: ignore[index]
    first = undetermined[0]["id"]  # type: ignore[index]
    explained = run_json(installed, "policy", "explain", first)
    assert explained["explanation"]["outcome"] == "unknown"  # type: ignore[index]
    assert run_json(installed, "policy", "evaluate", "--dry-run")["filed"] == {}  # type: ignore[index]
    assert "'late' is not one of 'open', 'overdue'" in run(
        installed, "policy", "obligations", "--status", "late", code=2
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\n")
    assert "bad.yaml" in run(installed, "policy", "load", str(bad), code=2)
    assert "FACT=VALUE" in run(installed, "policy", "whatif", model_id, "--set", "nonsense", code=2)


def test_licence_apply_grant_decide_suspend(installed: Path) -> None:
    org = run_json(installed, "orgs", "add", "Lab", "-j", "FR", "--country", "FR")
    card_model = run_json(installed, "registry", "import", "hf", str(_card(installed.parent)))
    model = card_model["models"][0]["model_id"]  # type: ignore[index]
    provider = run_json(installed, "registry", "show", model)["provider_id"]  # type: ignore[index]
    licence = run_json(
        installed,
        "licence",
        "apply",
        "--model",
        model,
        "--applicant",
        provider,
        "-j",
        "EU",
        "--sector",
        "finance",
    )
    granted = run_json(installed, "licence", "decide", licence["id"], "grant")  # type: ignore[index]
    assert granted["status"] == "granted" and org["id"]  # type: ignore[index]
    args = ["decide", "--deployer", provider, "--model", model, "-j", "DE", "--sector", "finance", "--json"]
    assert json.loads(run(installed, *args))["allow"] is True
    run(installed, "licence", "suspend", licence["id"], "--reason", "audit overdue")  # type: ignore[index]
    assert json.loads(run(installed, *args, code=1))["allow"] is False
    assert "give the --reason" in run(installed, "licence", "decide", licence["id"], "revoke", code=2)  # type: ignore[index]
    assert "cannot grant" in run(installed, "licence", "decide", licence["id"], "grant", code=2)  # type: ignore[index]
    terms = installed.parent / "terms.json"
    terms.write_text(json.dumps({"valid_until": "someday", "scope": {"jurisdictions": []}}))
    refused = run(
        installed, "licence", "decide", licence["id"], "vary", "--terms", str(terms), "--reason", "x", code=2
    )  # type: ignore[index]
    assert (
        "invalid licence terms" in refused and "valid_until" in refused and "scope.jurisdictions" in refused
    )
    _rollout_commands(installed, licence["id"], model)  # type: ignore[index]


def _rollout_commands(home: Path, licence_id: str, model: str) -> None:
    """Plan, report figures, promote through a metric gate and past a closed serious incident,
    roll back; bad input exits 2."""
    run(home, "licence", "reinstate", licence_id, "--reason", "audit filed")
    plan = home.parent / "plan.json"
    plan.write_text(
        json.dumps(
            {
                "stages": [
                    {
                        "name": "pilot",
                        "percentage": 5,
                        "gates": {"metrics": {"override_rate": {"max": 0.05}}},
                    },
                    {"name": "all", "percentage": 100},
                ]
            }
        )
    )
    falling = home.parent / "falling.json"
    falling.write_text(
        json.dumps({"stages": [{"name": "a", "percentage": 50}, {"name": "b", "percentage": 0}]})
    )
    refused = run(home, "rollout", "plan", licence_id, str(falling), code=2)
    assert "invalid rollout plan" in refused and "stages.1.percentage" in refused
    assert run_json(home, "rollout", "plan", licence_id, str(plan))["stage_name"] == "pilot"  # type: ignore[index]
    assert "no telemetry and no report" in run(
        home, "rollout", "promote", licence_id, "--reason", "go", code=2
    )
    assert "NAME=NUMBER" in run(
        home, "rollout", "report", licence_id, "--metric", "override_rate=high", code=2
    )
    status = run_json(home, "rollout", "report", licence_id, "--metric", "override_rate=0.2")
    assert status["gates_unmet"] == ["override_rate = 0.2 is above its maximum 0.05"]  # type: ignore[index]
    run(home, "rollout", "report", licence_id, "--metric", "override_rate=0.01", "--note", "week 1")
    report = ["incident", "report", "--model", model, "--summary", "wrong scores", "--severity"]
    assert "'fatal' is not one of" in run(home, *report, "fatal", code=2)
    incident = run_json(home, *report, "serious", "--occurred-at", "2026-11-01T10:00:00")
    assert incident["occurred_at"] == "2026-11-01T10:00:00Z"  # type: ignore[index]
    assert "is open" in run(home, "rollout", "promote", licence_id, "--reason", "go", code=2)
    confirmed = run_json(home, "incident", "confirm", incident["id"], "--reason", "triaged")  # type: ignore[index]
    assert confirmed["status"] == "confirmed"  # type: ignore[index]
    run(home, "incident", "close", incident["id"], "--reason", "fixed")  # type: ignore[index]
    assert "already closed" in run(home, "incident", "confirm", incident["id"], "--reason", "x", code=2)  # type: ignore[index]
    promoted = run_json(home, "rollout", "promote", licence_id, "--reason", "pilot held")
    assert promoted["stage_name"] == "all"  # type: ignore[index]
    assert "earlier stage" in run(
        home, "rollout", "rollback", licence_id, "--to-stage", "1", "--reason", "x", code=2
    )
    back = run_json(home, "rollout", "rollback", licence_id, "--to-stage", "0", "--reason", "incident")
    assert back["stage_name"] == "pilot" and back["reason"] == "incident"  # type: ignore[index]
    assert run_json(home, "rollout", "status", licence_id)["stage"] == 0  # type: ignore[index]


def _card(folder: Path) -> Path:
    card = folder / "lab-card.md"
    card.write_text("---\nlicense: mit\nmodel-index:\n- name: Lab/Model\n  results: []\n---\n# Model\n")
    return card


def test_db_verify_names_a_view_row_edited_behind_the_logs_back(installed: Path, tmp_path: Path) -> None:
    import sqlite3

    from tests.store.test_registry import epoch_sample

    table = tmp_path / "epoch.csv"
    table.write_text(epoch_sample(5))
    run(installed, "registry", "import", "epoch", str(table))
    assert "view rows match the log" in run(installed, "db", "verify")
    with sqlite3.connect(installed / "custos.db") as db:
        model_id, filing_id = db.execute("SELECT id, filing_id FROM models ORDER BY id LIMIT 1").fetchone()
        db.execute("UPDATE models SET training_flop = 1e30 WHERE id = ?", (model_id,))
    out = run(installed, "db", "verify", code=2)
    assert f"models {model_id} (filing {filing_id}): training_flop is 1e+30" in out
