"""``custos escrow`` as supervisors, providers and custodians run it: custodians' keys made and
appointed, a real model folder deposited, custody confirmed (through the API and relayed by the
operator), the storage audited, a release approved by a quorum and opened into files equal to the
originals byte for byte; and the refusals, each with its reason and exit code 2. No output ever
carries a share or a secret key."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyrage  # type: ignore[import-untyped]
import pytest
from fastapi.testclient import TestClient
from safetensors.numpy import save_file
from typer.testing import CliRunner

from custos.access.service import operator
from custos.cli import escrow_cmds
from custos.cli.app import app
from custos.escrow.stream import SEGMENT_SIZE
from custos.passports.model import Passport
from custos.registry.model import ModelRegistration
from custos.registry.service import RegistryService
from tests.functional.test_peers_cli import commands_served, opened

URL = "http://escrow.example"
SHARD = "model-00001-of-00002.safetensors"


@dataclass
class Custodian:
    organisation_id: str
    appointment_id: str
    identity: Path
    key: Path
    token: str


@dataclass
class World:
    """An installation with a provider's model (and its passport), three appointed custodians and
    the model's files; every command's output is kept to check that none leaks a secret."""

    home: Path
    root: Path
    model_id: str
    folder: Path
    parameters: int
    custodians: dict[str, Custodian] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)

    def run(self, *args: str, code: int = 0) -> str:
        result = CliRunner().invoke(app, ["--home", str(self.home), *args])
        assert result.exit_code == code, result.output
        assert "Traceback" not in result.output
        self.outputs.append(result.output)
        return result.output

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--json"))

    def deposit(self, *custodians: str, threshold: int = 2, code: int = 0, model: str | None = None) -> Any:
        named = [part for name in custodians for part in ("--custodian", name)]
        args = ["escrow", "deposit", model or self.model_id, str(self.folder), "--vault", str(self.vault)]
        args += [*named, "--threshold", str(threshold)]
        return self.json(*args) if code == 0 else self.run(*args, code=code)

    @property
    def vault(self) -> Path:
        return self.root / "vault"


def model_folder(folder: Path) -> int:
    """A small model as a provider ships it: two safetensors shards, a config, a tokenizer; the
    parameters its tensors hold."""
    folder.mkdir()
    rng = np.random.default_rng(17)
    first = {"embed": rng.standard_normal((600, 512)).astype(np.float32)}  # 1.2 MB: two chunks
    second = {"head": rng.standard_normal((64, 512)).astype(np.float32), "norm": np.ones(512, np.float32)}
    save_file(first, str(folder / SHARD))
    save_file(second, str(folder / "model-00002-of-00002.safetensors"))
    (folder / "config.json").write_text(json.dumps({"hidden_size": 512, "vocab_size": 600}))
    (folder / "tokenizer.json").write_text(json.dumps({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}}}))
    return sum(array.size for shard in (first, second) for array in shard.values())


def registered_model(home: Path, provider_id: str, name: str, parameters: float) -> str:
    """A model of the provider with a passport declaring ``parameters``."""
    with opened(home) as store:
        registry, by = RegistryService(store), operator(store)
        model = registry.register_model(
            ModelRegistration.model_validate({"name": name, "provider_id": provider_id}), by=by
        )
        passport = {
            "provenance": {"source": "manual"},
            "description": name,
            "compute": {"parameters": parameters},
        }
        registry.file_passport(model.id, Passport.model_validate(passport), by=by)
        return model.id


@pytest.fixture
def world(tmp_path: Path) -> World:
    home = tmp_path / "home"
    made = World(home, tmp_path, "", tmp_path / "model", 0)
    made.run("init", "--origin", "escrow.example/log", "--authority", "Authority", "-j", "EU")
    provider = made.json("orgs", "add", "Provider SA", "-j", "FR")
    made.parameters = model_folder(made.folder)
    made.model_id = registered_model(home, provider["id"], "Sample", made.parameters)
    for name in ("A", "B", "C"):
        organisation = made.json("orgs", "add", f"Keeper {name}", "-j", "DE")
        keys = made.json("escrow", "keygen", "--out", str(tmp_path / f"keeper-{name}"))
        appointed = made.json(
            "escrow",
            "appoint",
            f"Keeper {name}",
            "--recipient",
            keys["recipient"],
            "--key",
            keys["public_key"],
            "--valid-until",
            "2099-12-31",
            "--confirm-every",
            "30",
        )
        actor = made.json(
            "actors", "add", f"Keeper {name} officer", "--role", "custodian", "--org", organisation["id"]
        )
        token = made.json("actors", "token", actor["id"])["token"]
        made.custodians[name] = Custodian(
            organisation["id"], appointed["id"], Path(keys["identity"]), Path(keys["signing_key"]), token
        )
    return made


@pytest.fixture
def api(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The installation's API in process; ``--url URL`` commands reach it through the client."""
    with commands_served(world.home, monkeypatch, escrow_cmds, URL) as client:
        yield client


