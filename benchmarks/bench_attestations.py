"""Attestation speed: re-verifying 10,000 filed attestations, on two worker processes and on one,
and what one envelope's check costs.

The installation holds real signed envelopes: auditors sign with Ed25519 and ECDSA P-256 keys
under several accreditations, about models (by their passports) and deployments (by their
registrations). The filings go through the log in large transactions rather than one service
call each, which would only make building slower. A small accreditation is withdrawn after its
key "is lost", so the figures include the refusals a re-verification exists to find.

Re-verification starts its workers with 'spawn', and a spawned worker imports the program's main
module: this module imports the installation and the services inside its functions, so a worker
loads only the checks, as it does under ``custos audit reverify``.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

SCOPES = {
    "model": ("custos-systemic-risk-audit", "eu-ai-act-art55-evaluation", "iso-iec-42001"),
    "deployment": ("iso-iec-42001", "nist-ai-rmf-map"),
}
#: Auditor firms: the curves of the keys of each of its accreditations.
AUDITORS = {
    "Assurance Ed BV": [["ed25519"]],
    "Prüfung Ed GmbH": [["ed25519"]],
    "Audit EC SA": [["ecdsa"]],
    "Review EC Ltd": [["ecdsa"], ["ed25519", "ecdsa"]],
}
LOST = "Lost Key LLP"
LOST_SIGNS = 10
BATCH = 5000


def build(attestations: int, models: int, deployments: int) -> Any:
    """A scratch installation with ``attestations`` filed attestations, each answering its own
    engagement, and one accreditation withdrawn after its key was lost."""
    from benchmarks.common import scratch_store
    from custos.access.service import operator
    from custos.assurance.service import AssuranceService

    store = scratch_store("attestations")
    by = operator(store)
    subjects, firms = _registry(store, by, models, deployments)
    signers, lost = _accredit(AssuranceService(store), by, firms)
    plan = []  # (subject, scope, (auditor, key, accreditation))
    for index in range(attestations):
        subject = subjects[index % len(subjects)]
        scopes = SCOPES[subject[0]]
        signing = lost[0] if index < LOST_SIGNS else signers[index % len(signers)]
        plan.append((subject, scopes[index % len(scopes)], signing))
    _attest(store, by, plan)
    AssuranceService(store).step(lost[0][2], "withdraw", "the key was lost", by=by)
    return store


def _file(store: Any, filings: list[Any]) -> None:
    for start in range(0, len(filings), BATCH):
        with store.transaction() as uow:
            uow.file(*filings[start : start + BATCH])


def _registry(store: Any, by: Any, models: int, deployments: int) -> tuple[list[Any], dict[str, str]]:
    """Providers with models and passports, deployments, and the audit firms: the subjects an
    audit may be about (kind, id, owner, the filing its Statement names) and the firms' ids."""
    from custos.passports.model import Passport
    from custos.registry.model import (
        DEPLOYMENT_REGISTERED,
        MODEL_REGISTERED,
        ORGANISATION_REGISTERED,
        PASSPORT_FILED,
        DeploymentRegistered,
        ModelRegistered,
        OrganisationRegistered,
    )
    from custos.registry.service import RegistryService

    registry = RegistryService(store)
    names = [*(f"Provider {i}" for i in range(20)), *AUDITORS, LOST]
    organisations = {name: f"ORG{index:09d}" for index, name in enumerate(names)}
    _file(
        store,
        [
            registry.new_filing(
                ORGANISATION_REGISTERED,
                OrganisationRegistered.model_validate({"name": name, "jurisdiction": "FR", "country": "FR"}),
                by=by,
                owner=org_id,
                subject=org_id,
            )
            for name, org_id in organisations.items()
        ],
    )
    providers = list(organisations.values())[:20]
    subjects: list[Any] = []
    filings: list[Any] = []
    for index in range(models):
        provider, model_id = providers[index % len(providers)], f"MOD{index:09d}"
        registered = ModelRegistered.model_validate({"name": f"model {index}", "provider_id": provider})
        passport = Passport.model_validate(
            {"provenance": {"source": "synthetic"}, "compute": {"training_flop": 3e25}}
        )
        filings.append(
            registry.new_filing(MODEL_REGISTERED, registered, by=by, owner=provider, subject=model_id)
        )
        filings.append(registry.new_filing(PASSPORT_FILED, passport, by=by, owner=provider, subject=model_id))
        subjects.append(("model", model_id, provider, filings[-1]))
    for index in range(deployments):
        deployer = providers[index % len(providers)]
        content = {
            "name": f"service {index}",
            "deployer_id": deployer,
            "model_id": f"MOD{index % models:09d}",
            "jurisdictions": ["FR"],
            "sector": "finance",
        }
        filings.append(
            registry.new_filing(
                DEPLOYMENT_REGISTERED,
                DeploymentRegistered.model_validate(content),
                by=by,
                owner=deployer,
                subject=f"DEP{index:09d}",
            )
        )
        subjects.append(("deployment", filings[-1].subject, deployer, filings[-1]))
    _file(store, filings)
    return subjects, {name: organisations[name] for name in [*AUDITORS, LOST]}


