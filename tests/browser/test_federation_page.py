"""The federation page in a real browser: this installation's identity with its keys'
fingerprints, its peers with their standing and the witnessing both ways, notices sent and
received, and refusals with their reasons; and for anyone but a supervisor, a page that says it
is not theirs, without asking the API for it.

One installation for the module, served, and a peer installation in the same process reached
through a transport that routes by URL (so the peer's own API answers, without a socket). They
recognise each other; each suspends a licence the other hears of; then the peer goes down with
a second notice still to be delivered. Two peers exist only as keys: one that showed two
different checkpoints of the same size (so it is flagged, and a notice it sends after is
refused) and one whose recognition was withdrawn.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from custos.access.model import Role
from custos.access.service import operator
from custos.api import create_app
from custos.cli.peers_cmds import fingerprint
from custos.core.clock import FixedClock
from custos.core.settings import Settings
from custos.federation.model import PeerRecognised
from custos.federation.notices import NOTICE_HEADER
from custos.federation.service import FederationService
from custos.federation.sync import Sender
from custos.federation.views import Identity
from custos.installation import create_installation
from custos.ledger import (
    ALG_COSIGNATURE_V1,
    Checkpoint,
    Signer,
    WitnessRefusal,
    render_add_checkpoint,
)
from custos.ledger.note import sign_note
from custos.licensing.model import LicenceApplication, LicenceStep, Transition
from custos.licensing.service import LicensingService
from custos.registry.model import ModelRegistration, OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import Store
from tests.browser.conftest import Site, app_server, issue_tokens, shoot, shown, sign_in, visit
from tests.browser.test_shell import WIDER_THAN_THE_PAGE
from tests.functional.federation_pair import Routed
from tests.servers import free_port

ORIGIN = "federation.test/log"
PEER = "Northern Authority"  # a real installation, down at the end with a notice pending
FLAGGED = "Eastern Authority"  # keys only: it forked its log
WITHDRAWN = "Western Authority"  # keys only: recognition withdrawn
START = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=2)


def minute(moment: datetime) -> str:
    """A moment as the page writes it, to the minute in UTC."""
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def entries(size: int) -> str:
    return f"{size:,} {'entry' if size == 1 else 'entries'}"


@dataclass
class Seeded:
    site: Site
    identity: Identity
    peer_url: str
    our_cosigned: tuple[int, datetime]  # the size of our log the peer cosigned last, and when
    their_cosigned: tuple[int, datetime]  # the size of the peer's log we cosigned, and when
    acknowledged: tuple[str, datetime]  # the filing the peer acknowledged, and when
    pending: tuple[str, datetime]  # the filing still pending, and when it was flagged
    received: tuple[str, str, datetime, datetime]  # the peer's filing, filed here as, filed there, received
    fork: str  # why the flagged peer is flagged


def _installation(root: Path, name: str, origin: str, clock: FixedClock) -> Store:
    home = root / name
    return create_installation(
        Settings(home=home, database_url=f"sqlite:///{home / 'custos.db'}"),
        origin=origin,
        authority=f"{name} authority",
        jurisdiction_code="EU",
        clock=clock,
    )


def _suspend(store: Store, provider: str, model_name: str) -> None:
    """A model of ``provider`` granted a licence, then suspended: a filing peers hear of."""
    by = operator(store)
    model = RegistryService(store).register_model(
        ModelRegistration.model_validate({"name": model_name, "provider_id": provider}), by=by
    )
    licensing = LicensingService(store)
    terms = {
        "applicant_id": provider,
        "model_id": model.id,
        "scope": {"jurisdictions": ["EU"]},
        "term_months": 12,
    }
    licence = licensing.apply(LicenceApplication.model_validate(terms), by=by)
    licensing.decide(licence.id, Transition.GRANT, LicenceStep(), by=by)
    licensing.decide(licence.id, Transition.SUSPEND, LicenceStep(reason="unsafe"), by=by)


def _provider(store: Store, name: str) -> str:
    terms = {"name": name, "jurisdiction": "FR", "country": "FR", "kinds": ["model_provider"]}
    return (
        RegistryService(store)
        .register_organisation(OrganisationRegistered.model_validate(terms), by=operator(store))
        .id
    )


def _recognise(store: Store, name: str, identity: Identity, url: str, **scope: object) -> str:
    terms = {
        "name": name,
        "origin": identity.origin,
        "log_key": identity.log_key,
        "witness_key": identity.witness_key,
        "url": url,
        "scope": scope,
    }
    return FederationService(store).recognise(PeerRecognised.model_validate(terms), by=operator(store)).id


def _keys_only(origin: str) -> tuple[Signer, Identity]:
    """A peer that exists only as its keys: the log key it signs with, and its identity."""
    log = Signer.generate(origin)
    witness = Signer.generate(f"{origin}/witness", ALG_COSIGNATURE_V1)
    return log, Identity(origin=origin, log_key=log.verifier.vkey, witness_key=witness.verifier.vkey)


def _fork(ours: FederationService, log: Signer) -> str:
    """Have this installation cosign one checkpoint of size 3, then offer it another: the reason
    the peer is flagged."""
    first = Checkpoint(log.name, 3, bytes(32)).sign(log)
    ours.add_checkpoint(render_add_checkpoint(0, [], first))
    other = Checkpoint(log.name, 3, bytes([1]) * 32).sign(log)
    with pytest.raises(WitnessRefusal) as refused:
        ours.add_checkpoint(render_add_checkpoint(3, [], other))
    return refused.value.message


def _seed(root: Path, stack: ExitStack) -> tuple[Store, Seeded, dict[str, str]]:
    clock = FixedClock(START)
    ours = _installation(root, "ours", ORIGIN, clock)
    theirs = _installation(root, "theirs", "northern.test/log", clock)
    for store in (ours, theirs):
        stack.callback(store.close)
    quiet = {"checkpoint_interval": None, "compliance_interval": None, "federation_interval": None}
    our_url, peer_url = "http://federation.test", f"http://127.0.0.1:{free_port()}"
    routes = Routed(
        {
            our_url: stack.enter_context(
                TestClient(create_app(ours, **quiet), raise_server_exceptions=False)
            ),
            peer_url: stack.enter_context(
                TestClient(create_app(theirs, **quiet), raise_server_exceptions=False)
            ),
        }
    )
    federation, their_federation = FederationService(ours), FederationService(theirs)
    identity = federation.identity()
    kinds = ["licence.suspended", "licence.revoked"]
    peer_id = _recognise(ours, PEER, their_federation.identity(), peer_url, kinds=kinds)
    _recognise(theirs, "Federation test authority", identity, our_url, kinds=["licence.suspended"])
    provider = _provider(ours, "Provider SA")

    # Ours suspends a licence; the peer cosigns our log and acknowledges the notice an hour later.
    _suspend(ours, provider, "Frontier One")
    clock.advance(timedelta(hours=1))
    (peer_round,) = Sender(ours, routes).run()
    assert (peer_round.error, peer_round.acknowledged) == (None, 1), peer_round
    (acknowledged,) = federation.outgoing(by=operator(ours))
    assert acknowledged.acknowledged_at is not None

    # The peer suspends one of its own; we cosign its log and file its notice.
    clock.advance(timedelta(hours=1))
    their_filed_at = clock.now()
    _suspend(theirs, _provider(theirs, "Anbieter GmbH"), "Frontier Two")
    (their_round,) = Sender(theirs, routes).run()
    assert (their_round.error, their_round.acknowledged) == (None, 1), their_round
    (received,) = federation.incoming(by=operator(ours))

    # Another suspension of ours: the peer cosigns our log, then goes down before the notice.
    clock.advance(timedelta(hours=1))
    flagged_at = clock.now()
    _suspend(ours, provider, "Frontier Three")
    clock.advance(timedelta(minutes=30))
    size, _ = ours.publish_checkpoint()
    assert Sender(ours, routes).run(deliver=False)[0].cosigned_size == size
    routes.down.add(peer_url)
    assert "is down" in (Sender(ours, routes).run()[0].error or "")
    pending = next(n for n in federation.outgoing(by=operator(ours)) if n.status == "pending")
    their_size = next(s for s in federation.status(by=operator(ours)) if s.peer.id == peer_id)

    # A peer that forked its log, then sent a notice; a malformed notice; a withdrawn peer.
    log, flagged = _keys_only("eastern.test/log")
    _recognise(
        ours,
        FLAGGED,
        flagged,
        "https://eastern.test",
        kinds=["incident.reported"],
        jurisdictions=["DE", "FR"],
    )
    fork = _fork(federation, log)
    late = sign_note(f"{NOTICE_HEADER}\n{json.dumps({'notice': 'N-EAST-1'})}\n", log)
    results = federation.receive([late, "not a notice"]).results
    assert [r.status for r in results] == ["refused", "refused"]
    _, withdrawn = _keys_only("western.test/log")
    gone = _recognise(
        ours, WITHDRAWN, withdrawn, "https://western.test", kinds=["licence.revoked"], fields=["reason"]
    )
    federation.withdraw(gone, "The agreement ended.", by=operator(ours))

    by = operator(ours)
    tokens = issue_tokens(
        ours,
        {
            "supervisor": ("Supervisor", Role.SUPERVISOR, by.organisation_id or ""),
            "provider": ("Provider SA compliance", Role.PROVIDER, provider),
        },
    )
    ours.publish_checkpoint()
    seeded = Seeded(
        site=Site("", tokens, []),
        identity=identity,
        peer_url=peer_url,
        our_cosigned=(size, clock.now()),
        their_cosigned=(their_size.their_size_cosigned or 0, their_size.their_cosigned_at or START),
        acknowledged=(acknowledged.filing_id, acknowledged.acknowledged_at),
        pending=(pending.filing_id, flagged_at),
        received=(received.filing_id, received.id, their_filed_at, received.received_at),
        fork=fork,
    )
    return ours, seeded, tokens


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    with ExitStack() as stack:
        store, seeded, tokens = _seed(tmp_path_factory.mktemp("federation-home"), stack)
        with app_server(store) as url:
            seeded.site = Site(url, tokens, [])
            yield seeded


def _open(page: Page, seeded: Seeded) -> None:
    sign_in(page, seeded.site, "supervisor")
    visit(page, f"{seeded.site.url}/#/federation", "federation")


def test_the_identity_shows_the_keys_their_fingerprints_and_copies_them(page: Page, world: Seeded) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    _open(page, world)
    expect(page.locator("main h1")).to_have_text("Federation")
    identity = page.locator("#identity")
    expect(identity).to_contain_text(ORIGIN)
    expect(identity).to_contain_text(world.identity.log_key)
    expect(identity).to_contain_text(world.identity.witness_key)
    # The fingerprints the page computes are those `custos peers identity` prints.
    prints = identity.locator("code.fingerprint").all_inner_texts()
    assert prints == [fingerprint(world.identity.log_key), fingerprint(world.identity.witness_key)]
    page.get_by_role("button", name="Copy the witness key").click()
    expect(page.get_by_role("button", name="Copy the witness key")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == world.identity.witness_key


def test_each_peer_shows_its_standing_and_scope(page: Page, world: Seeded) -> None:
    _open(page, world)
    peers = page.get_by_role("table", name="Peers recognised (3)")
    active = peers.locator("tbody tr", has_text=PEER)
    expect(active).to_contain_text("northern.test/log")
    expect(active).to_contain_text(world.peer_url)
    expect(active.locator(".badge")).to_have_text("active")
    expect(active).to_contain_text("Licence suspended, Licence revoked")
    expect(active).to_contain_text("Any jurisdiction")
    expect(active).to_contain_text("No confidential field shown")
    flagged = peers.locator("tbody tr", has_text=FLAGGED)
    expect(flagged.locator(".badge")).to_have_text("flagged")
    expect(flagged).to_contain_text(world.fork)
    expect(flagged).to_contain_text("Jurisdictions: DE, FR")
    expect(flagged).to_contain_text("Incident reported")
    withdrawn = peers.locator("tbody tr", has_text=WITHDRAWN)
    expect(withdrawn.locator(".badge")).to_have_text("withdrawn")
    expect(withdrawn).to_contain_text("Confidential fields shown: reason")
    # Peers are listed by name.
    names = peers.locator("tbody tr td:first-child").all_inner_texts()
    assert names == [FLAGGED, PEER, WITHDRAWN]


def test_the_exchange_shows_the_witnessing_both_ways_and_the_pending_notice(
    page: Page, world: Seeded
) -> None:
    _open(page, world)
    exchange = page.get_by_role("table", name="The exchange with each peer")
    cells = exchange.locator("tbody tr", has_text=PEER).locator("td")
    size, at = world.our_cosigned
    expect(cells.nth(1)).to_have_text(f"{entries(size)}{minute(at)}")
    their_size, their_at = world.their_cosigned
    assert their_size > 1
    expect(cells.nth(2)).to_have_text(f"{entries(their_size)}{minute(their_at)}")
    expect(cells.nth(3)).to_have_text("1")
    expect(cells.nth(4)).to_contain_text(f"It acknowledged one of ours: {minute(world.acknowledged[1])}")
    expect(cells.nth(4)).to_contain_text(f"We received one of its: {minute(world.received[3])}")
    expect(cells.nth(5)).to_contain_text(f"{world.peer_url} is down")
    # The forked peer: we cosigned its size 3 once; it never cosigned ours.
    forked = exchange.locator("tbody tr", has_text=FLAGGED).locator("td")
    expect(forked.nth(1)).to_have_text("not yet")
    expect(forked.nth(2)).to_contain_text("3 entries")
    expect(forked.nth(3)).to_have_text("0")
    expect(forked.nth(5)).to_have_text("none")


def test_notices_sent_and_received_with_their_status(page: Page, world: Seeded) -> None:
    _open(page, world)
    sent = page.get_by_role("table", name="Sent to peers, newest first (2)")
    rows = sent.locator("tbody tr")
    pending, acknowledged = rows.nth(0).locator("td"), rows.nth(1).locator("td")
    pending_id, flagged_at = world.pending
    expect(pending.nth(0)).to_have_text(PEER)
    expect(pending.nth(1)).to_have_text("Licence suspended")
    expect(pending.nth(2).get_by_role("link")).to_have_attribute("href", f"#/ledger?filing={pending_id}")
    expect(pending.nth(3)).to_have_text(minute(flagged_at))
    expect(pending.nth(4)).to_have_text("pending")
    expect(pending.nth(5)).to_have_text("—")
    expect(pending.nth(6)).to_have_text("1")
    expect(pending.nth(7)).to_contain_text("could not be reached")
    acknowledged_id, acknowledged_at = world.acknowledged
    expect(acknowledged.nth(2)).to_have_text(acknowledged_id)
    expect(acknowledged.nth(4)).to_have_text("acknowledged")
    expect(acknowledged.nth(5)).to_have_text(minute(acknowledged_at))
    expect(acknowledged.nth(6)).to_have_text("0")
    expect(acknowledged.nth(7)).to_have_text("none")

    filing, filed_as, filed_there, at = world.received
    received = page.get_by_role("table", name="Received from peers, newest first (1)").locator("tbody tr td")
    expect(received.nth(0)).to_have_text(PEER)
    expect(received.nth(1)).to_have_text("Licence suspended")
    expect(received.nth(2)).to_have_text(filing)
    expect(received.nth(3)).to_have_text(minute(filed_there))
    expect(received.nth(4)).to_have_text(minute(at))
    expect(received.nth(5).get_by_role("link")).to_have_attribute("href", f"#/ledger?filing={filed_as}")
    received.nth(6).locator("summary").click()
    disclosed = received.nth(6).locator("dl")
    expect(disclosed.locator("dt")).to_have_text(["Automatic", "Reason"])
    expect(disclosed.locator("dd")).to_have_text(["false", "unsafe"])

    # A notice filed here opens on the ledger page, which checks its inclusion proof.
    shoot(page, "supervisor-federation-seeded")
    received.nth(5).get_by_role("link").click()
    shown(page, "ledger")
    expect(page.locator("#proof-result")).to_contain_text(f"filing {filed_as} is entry")


def test_refused_notices_show_who_sent_them_and_why(page: Page, world: Seeded) -> None:
    _open(page, world)
    refused = page.get_by_role("table", name="Refused, newest first (2)")
    late = refused.locator("tbody tr", has_text="N-EAST-1")
    expect(late).to_contain_text(FLAGGED)
    expect(late).to_contain_text("From a peer withdrawn or flagged")
    expect(late).to_contain_text(f"peer {FLAGGED} is flagged")
    malformed = refused.locator("tbody tr", has_text="an unknown sender")
    expect(malformed).to_contain_text("Not a well-formed notice")


@pytest.mark.parametrize("role", ["provider", "public"])
def test_others_are_told_the_page_is_not_theirs_and_it_asks_nothing(
    page: Page, world: Seeded, role: str
) -> None:
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    if role == "public":
        visit(page, f"{world.site.url}/portal#/federation", "federation")
        expect(page.locator("main")).to_contain_text("the public portal does not offer it")
    else:
        sign_in(page, world.site, role)
        expect(page.locator("#nav")).not_to_contain_text("Federation")
        visit(page, f"{world.site.url}/#/federation", "federation")
        expect(page.locator("main")).to_contain_text("not for the provider role")
    expect(page.locator("main h1")).to_have_text("This page is not open to you")
    expect(page.locator("main [role=alert]")).to_have_count(0)
    assert not [url for url in asked if "/v1/federation/" in url]


def test_the_page_fits_a_phone_and_has_no_serious_accessibility_violation(phone: Page, world: Seeded) -> None:
    _open(phone, world)
    phone.locator("summary").evaluate_all("all => all.forEach((s) => s.click())")
    shoot(phone, "supervisor-federation-seeded-phone")
    assert phone.evaluate(WIDER_THAN_THE_PAGE) == []
    found = Axe().run(phone).response["violations"]
    assert [(v["id"], v["help"]) for v in found if v["impact"] in {"serious", "critical"}] == []