def share_file(world: World, api: TestClient, custodian: Custodian, deposit_id: str) -> Path:
    """The share a custodian is served by the API, saved as the file ``--share`` reads."""
    answer = api.get(
        f"/v1/escrow/deposits/{deposit_id}/share", headers={"Authorization": f"Bearer {custodian.token}"}
    )
    assert answer.status_code == 200, answer.text
    path = world.root / f"share-{custodian.appointment_id}-{deposit_id}.json"
    path.write_text(answer.text)
    return path


def remotely(custodian: Custodian) -> list[str]:
    return ["--url", URL, "--token", custodian.token]


def approve(world: World, api: TestClient, name: str, release: dict[str, Any], *, remote: bool = True) -> Any:
    custodian = world.custodians[name]
    how = (
        remotely(custodian)
        if remote
        else ["--share", str(share_file(world, api, custodian, release["deposit_id"]))]
    )
    return world.json(
        "escrow",
        "approve",
        release["id"],
        "--identity",
        str(custodian.identity),
        "--key",
        str(custodian.key),
        *how,
    )


def request_release(world: World, deposit_id: str, name: str = "release.age") -> tuple[dict[str, Any], Path]:
    identity = world.root / name
    release = world.json(
        "escrow",
        "release-request",
        deposit_id,
        "--grounds",
        "insolvency",
        "--statement",
        "The provider is in liquidation.",
        "--identity-out",
        str(identity),
    )
    return release, identity


def mnemonics(world: World, deposit_id: str) -> list[str]:
    """Every custodian's share in the clear, opened here with the custodians' own identities."""
    with opened(world.home) as store, store.read() as conn:
        filing = store.filing(conn, deposit_id)
    assert filing is not None
    identities = {c.appointment_id: c.identity for c in world.custodians.values()}
    shares = []
    for sealed in filing[0].content["shares"]:
        identity = escrow_cmds.read_identity(identities[sealed["appointment_id"]])
        key = pyrage.x25519.Identity.from_str(identity)
        shares.append(pyrage.decrypt(sealed["envelope"].encode(), [key]).decode())
    return shares


def assert_nothing_secret(world: World, deposit_ids: list[str]) -> None:
    secrets = [share for deposit_id in deposit_ids for share in mnemonics(world, deposit_id)]
    assert len(secrets) == 3 * len(deposit_ids) and all(len(share.split()) >= 20 for share in secrets)
    for output in world.outputs:
        assert "AGE-SECRET-KEY" not in output.upper()
        for share in secrets:
            assert " ".join(share.split()[:4]) not in output


def test_keygen_writes_an_age_identity_and_a_signing_key_and_never_overwrites(tmp_path: Path) -> None:
    world = World(tmp_path / "home", tmp_path, "", tmp_path, 0)
    keys = world.json("escrow", "keygen", "--out", str(tmp_path / "keys"))
    identity = Path(keys["identity"])
    assert stat.S_IMODE(identity.stat().st_mode) == 0o600
    assert stat.S_IMODE(Path(keys["signing_key"]).stat().st_mode) == 0o600
    written = identity.read_text()
    opened_key = pyrage.x25519.Identity.from_str(escrow_cmds.read_identity(identity))
    assert str(opened_key.to_public()) == keys["recipient"]
    assert keys["key"]["keytype"] == "ed25519" and len(keys["key"]["keyid"]) == 64
    out = world.run("escrow", "keygen", "--out", str(tmp_path / "keys"), code=2)
    assert "never overwritten" in out
    assert identity.read_text() == written
    assert "AGE-SECRET-KEY" not in "".join(world.outputs)


