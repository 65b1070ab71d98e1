"""The escrow page in a real browser: deposits with their size, split, live custodians, last
storage audit and each custodian's next confirmation; release requests with their approvals;
the custodians appointed. The same for the public and a supervisor, except where the sealed
components are stored, which only the supervisor is shown; and empty states that say what
would appear.

One installation for the module, seeded through the services on a fixed clock. Three models of
one provider are deposited, an hour apart, with three custodians confirming every 30, 90 and 60
days (and a fourth appointed, then withdrawn):

- Frontier Alpha: 2 of 3 custodians, a vault whose chunks match the committed root (its audit
  passes), a release requested on it with one approval of the two needed;
- Frontier Beta: 14.2 GB in 3 of 3, never audited, a release requested and refused;
- Frontier Gamma: 2 of 2, a vault whose bytes rotted after the deposit (its audit fails on
  both chunks), then superseded by a new passport version.

Forty days on, the 30-day custodian is overdue on Alpha and Beta, and Beta, needing all three,
is short of its quorum; the 90-day custodian confirmed its share of Alpha that day.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from blake3 import blake3
from playwright.sync_api import Locator, Page, expect

from custos.access.model import Role
from custos.access.service import operator
from custos.assurance.keys import generate_key, signer_from_file
from custos.core.clock import FixedClock
from custos.escrow import custody
from custos.escrow.model import (
    CustodianAppointed,
    EscrowDeposited,
    EscrowOpened,
    ReleaseApproved,
    ReleaseRequested,
)
from custos.escrow.service import EscrowService
from custos.escrow.shares import new_release_identity, open_share, reseal_share, split_key
from custos.escrow.stream import PLAINTEXT_SEGMENT_SIZE, SEGMENT_SIZE
from custos.escrow.vault import ObjectChunks, Vault
from custos.escrow.views import CustodianView, DepositView
from custos.ledger.hashing import leaf_hash, reference_root
from custos.passports.model import Passport
from custos.registry.model import ModelRegistration
from custos.registry.service import RegistryService
from custos.store import Store
from tests.browser.conftest import Site, app_server, bodies, issue_tokens, received, shoot, sign_in, visit
from tests.browser.seeding import installation, organisation
from tests.browser.test_shell import WIDER_THAN_THE_PAGE

START = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=60)
PROVIDER = "Frontier Labs SA"
# Custodians by name, with how often each confirms.
CUSTODIANS = {"Custodian Bank AG": 30, "Notary Trust BV": 90, "Archive Vault SA": 60}
WITHDRAWN = "Retired Keeper Ltd"
REFUSAL = "The insolvency court withdrew its order before the key was put together."
STATEMENT = "The district court ordered the weights handed to the supervisor for inspection."
ROT = "the chunk does not match the root committed in the deposit"


def minute(moment: datetime) -> str:
    """A moment as the page writes it, to the minute in UTC."""
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


@dataclass
class Custodian:
    appointment: CustodianView
    identity: str  # its age identity, kept on its own machine
    key: Path  # its signing key's file


@dataclass
class Seeded:
    site: Site
    models: dict[str, str]  # name -> id
    deposited: dict[str, datetime]  # model name -> when deposited
    audited: datetime
    confirmed: datetime  # when Notary Trust BV confirmed its share of Alpha
    requested: dict[str, datetime]  # model name -> when its release was requested
    refused: datetime
    vault: Path


def _reference(model: str) -> str:
    """The deposit's folder in the escrow store: frontier-alpha."""
    return model.lower().replace(" ", "-")


def _chunks(size: int) -> int:
    """Chunks of a sealed stream of ``size`` plaintext bytes: at least one, one a segment."""
    return max(1, math.ceil(size / PLAINTEXT_SEGMENT_SIZE))


def _components(sizes: dict[str, tuple[str, int]]) -> list[dict[str, Any]]:
    """Components in deposit order (name -> (role, size)), each starting where the last ended."""
    listed, first = [], 0
    for name, (role, size) in sizes.items():
        fmt = "safetensors" if role == "weights" else "json"
        listed.append(
            {
                "name": name,
                "role": role,
                "format": fmt,
                "size": size,
                "first_chunk": first,
                "chunks": _chunks(size),
            }
        )
        first += _chunks(size)
    return listed


