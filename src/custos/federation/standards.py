"""Shared standards: a peer's policy pack version, or its auditors' accreditations, taken over as
recognised, with their origin, instead of being typed in again.

Every filing is read through :class:`~custos.federation.peer_api.PeerReader`, which believes
nothing the peer's server says beyond its signed log, witnessed by this installation. What
passes is filed through the normal paths, so it takes effect like any other: a pack by
:meth:`PolicyService.load`, an accreditation by :meth:`AssuranceService.accredit` (its auditor's
organisation registered here first when no organisation of that name is), each with
``recognised_from``: the peer's origin, its filing, its index and the checkpoint's size. Every
check, the peer's and this installation's own (a version loaded already, a key accredited
already), is made before anything is filed.

The peer's lists (``/v1/policy/packs``, ``/v1/auditors``, ``/v1/organisations/{id}``) only say
which filing to fetch; what is filed here is read from the proved filing. Which accreditations
are still in force is the peer's word: a withdrawal it hides is not detected here.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError

from custos.access.model import Principal
from custos.assurance.model import AuditorAccredited
from custos.assurance.service import AssuranceService
from custos.assurance.views import AccreditationView
from custos.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from custos.federation.peer_api import Fetch, PeerReader, Proved, WitnessedPeer, fetch_over_http
from custos.federation.standards_views import AccreditationsImport, OrganisationTaken, PackImport
from custos.ledger import Verifier
from custos.policy.pack import load_pack
from custos.policy.service import PolicyService
from custos.registry.model import OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import Store
from custos.store import federation_views as fv
from custos.store import registry_views as rv

#: The public fields of a peer's organisation that its registration here copies.
ORGANISATION_FIELDS = ("name", "jurisdiction", "kinds", "country", "jurisdictions")


class StandardsService:
    def __init__(self, store: Store, fetch: Fetch = fetch_over_http) -> None:
        self.store = store
        self.fetch = fetch

    def _reader(self, peer_id: str) -> PeerReader:
        """The peer's API, for an active peer whose log this installation has cosigned."""
        with self.store.read() as conn:
            row = fv.peer(conn, peer_id)
            if row is None:
                raise NotFound(f"no peer {peer_id!r}")
            head = fv.head(conn, row["origin"])
        if row["status"] != "active":
            raise Conflict(f"peer {row['name']} is {row['status']}: nothing is taken from it")
        if head is None:
            raise Conflict(
                f"this installation has not cosigned a checkpoint of peer {row['name']} yet, so it has "
                "nothing to check the peer's log against: let the peer sync first"
            )
        peer = WitnessedPeer(
            id=row["id"],
            name=row["name"],
            origin=row["origin"],
            url=str(row["url"]).rstrip("/"),
            log=Verifier.from_vkey(row["log_key"]),
            head_size=int(head["size"]),
            head_root=base64.b64decode(head["root"]),
        )
        return PeerReader(peer, self.fetch)

    # --- packs -------------------------------------------------------------------------------

    def import_pack(
        self, peer_id: str, pack_id: str, version: str | None = None, *, by: Principal
    ) -> PackImport:
        """Load here the peer's version of a pack (its active one unless ``version`` names one)."""
        _supervisor(by)
        peer = self._reader(peer_id)
        listed = _listed_pack(peer, pack_id, version)
        version = str(listed["version"])
        policy = PolicyService(self.store)
        if any(p.pack == pack_id and p.version == version for p in policy.packs()):
            raise Conflict(f"{pack_id}@{version} is already loaded here")
        proved = peer.filing(str(listed["filing_id"]), "policy.pack_loaded", subject=pack_id)
        content = proved.content
        text = content.get("text")
        if not isinstance(text, str) or (content.get("pack"), content.get("version")) != (pack_id, version):
            raise InvalidInput(
                f"peer {peer.peer.name}'s filing {proved.recognised_from.filing_id} does not disclose the "
                f"text of {pack_id}@{version}"
            )
        origin = f"{peer.peer.origin} filing {proved.recognised_from.filing_id}"
        document = load_pack(text, origin).document
        if (document.id, document.version) != (pack_id, version):
            raise InvalidInput(
                f"the text in {origin} is {document.id}@{document.version}, not {pack_id}@{version}"
            )
        loaded = policy.load(text, origin=origin, by=by, recognised_from=proved.recognised_from)
        if not loaded.loaded:
            raise Conflict(f"{pack_id}@{version} is already loaded here")
        (here,) = [p for p in policy.packs() if p.pack == pack_id and p.version == version]
        return PackImport(
            pack=pack_id,
            version=version,
            filing_id=here.filing_id,
            recognised_from=proved.recognised_from,
            filed=loaded.filed or {},
        )

    # --- accreditations ----------------------------------------------------------------------

    def import_accreditations(
        self, peer_id: str, organisation: str | None = None, *, by: Principal
    ) -> AccreditationsImport:
        """Accredit here the auditors the peer accredits (those of one of its organisations, by
        the peer's id for it), each with its keys, scopes and validity, once proved."""
        _supervisor(by)
        peer = self._reader(peer_id)
        listed = _listed_accreditations(peer, organisation)
        assurance = AssuranceService(self.store)
        local = assurance.accreditations()
        taken = {
            (a.recognised_from.origin, a.recognised_from.filing_id)
            for a in local
            if a.recognised_from is not None
        }
        already = [
            str(item["filing_id"]) for item in listed if (peer.peer.origin, item["filing_id"]) in taken
        ]
        proved = [
            peer.filing(str(item["filing_id"]), "auditor.accredited", subject=str(item["id"]))
            for item in listed
            if str(item["filing_id"]) not in already
        ]
        if organisation is not None and any(p.content.get("organisation_id") != organisation for p in proved):
            raise InvalidInput(
                f"peer {peer.peer.name} listed an accreditation of another organisation as {organisation}'s"
            )
        _no_key_held(proved, local)
        names = {
            remote: _organisation_of(peer, remote)
            for remote in dict.fromkeys(str(p.content.get("organisation_id")) for p in proved)
        }
        terms = [_terms(p) for p in proved]  # checked before anything is filed
        organisations = self._organisations(names, by)
        here = {org.peer_organisation_id: org.id for org in organisations}
        accredited = [
            assurance.accredit(
                AuditorAccredited.model_validate({**term, "organisation_id": here[term["organisation_id"]]}),
                by=by,
            )
            for term in terms
        ]
        return AccreditationsImport(organisations=organisations, accredited=accredited, already=already)

    def _organisations(
        self, registrations: Mapping[str, OrganisationRegistered], by: Principal
    ) -> list[OrganisationTaken]:
        """The organisation here of each auditor: the one of the peer's name for it, or a new one."""
        with self.store.read() as conn:
            existing = rv.organisations_named(conn, [r.name for r in registrations.values()])
        registry = RegistryService(self.store)
        taken = []
        for remote, registration in registrations.items():
            found = existing.get(registration.name)
            if found is None:
                found = registry.register_organisation(registration, by=by).id
            taken.append(
                OrganisationTaken(
                    peer_organisation_id=remote,
                    id=found,
                    name=registration.name,
                    registered=registration.name not in existing,
                )
            )
        return taken