def test_a_deposit_is_confirmed_audited_released_by_a_quorum_and_opened_byte_for_byte(
    world: World, api: TestClient
) -> None:
    a, b, c = (world.custodians[name] for name in "ABC")
    deposit = world.deposit(a.appointment_id, b.organisation_id, c.appointment_id)
    names = sorted(path.name for path in world.folder.iterdir())
    assert [component["name"] for component in deposit["components"]] == [*names, "passport.cdx.json"]
    assert deposit["chunks"] == sum(component["chunks"] for component in deposit["components"])
    assert deposit["exportability"]["parameters"] == world.parameters
    assert (deposit["threshold"], len(deposit["holders"])) == (2, 3)
    assert deposit["vault"] == str(world.vault) and (world.vault / deposit["reference"]).is_dir()
    shown = world.run("escrow", "show", deposit["id"])
    assert deposit["chunk_root"] in shown and "not audited yet" in shown

    # Custody confirmed by A through the API, and by B relayed by the operator from its served share.
    world.run(
        "escrow", "confirm", deposit["id"], "--identity", str(a.identity), "--key", str(a.key), *remotely(a)
    )
    relayed = share_file(world, api, b, deposit["id"])
    world.run(
        "escrow",
        "confirm",
        deposit["id"],
        "--identity",
        str(b.identity),
        "--key",
        str(b.key),
        "--share",
        str(relayed),
    )
    holders = {h["appointment_id"]: h for h in world.json("escrow", "show", deposit["id"])["holders"]}
    assert holders[a.appointment_id]["confirmed_at"] and holders[b.appointment_id]["confirmed_at"]
    assert holders[c.appointment_id]["confirmed_at"] is None
    # C cannot confirm with B's share, nor with another's identity.
    out = world.run(
        "escrow",
        "confirm",
        deposit["id"],
        "--identity",
        str(c.identity),
        "--key",
        str(c.key),
        "--share",
        str(relayed),
        code=2,
    )
    assert "does not open with this identity" in out

    audit = world.json("escrow", "audit", deposit["id"])
    assert audit["passed"] is True and audit["failures"] == []
    assert set(audit["indices"]) <= set(range(deposit["chunks"]))

    release, identity = request_release(world, deposit["id"])
    assert stat.S_IMODE(identity.stat().st_mode) == 0o600
    assert (
        str(pyrage.x25519.Identity.from_str(escrow_cmds.read_identity(identity)).to_public())
        == release["recipient"]
    )

    # One approval of the two needed: refused, nothing filed, the release still waits.
    approve(world, api, "A", release)
    target = world.root / "opened"
    out = world.run(
        "escrow", "open", release["id"], "--identity", str(identity), "--out", str(target), code=2
    )
    assert "1 shares of the 2 needed" in out
    assert world.json("escrow", "release-show", release["id"])["status"] == "requested"
    assert not target.exists() or not any(target.iterdir())

    approve(world, api, "C", release, remote=False)
    assert world.json("escrow", "release-show", release["id"])["quorum"] is True
    out = world.run("escrow", "open", release["id"], "--identity", str(identity), "--out", str(target))
    for name in names:
        assert (target / name).read_bytes() == (world.folder / name).read_bytes(), name
        assert name in out
    passport = json.loads((target / "passport.cdx.json").read_text())
    assert passport["bomFormat"] == "CycloneDX" and json.dumps(world.parameters) in json.dumps(passport)
    shown_release = world.json("escrow", "release-show", release["id"])
    assert shown_release["status"] == "opened" and shown_release["reason"] is None
    assert world.json("escrow", "show", deposit["id"])["opened_at"] is not None
    # An opened release is opened once.
    again = world.run(
        "escrow",
        "open",
        release["id"],
        "--identity",
        str(identity),
        "--out",
        str(world.root / "again"),
        code=2,
    )
    assert "is opened" in again

    assert_nothing_secret(world, [deposit["id"]])