def _vault(vault: Path, reference: str, components: list[dict[str, Any]], rotten: bool) -> str:
    """Store zero-filled stand-ins for the sealed streams and their chunk index; the root over
    their chunks (RFC 9162), as the deposit commits to it. ``rotten`` flips every byte stored
    afterwards, as a failing disk would, so no stored chunk matches the root any more."""
    store = Vault(str(vault))
    chunk = bytes(SEGMENT_SIZE)
    leaves, layout = [], []
    for index, component in enumerate(components):
        count = component["chunks"]
        with store.writer(reference, f"object-{index}") as out:
            out.write((b"\xff" * SEGMENT_SIZE if rotten else chunk) * count)
        layout.append(ObjectChunks(f"object-{index}", count))
        leaves += [leaf_hash(blake3(chunk).digest())] * count  # RFC 9162 over the chunk's BLAKE3
    store.write_leaves(reference, layout, leaves)
    return reference_root(leaves).hex()


def _deposit(
    service: EscrowService,
    store: Store,
    model: str,
    reference: str,
    sizes: dict[str, tuple[str, int]],
    holders: list[Custodian],
    threshold: int,
    vault: Path,
    rotten: bool | None,
) -> tuple[DepositView, dict[str, str]]:
    """File a deposit of ``model`` split among ``holders``: with a vault on disk unless
    ``rotten`` is None, when its root is one no store was written for. The deposit, and each
    holder's share envelope by appointment, as its custodian would fetch it."""
    components = _components(sizes)
    chunks = sum(c["chunks"] for c in components)
    if rotten is None:
        root = hashlib.sha256(reference.encode()).hexdigest()
    else:
        root = _vault(vault, reference, components, rotten)
    shares = split_key(
        bytes(range(32)),
        reference,
        [(c.appointment.id, c.appointment.recipient) for c in holders],
        threshold,
    )
    digests = {c["name"]: hashlib.sha256(c["name"].encode()).hexdigest() for c in components}
    weights = [c for c in components if c["role"] == "weights"]
    payload = EscrowDeposited.model_validate(
        {
            "model_id": model,
            "passport_version": 1,
            "vault": str(vault),
            "reference": reference,
            "components": components,
            "digests": digests,
            "manifest_digest": hashlib.sha256(repr(sorted(digests.items())).encode()).hexdigest(),
            "chunks": chunks,
            "chunk_root": root,
            "threshold": threshold,
            "holders": [{"appointment_id": s.custodian_id, "commitment": s.commitment} for s in shares],
            "shares": [{"appointment_id": s.custodian_id, "envelope": s.envelope} for s in shares],
            "exportability": {"shards": len(weights), "parameters": 7_000_000_000, "tolerance": 0.05},
        }
    )
    return service.deposit(payload, by=operator(store)), {s.custodian_id: s.envelope for s in shares}


def _appoint(
    service: EscrowService, store: Store, organisation: str, name: str, every: int, keys: Path
) -> Custodian:
    identity, recipient = new_release_identity()
    key = keys / f"{name.split(maxsplit=1)[0].lower()}.pem"
    terms = {
        "organisation_id": organisation,
        "recipient": recipient,
        "keys": [generate_key(key)],
        "confirm_every_days": every,
        "valid_from": (START.date() - timedelta(days=1)).isoformat(),
        "valid_until": date(START.year + 3, 12, 31).isoformat(),
    }
    appointment = service.appoint(CustodianAppointed.model_validate(terms), by=operator(store))
    return Custodian(appointment, identity, key)