def _supervisor(by: Principal) -> None:
    if not by.sees_everything:
        raise Forbidden("taking over a peer's packs and accreditations is a supervisor's business")


def _listed_pack(peer: PeerReader, pack_id: str, version: str | None) -> Mapping[str, Any]:
    """The peer's listing of the pack version: the one named, else its active one."""
    listing = peer.get("/v1/policy/packs")
    versions = [
        item
        for item in (listing if isinstance(listing, list) else [])
        if isinstance(item, Mapping) and item.get("pack") == pack_id and "filing_id" in item
    ]
    wanted = [
        item
        for item in versions
        if (item.get("version") == version if version else item.get("active") is True)
    ]
    if not wanted:
        which = f"{pack_id}@{version}" if version else f"an active version of {pack_id}"
        raise NotFound(f"peer {peer.peer.name} has not loaded {which}")
    return wanted[-1]


def _listed_accreditations(peer: PeerReader, organisation: str | None) -> list[Mapping[str, Any]]:
    """The accreditations the peer lists as in force, of ``organisation`` when one is named."""
    listing = peer.get("/v1/auditors", status="accredited")
    listed = [
        item
        for item in (listing if isinstance(listing, list) else [])
        if isinstance(item, Mapping)
        and item.get("in_force") is True
        and (organisation is None or item.get("organisation_id") == organisation)
    ]
    if not listed:
        of = f" of its organisation {organisation}" if organisation else ""
        raise NotFound(f"peer {peer.peer.name} lists no accreditation in force{of}")
    unnamed = [str(item.get("id")) for item in listed if not item.get("filing_id") or not item.get("id")]
    if unnamed:
        raise InvalidInput(
            f"peer {peer.peer.name} does not say which filing accredited {', '.join(unnamed)}: "
            "it cannot be proved against its log"
        )
    return listed


def _terms(proved: Proved) -> dict[str, Any]:
    """The accreditation to file here, read from the proved filing (the organisation is still
    the peer's id for it), with its provenance."""
    content = proved.content
    terms = {
        **{
            name: content.get(name)
            for name in ("organisation_id", "keys", "scopes", "valid_from", "valid_until")
        },
        "recognised_from": proved.recognised_from.model_dump(),
    }
    try:
        AuditorAccredited.model_validate(terms)
    except ValidationError as exc:
        raise InvalidInput(
            f"the accreditation in {proved.recognised_from.origin} filing {proved.recognised_from.filing_id} "
            f"cannot be accredited here: {exc.errors()[0]['msg']}"
        ) from exc
    return terms


def _no_key_held(proved: Sequence[Proved], local: Sequence[AccreditationView]) -> None:
    """Refuse before anything is filed when an accreditation here already holds one of the keys."""
    holders = {key.keyid: accreditation for accreditation in local for key in accreditation.keys}
    for item in proved:
        for key in item.content.get("keys") or []:
            keyid = str(key.get("keyid")) if isinstance(key, Mapping) else ""
            if (holder := holders.get(keyid)) is not None:
                raise Conflict(
                    f"key {keyid} of the peer's accreditation {item.recognised_from.filing_id} is held here "
                    f"by accreditation {holder.id} ({holder.status}): a key belongs to one accreditation"
                )


def _organisation_of(peer: PeerReader, remote_id: str) -> OrganisationRegistered:
    """The peer's organisation, as registered in its log: what registering it here would file."""
    listed = peer.get(f"/v1/organisations/{quote(remote_id, safe='')}")
    filing_id = listed.get("filing_id") if isinstance(listed, Mapping) else None
    if not filing_id:
        raise InvalidInput(
            f"peer {peer.peer.name} does not say which filing registered organisation {remote_id}"
        )
    proved = peer.filing(str(filing_id), "organisation.registered", subject=remote_id)
    content = proved.content
    if "name" not in content:
        raise InvalidInput(f"peer {peer.peer.name} does not disclose the name of organisation {remote_id}")
    try:
        return OrganisationRegistered.model_validate(
            {name: content[name] for name in ORGANISATION_FIELDS if name in content}
        )
    except ValidationError as exc:
        raise InvalidInput(
            f"peer {peer.peer.name}'s organisation {remote_id} cannot be registered here: "
            f"{exc.errors()[0]['msg']}"
        ) from exc