def _accredit(assurance: Any, by: Any, firms: dict[str, str]) -> tuple[list[Any], list[Any]]:
    """Each firm's accreditations with new keys: (auditor, key, accreditation) of each key, the
    lost key's apart."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519
    from securesystemslib.signer import CryptoSigner

    from custos.assurance.model import AuditorAccredited

    today = datetime.now(UTC).date()
    signers: list[Any] = []
    lost: list[Any] = []
    for name, accreditations in [*AUDITORS.items(), (LOST, [["ed25519"]])]:
        for curves in accreditations:
            keys = [
                CryptoSigner(
                    ed25519.Ed25519PrivateKey.generate()
                    if curve == "ed25519"
                    else ec.generate_private_key(ec.SECP256R1())
                )
                for curve in curves
            ]
            terms = {
                "organisation_id": firms[name],
                "keys": [_public(signer) for signer in keys],
                "scopes": sorted({s for scopes in SCOPES.values() for s in scopes}),
                "valid_from": (today - timedelta(days=365)).isoformat(),
                "valid_until": (today + timedelta(days=3 * 365)).isoformat(),
            }
            accredited = assurance.accredit(AuditorAccredited.model_validate(terms), by=by)
            (lost if name == LOST else signers).extend((firms[name], k, accredited.id) for k in keys)
    return signers, lost


def _attest(store: Any, by: Any, plan: list[Any]) -> None:
    """File an engagement for each planned audit, then the attestation its auditor signed."""
    from custos.access.filer import file_as
    from custos.assurance.catalogue import scope
    from custos.assurance.model import AUDIT_ATTESTED, AUDIT_ENGAGED, AuditAttested, AuditEngaged
    from custos.assurance.signing import sign_statement
    from custos.assurance.statement import AuditPredicate, ResourceDescriptor, Statement, subject_name

    engagements = [
        file_as(
            by,
            AUDIT_ENGAGED,
            AuditEngaged(subject_id=subject[1], scope=scope_id, auditor_id=signing[0]),
            owner=subject[2],
            subject=subject[1],
            clock=store.clock,
            jurisdiction="FR",
        )
        for subject, scope_id, signing in plan
    ]
    _file(store, engagements)
    issued = store.clock.now()
    filed = []
    for engagement, ((kind, subject_id, owner, named), scope_id, signing) in zip(
        engagements, plan, strict=True
    ):
        auditor, signer, accreditation_id = signing
        predicate = AuditPredicate.model_validate(
            {
                "engagement": engagement.id,
                "auditor": auditor,
                "scope": scope_id,
                "standard": scope(scope_id).standard,
                "method": "Document review and adversarial testing",
                "findingsSummary": "No material weakness found.",
                "opinion": "pass",
                "issuedAt": issued.isoformat(),
                "validFrom": issued.date().isoformat(),
                "validUntil": (issued.date() + timedelta(days=365)).isoformat(),
            }
        )
        subject = ResourceDescriptor(name=subject_name(kind, subject_id), digest={"sha256": named.digest()})
        statement = Statement(subject=(subject,), predicate=predicate)
        record = AuditAttested(
            envelope=sign_statement(statement, signer),
            envelope_sha256=hashlib.sha256(statement.to_json()).hexdigest(),
            engagement_id=engagement.id,
            accreditation_id=accreditation_id,
            auditor_id=auditor,
            keyid=signer.public_key.keyid,
            subject_id=subject_id,
            subject_filing_id=named.id,
            subject_digest=named.digest(),
            scope=scope_id,
            standard=predicate.standard,
            opinion=predicate.opinion,
            issued_at=predicate.issued_at,
            valid_from=predicate.valid_from,
            valid_until=predicate.valid_until,
        )
        filed.append(
            file_as(
                by,
                AUDIT_ATTESTED,
                record,
                owner=owner,
                subject=subject_id,
                clock=store.clock,
                jurisdiction="FR",
            )
        )
    _file(store, filed)


def _public(signer: Any) -> dict[str, Any]:
    key = signer.public_key
    return {"keyid": key.keyid, "keytype": key.keytype, "scheme": key.scheme, "keyval": dict(key.keyval)}


def timed_reverify(store: Any, workers: int, runs: int) -> tuple[list[float], list[float], Any]:
    """Wall-clock seconds of each run, this process's CPU seconds in each, and the last report.
    The first run on workers also starts the fork server, as each ``custos audit reverify`` does."""
    from custos.assurance.reverify import reverify

    timings, cpu, report = [], [], None
    for _ in range(runs):
        started, used = time.perf_counter(), time.process_time()
        report = reverify(store, workers=workers)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    return timings, cpu, report


def check_cost(store: Any, samples: int) -> dict[str, float]:
    """Microseconds one ``check`` takes, by key type, over envelopes of the installation (their
    evidence read beforehand, as the service reads it)."""
    import orjson

    from custos.assurance.evidence import evidence_for
    from custos.assurance.verification import check
    from custos.store import assurance_views as av

    now = store.clock.now()
    costs: dict[str, float] = {}
    with store.read() as conn:
        contents = [orjson.loads(document)["content"] for _, document in av.filed_attestations(conn)]
        for keytype in ("ed25519", "ecdsa"):
            keyids = _keyids(store, keytype)
            chosen = [c for c in contents[LOST_SIGNS:] if c["keyid"] in keyids][:samples]
            items = [
                (c["envelope"], evidence_for(store, conn, c["engagement_id"], c["auditor_id"]))
                for c in chosen
            ]
            started = time.perf_counter()
            for envelope, evidence in items:
                check(envelope, evidence, now, current=False)
            costs[keytype] = (time.perf_counter() - started) / len(items) * 1e6
    return costs


def _keyids(store: Any, keytype: str) -> set[str]:
    from custos.assurance.service import AssuranceService

    return {
        key.keyid
        for a in AssuranceService(store).accreditations()
        for key in a.keys
        if key.keytype == keytype
    }


def main() -> None:
    from benchmarks.common import row

    parser = argparse.ArgumentParser()
    parser.add_argument("--attestations", type=int, default=10_000)
    parser.add_argument("--models", type=int, default=500)
    parser.add_argument("--deployments", type=int, default=200)
    parser.add_argument("--runs", type=int, default=4)
    args = parser.parse_args()
    started = time.perf_counter()
    store = build(args.attestations, args.models, args.deployments)
    built = time.perf_counter() - started
    try:
        two, two_cpu, report = timed_reverify(store, 2, args.runs)
        one, _, _ = timed_reverify(store, 1, args.runs)
        costs = check_cost(store, 1000)
    finally:
        store.close()
    assert report is not None and report.total == args.attestations
    assert report.refused == LOST_SIGNS and all("withdrawn" in r.reason for r in report.refusals)
    label = (
        f"re-verify {report.total:,} filed attestations ({report.refused} refused: accreditation withdrawn)"
    )
    row(
        f"{label}, 2 worker processes, their start included",
        f"first run {two[0]:.2f} s (fork server started); next {args.runs - 1}: best {min(two[1:]):.2f} s, "
        f"median {statistics.median(two[1:]):.2f} s; this process's CPU {statistics.median(two_cpu):.2f} s "
        f"(installation built in {built:.0f} s)",
        "<= 2 s on 2 cores",
    )
    row(
        f"{label}, in-process (best of {args.runs})",
        f"{min(one):.2f} s (median {statistics.median(one):.2f} s)",
    )
    row(
        "one envelope's check (DSSE signature, Statement, evidence)",
        f"Ed25519 {costs['ed25519']:.0f} µs, ECDSA P-256 {costs['ecdsa']:.0f} µs",
    )


if __name__ == "__main__":
    main()