def _seed(root: Path) -> tuple[Store, Seeded, dict[str, str]]:
    clock = FixedClock(START)
    store = installation(root, "escrow.test/log", clock)
    by = operator(store)
    registry, service = RegistryService(store), EscrowService(store)
    provider = organisation(registry, store, PROVIDER, "model_provider")
    models = {}
    for name in ("Frontier Alpha", "Frontier Beta", "Frontier Gamma"):
        models[name] = registry.register_model(
            ModelRegistration.model_validate({"name": name, "provider_id": provider}), by=by
        ).id
        registry.file_passport(
            models[name], Passport.model_validate({"provenance": {"source": "manual"}}), by=by
        )
    keys = root / "keys"
    keys.mkdir()
    custodians = {
        name: _appoint(service, store, organisation(registry, store, name, "custodian"), name, every, keys)
        for name, every in CUSTODIANS.items()
    }
    retired = _appoint(
        service, store, organisation(registry, store, WITHDRAWN, "custodian"), WITHDRAWN, 90, keys
    )
    service.withdraw(retired.appointment.id, "Its vault facility closed.", by=by)
    bank, notary, archive = custodians.values()

    vault = root / "vault"
    deposited, deposits, envelopes = {}, {}, {}
    plans = {
        "Frontier Alpha": (
            {
                "model.safetensors": ("weights", 3_000_000),
                "tokenizer.json": ("tokenizer", 2_100_000),
                "config.json": ("configuration", 1_234),
            },
            [bank, notary, archive],
            2,
            False,
        ),
        "Frontier Beta": (
            {
                "model-00001-of-00002.safetensors": ("weights", 7_100_000_000),
                "model-00002-of-00002.safetensors": ("weights", 7_100_000_000),
            },
            [bank, notary, archive],
            3,
            None,
        ),
        "Frontier Gamma": ({"model.safetensors": ("weights", 1_500_000)}, [notary, archive], 2, True),
    }
    for name, (sizes, holders, threshold, rotten) in plans.items():
        deposited[name] = clock.now()
        deposits[name], envelopes[name] = _deposit(
            service, store, models[name], _reference(name), sizes, holders, threshold, vault, rotten
        )
        clock.advance(timedelta(hours=1))
    registry.file_passport(
        models["Frontier Gamma"], Passport.model_validate({"provenance": {"source": "manual"}}), by=by
    )

    clock.set(START + timedelta(days=40))
    alpha = deposits["Frontier Alpha"]
    commitment = next(h.commitment for h in alpha.holders if h.appointment_id == notary.appointment.id)
    confirmed = clock.now()
    statement = custody.confirmation(alpha.id, notary.appointment.id, commitment, confirmed)
    service.confirm(alpha.id, custody.sign(statement, signer_from_file(notary.key)), by=by)

    clock.advance(timedelta(hours=2))
    audited = clock.now()
    service.audit(alpha.id, by=by)
    service.audit(deposits["Frontier Gamma"].id, by=by)

    clock.advance(timedelta(hours=3))
    requested = {"Frontier Beta": clock.now()}
    _, recipient = new_release_identity()
    beta_release = service.request_release(
        ReleaseRequested(
            deposit_id=deposits["Frontier Beta"].id,
            grounds="insolvency",
            statement="The provider entered insolvency.",
            recipient=recipient,
        ),
        by=by,
    )
    clock.advance(timedelta(hours=1))
    refused = clock.now()
    service.record_opening(EscrowOpened(release_id=beta_release.id, outcome="refused", reason=REFUSAL), by=by)

    clock.advance(timedelta(hours=1))
    requested["Frontier Alpha"] = clock.now()
    _, recipient = new_release_identity()
    release = service.request_release(
        ReleaseRequested(
            deposit_id=alpha.id, grounds="court_order", statement=STATEMENT, recipient=recipient
        ),
        by=by,
    )
    # The notary opens its share on its own machine and reseals it to the release's recipient.
    clock.advance(timedelta(minutes=30))
    share = open_share(
        envelopes["Frontier Alpha"][notary.appointment.id],
        notary.identity,
        deposit=_reference("Frontier Alpha"),
        custodian_id=notary.appointment.id,
        commitment=commitment,
    )
    # Signed as it is filed: the payload model strips the armor's closing newline.
    envelope = reseal_share(share, recipient).strip()
    approval = custody.sign(
        custody.approval(release.id, notary.appointment.id, envelope, clock.now()),
        signer_from_file(notary.key),
    )
    service.approve(
        ReleaseApproved(
            release_id=release.id, appointment_id=notary.appointment.id, envelope=envelope, statement=approval
        ),
        by=by,
    )
    store.publish_checkpoint()
    tokens = issue_tokens(
        store,
        {
            "supervisor": ("Supervisor", Role.SUPERVISOR, by.organisation_id or ""),
            "provider": ("Frontier Labs compliance", Role.PROVIDER, provider),
        },
    )
    seeded = Seeded(
        site=Site("", tokens, []),
        models=models,
        deposited=deposited,
        audited=audited,
        confirmed=confirmed,
        requested=requested,
        refused=refused,
        vault=vault,
    )
    return store, seeded, tokens


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    store, seeded, tokens = _seed(tmp_path_factory.mktemp("escrow"))
    try:
        with app_server(store) as url:
            seeded.site = Site(url, tokens, [])
            yield seeded
    finally:
        store.close()


def _open(page: Page, seeded: Seeded, role: str) -> None:
    if role == "public":
        visit(page, f"{seeded.site.url}/portal#/escrow", "escrow")
    else:
        sign_in(page, seeded.site, role)
        visit(page, f"{seeded.site.url}/#/escrow", "escrow")


def _deposit_row(page: Page, model: str) -> Locator:
    return page.get_by_role("table", name="Deposits, newest first (3)").locator("tbody tr", has_text=model)


def _cells(row: Locator) -> Locator:
    return row.locator("td")