def test_a_tampered_chunk_refuses_the_opening_naming_the_chunk(world: World, api: TestClient) -> None:
    a, b, c = (world.custodians[name] for name in "ABC")
    deposit = world.deposit(a.appointment_id, b.appointment_id, c.appointment_id)
    release, identity = request_release(world, deposit["id"])
    approve(world, api, "A", release)
    approve(world, api, "B", release)
    ((position, shard),) = [(i, x) for i, x in enumerate(deposit["components"]) if x["name"] == SHARD]
    assert shard["chunks"] == 2
    stored = world.vault / deposit["reference"]
    layout = json.loads((stored / "layout.json").read_text())  # the objects, in deposit order
    sealed = stored / "objects" / layout[position]["object"]
    data = bytearray(sealed.read_bytes())
    data[SEGMENT_SIZE + 100] ^= 1  # a bit of the shard's second chunk
    sealed.write_bytes(bytes(data))
    chunk = shard["first_chunk"] + 1

    target = world.root / "opened"
    out = world.run(
        "escrow", "open", release["id"], "--identity", str(identity), "--out", str(target), code=2
    )
    assert f"chunk {chunk}" in out and SHARD in out
    refused = world.json("escrow", "release-show", release["id"])
    assert refused["status"] == "refused" and f"chunk {chunk}" in refused["reason"]
    assert not [path for path in target.rglob("*") if path.is_file()]
    # A deposit this small is audited whole (16 chunks an audit), so the audit finds the chunk too.
    audit = json.loads(world.run("escrow", "audit", deposit["id"], "--json", code=1))
    assert audit["passed"] is False and [f["index"] for f in audit["failures"]] == [chunk]
    assert f"failed at chunks {chunk}" in world.run("escrow", "show", deposit["id"])
    assert_nothing_secret(world, [deposit["id"]])


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("one custodian twice", "is named twice"),
        ("parameters outside the tolerance", "33.3% off, tolerance 2%"),
        ("one custodian", "at least two custodians"),
    ],
)
def test_a_refused_deposit_leaves_nothing_in_the_store_or_the_log(
    world: World, case: str, message: str
) -> None:
    a, b = world.custodians["A"], world.custodians["B"]
    before = world.json("ledger", "status")["size"]
    if case == "one custodian twice":
        out = world.deposit(a.appointment_id, a.organisation_id, b.appointment_id, code=2)
    elif case == "one custodian":
        out = world.deposit(a.appointment_id, threshold=2, code=2)
    else:
        provider = world.json("registry", "show", world.model_id)["provider_id"]
        inflated = registered_model(world.home, provider, "Inflated", world.parameters * 1.5)
        before = world.json("ledger", "status")["size"]
        out = world.deposit(a.appointment_id, b.appointment_id, code=2, model=inflated)
    assert message in out
    assert not world.vault.exists() or not any(world.vault.iterdir())
    assert world.json("ledger", "status")["size"] == before
    assert world.json("escrow", "deposits") == []


def test_a_deposit_the_installation_refuses_is_removed_from_the_store(world: World) -> None:
    """Two custodians of one organisation: sealed, then refused at filing, and discarded."""
    a = world.custodians["A"]
    keys = world.json("escrow", "keygen", "--out", str(world.root / "second"))
    second = world.json(
        "escrow",
        "appoint",
        "Keeper A",
        "--recipient",
        keys["recipient"],
        "--key",
        keys["public_key"],
        "--valid-until",
        "2099-12-31",
    )
    out = world.deposit(a.appointment_id, second["id"], code=2)
    assert "holds two shares" in out
    assert not world.vault.exists() or not any(world.vault.iterdir())


def test_confirm_locally_needs_the_served_share(world: World, api: TestClient) -> None:
    a, b = world.custodians["A"], world.custodians["B"]
    deposit = world.deposit(a.appointment_id, b.appointment_id)
    out = world.run(
        "escrow", "confirm", deposit["id"], "--identity", str(a.identity), "--key", str(a.key), code=2
    )
    assert "--share FILE" in out
    out = world.run(
        "escrow",
        "confirm",
        deposit["id"],
        "--identity",
        str(a.identity),
        "--key",
        str(a.key),
        "--url",
        URL,
        code=2,
    )
    assert "--token" in out


def test_lists_show_deposits_custodians_and_releases(world: World, api: TestClient) -> None:
    a, b = world.custodians["A"], world.custodians["B"]
    deposit = world.deposit(a.appointment_id, b.appointment_id)
    listed = world.json("escrow", "deposits", "--model", "Sample")
    assert [row["id"] for row in listed] == [deposit["id"]]
    assert deposit["id"] in world.run("escrow", "deposits")
    custodians = world.json("escrow", "custodians")
    assert {row["id"] for row in custodians} == {c.appointment_id for c in world.custodians.values()}
    release, _ = request_release(world, deposit["id"])
    assert release["id"] in world.run("escrow", "releases")
    shown = world.run("escrow", "release-show", release["id"])
    assert "approvals: 0 of 2" in shown and "no custodian has approved it yet" in shown
    withdrawn = world.json("escrow", "withdraw-custodian", a.appointment_id, "--reason", "Merged")
    assert withdrawn["status"] == "withdrawn" and withdrawn["in_force"] is False
    swept = world.json("escrow", "sweep")
    assert swept["missed"] == []