@pytest.mark.parametrize("role", ["public", "provider"])
def test_deposits_show_their_size_split_live_custodians_and_last_custody_check(
    page: Page, world: Seeded, role: str
) -> None:
    responses = received(page)
    _open(page, world, role)
    expect(page.locator("main h1")).to_have_text("Escrow")
    deposits = page.get_by_role("table", name="Deposits, newest first (3)")
    expect(deposits.locator("th")).to_have_text(
        [
            "Model",
            "Passport",
            "Components",
            "Chunks",
            "Custodians",
            "Live custodians",
            "Last custody check",
            "Deposited",
        ]
    )
    expect(deposits.locator("tbody tr td:first-child")).to_have_text(
        ["Frontier Gamma", "Frontier Beta", "Frontier Alpha"]
    )

    beta = _cells(_deposit_row(page, "Frontier Beta"))
    expect(beta.nth(1)).to_have_text("version 1 current")
    expect(beta.nth(2)).to_have_text("2 components14.2 GB")
    expect(beta.nth(3)).to_have_text("13,544")
    expect(beta.nth(4)).to_have_text("3 of 3 custodians")
    expect(beta.nth(5)).to_have_text("2 of 3 live quorum at risk")
    expect(beta.nth(6)).to_have_text("not audited yet")
    expect(beta.nth(7)).to_have_text(minute(world.deposited["Frontier Beta"]))

    alpha = _cells(_deposit_row(page, "Frontier Alpha"))
    expect(alpha.nth(2)).to_have_text("3 components5.1 MB")
    expect(alpha.nth(3)).to_have_text("7")
    expect(alpha.nth(4)).to_have_text("2 of 3 custodians")
    expect(alpha.nth(5)).to_have_text("2 of 3 live")
    expect(alpha.nth(6)).to_have_text(f"passed {minute(world.audited)}7 chunks checked")
    expect(alpha.nth(0).get_by_role("link")).to_have_attribute(
        "href", f"#/models/{world.models['Frontier Alpha']}"
    )

    gamma = _cells(_deposit_row(page, "Frontier Gamma"))
    expect(gamma.nth(1)).to_have_text("version 1 superseded")
    expect(gamma.nth(2)).to_have_text("1 component1.5 MB")
    expect(gamma.nth(5)).to_have_text("2 of 2 live")
    expect(gamma.nth(6).locator(".badge")).to_have_text("failed")
    expect(gamma.nth(6)).to_contain_text("2 chunks checked")
    expect(gamma.nth(6).locator("li")).to_have_text([f"chunk 0: {ROT}", f"chunk 1: {ROT}"])

    expect(page.locator("#quorum-warning")).to_have_text(
        "Quorum at risk: 1 deposit has fewer live custodians (confirmed and not overdue) than the "
        "approvals a release needs."
    )
    # Where the sealed components are stored is for supervisors: neither shown nor sent.
    expect(page.get_by_role("columnheader", name="Escrow store")).to_have_count(0)
    assert str(world.vault) not in page.content()
    assert str(world.vault) not in bodies(responses)
    assert "frontier-alpha" not in bodies(responses)

    page.get_by_role("link", name="Frontier Alpha").first.click()
    expect(page.locator('#main[data-route="models"] h1')).to_contain_text("Frontier Alpha")


def test_each_custodians_next_confirmation_is_listed_soonest_first_overdue_marked(
    page: Page, world: Seeded
) -> None:
    _open(page, world, "public")
    table = page.get_by_role("table", name="Each custodian's next confirmation, soonest first (8)")
    rows = table.locator("tbody tr")
    day = timedelta(days=1)
    alpha, beta, gamma = (world.deposited[f"Frontier {name}"] for name in ("Alpha", "Beta", "Gamma"))
    expected = [
        ("Frontier Alpha", "Custodian Bank AG", "not yet", f"{minute(alpha + 30 * day)} overdue"),
        ("Frontier Beta", "Custodian Bank AG", "not yet", f"{minute(beta + 30 * day)} overdue"),
        ("Frontier Alpha", "Archive Vault SA", "not yet", minute(alpha + 60 * day)),
        ("Frontier Beta", "Archive Vault SA", "not yet", minute(beta + 60 * day)),
        ("Frontier Gamma", "Archive Vault SA", "not yet", minute(gamma + 60 * day)),
        ("Frontier Beta", "Notary Trust BV", "not yet", minute(beta + 90 * day)),
        ("Frontier Gamma", "Notary Trust BV", "not yet", minute(gamma + 90 * day)),
        ("Frontier Alpha", "Notary Trust BV", minute(world.confirmed), minute(world.confirmed + 90 * day)),
    ]
    expect(rows).to_have_count(len(expected))
    for row, (model, custodian, last, due) in zip(rows.all(), expected, strict=True):
        cells = row.locator("td")
        expect(cells.nth(0)).to_have_text(f"{model}, passport version 1")
        expect(cells.nth(1)).to_have_text(custodian)
        expect(cells.nth(2)).to_have_text(last)
        expect(cells.nth(3)).to_have_text(due)
        expect(cells.nth(4)).to_have_text("0")
    expect(table.locator(".badge", has_text="overdue")).to_have_count(2)


def test_release_requests_show_grounds_status_and_approvals(page: Page, world: Seeded) -> None:
    _open(page, world, "public")
    releases = page.get_by_role("table", name="Release requests, newest first (2)")
    expect(releases.locator("tbody tr td:first-child")).to_have_text(
        ["Frontier Alpha, passport version 1", "Frontier Beta, passport version 1"]
    )
    pending = _cells(releases.locator("tbody tr").nth(0))
    expect(pending.nth(1)).to_have_text("Court order")
    expect(pending.nth(2)).to_have_text(STATEMENT)
    expect(pending.nth(3)).to_have_text(minute(world.requested["Frontier Alpha"]))
    expect(pending.nth(4)).to_have_text("requested")
    expect(pending.nth(5)).to_have_text("1 of 2 approvals no quorum yet")
    expect(pending.nth(6)).to_have_text("—")
    refused = _cells(releases.locator("tbody tr").nth(1))
    expect(refused.nth(1)).to_have_text("Insolvency")
    expect(refused.nth(3)).to_have_text(minute(world.requested["Frontier Beta"]))
    expect(refused.nth(4)).to_have_text("refused")
    expect(refused.nth(5)).to_have_text("0 of 3 approvals no quorum")
    expect(refused.nth(6)).to_have_text(f"{minute(world.refused)}{REFUSAL}")


def test_custodians_show_their_term_interval_and_shares_held(page: Page, world: Seeded) -> None:
    _open(page, world, "public")
    custodians = page.get_by_role("table", name="Custodians appointed (4)")
    valid = f"{START.date() - timedelta(days=1)} to {START.year + 3}-12-31"
    expected = {
        "Custodian Bank AG": ("in force", "every 30 days", "2", "—"),
        "Notary Trust BV": ("in force", "every 90 days", "3", "—"),
        "Archive Vault SA": ("in force", "every 60 days", "3", "—"),
        WITHDRAWN: ("withdrawn", "every 90 days", "0", "Its vault facility closed."),
    }
    for name, (status, every, shares, reason) in expected.items():
        cells = _cells(custodians.locator("tbody tr", has_text=name))
        expect(cells.nth(1)).to_have_text(status)
        expect(cells.nth(2)).to_have_text(valid)
        expect(cells.nth(3)).to_have_text(every)
        expect(cells.nth(4)).to_have_text(shares)
        expect(cells.nth(5)).to_have_text(reason)


def test_a_supervisor_also_sees_where_each_deposit_is_stored(page: Page, world: Seeded) -> None:
    _open(page, world, "supervisor")
    store = _cells(_deposit_row(page, "Frontier Alpha")).nth(8)
    expect(page.get_by_role("columnheader", name="Escrow store")).to_have_count(1)
    expect(store).to_have_text(f"{world.vault} frontier-alpha")
    # Everything else reads as it does for the public.
    expect(_cells(_deposit_row(page, "Frontier Beta")).nth(5)).to_have_text("2 of 3 live quorum at risk")
    shoot(page, "supervisor-escrow-seeded")


def test_with_nothing_in_escrow_the_page_says_what_would_appear(page: Page, site: Site) -> None:
    visit(page, f"{site.url}/portal#/escrow", "escrow")
    main = page.locator("main")
    expect(main).to_contain_text(
        "No model is in escrow yet. Once a provider files a deposit, it appears here"
    )
    expect(main).to_contain_text("No release has been requested. A request appears here with its grounds")
    expect(main).to_contain_text(
        "No custodian is appointed yet. Once a supervisor appoints one, it appears here"
    )
    expect(main.locator("table")).to_have_count(0)
    expect(page.locator("#quorum-warning")).to_have_count(0)


@pytest.mark.parametrize("role", ["public", "supervisor"])
def test_the_page_fits_a_phone_and_has_no_serious_accessibility_violation(
    phone: Page, world: Seeded, role: str
) -> None:
    _open(phone, world, role)
    shoot(phone, f"{role}-escrow-seeded-phone")
    assert phone.evaluate(WIDER_THAN_THE_PAGE) == []
    found = Axe().run(phone).response["violations"]
    assert [(v["id"], v["help"]) for v in found if v["impact"] in {"serious", "critical"}] == []