def test_a_provider_deposits_from_its_own_machine_through_the_api(world: World, api: TestClient) -> None:
    a, b = world.custodians["A"], world.custodians["B"]
    provider = world.json("registry", "show", world.model_id)["provider_id"]
    actor = world.json("actors", "add", "Release engineer", "--role", "provider", "--org", provider)
    token = world.json("actors", "token", actor["id"])["token"]
    args = ["escrow", "deposit", world.model_id, str(world.folder), "--vault", str(world.vault)]
    args += ["--custodian", a.organisation_id, "--custodian", b.organisation_id, "--threshold", "2"]
    out = world.run(*args, "--url", URL, "--token", token)
    assert "2 of 2 open it" in out
    (filed,) = world.json("escrow", "deposits")
    assert filed["id"] in out and filed["owner_id"] == provider
    assert filed["exportability"]["declared"] == world.parameters
    assert [c["name"] for c in filed["components"]][-1] == "passport.cdx.json"
    assert (world.vault / filed["reference"]).is_dir()
    # A deposit for a model of another provider is refused by the installation, and discarded.
    other = world.json("orgs", "add", "Rival AI", "-j", "FR")
    rival = registered_model(world.home, other["id"], "Rival", world.parameters)
    refused = world.run(
        *[rival if arg == world.model_id else arg for arg in args], "--url", URL, "--token", token, code=2
    )
    assert "provider" in refused
    assert sorted(path.name for path in world.vault.iterdir()) == [filed["reference"]]


def test_a_refusal_is_filed_without_what_only_supervisors_may_see(world: World) -> None:
    """The refused outcome is public: it names the deposit by id, never by its reference in the
    store, and leaves out the evidence (a manifest mismatch quotes plaintext digests)."""
    from custos.core.errors import IntegrityFailure
    from custos.escrow.shares import ShareError
    from custos.escrow.views import DepositView

    a, b = world.custodians["A"], world.custodians["B"]
    deposit = DepositView.model_validate(world.deposit(a.appointment_id, b.appointment_id))
    assert deposit.reference and deposit.digests
    digest = next(iter(deposit.digests.values()))
    few = ShareError(
        f"1 shares of the 2 needed to open the deposit stored as {deposit.reference}",
        evidence={"deposit": deposit.reference},
    )
    assert escrow_cmds.public_reason(few, deposit) == f"1 shares of the 2 needed to open deposit {deposit.id}"
    mismatch = IntegrityFailure(
        "component 'config.json' does not match the manifest", evidence={"sha256": digest}
    )
    assert digest not in escrow_cmds.public_reason(mismatch, deposit)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--tolerance", "0.5"], "the tolerance must be between 0 and 5%"),
        (["--vault", "nosuchproto://escrow/x"], "the escrow store 'nosuchproto://escrow/x' cannot be used"),
    ],
)
def test_a_deposit_asked_for_badly_is_refused_before_anything_is_sealed(
    world: World, extra: list[str], message: str
) -> None:
    a, b = world.custodians["A"], world.custodians["B"]
    args = ["escrow", "deposit", world.model_id, str(world.folder), "--vault", str(world.vault)]
    args += ["--custodian", a.appointment_id, "--custodian", b.appointment_id, "--threshold", "2", *extra]
    assert message in world.run(*args, code=2)
    assert not world.vault.exists() or not any(world.vault.iterdir())


def test_an_appointment_takes_public_keys_only_and_identities_are_read_as_such(world: World) -> None:
    keys = world.json("escrow", "keygen", "--out", str(world.root / "third"))
    private = str(world.root / "third" / "custodian-signing.pem")
    out = world.run(
        "escrow",
        "appoint",
        "Keeper A",
        "--recipient",
        keys["recipient"],
        "--key",
        private,
        "--valid-until",
        "2099-12-31",
        code=2,
    )
    assert "is a private key" in out
    out = world.run(
        "escrow", "open", "01NOTARELEASE", "--identity", private, "--out", str(world.root / "out"), code=2
    )
    assert "should hold one age identity (AGE-SECRET-KEY-1…); it holds none" in out
