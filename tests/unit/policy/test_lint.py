"""Linting packs: dates against the pack's own effective period, deadline starts against the
rule's subject, filing kinds against the installation, and what nothing uses.

The pack here is a cut of the EU AI Act's timeline, so each date is the law's: the Regulation
entered into force on 1 August 2024 (Art. 113, twenty days after its publication on 12 July
2024); the obligations of providers of general-purpose models apply from 2 August 2025
(Art. 113(b)); models placed on the market before then comply by 2 August 2027 (Art. 111(3)).
"""

from __future__ import annotations

import pytest

from custos.installation import composition
from custos.passports.model import Passport
from custos.policy.lint import EVIDENCE_TO_BE_FILED, evidence, lint
from custos.policy.pack import PackError, builtin_packs, load_pack
from custos.policy.service import PolicyService
from custos.policy.views import LintFinding
from custos.registry.service import RegistryService
from custos.store import Store
from tests.unit.policy.unit_pack import unit_pack
from tests.unit.registry.world import Parties, log_size

PACK = """\
id: lint-test
version: 1.0.0
title: General-purpose models under the EU AI Act
jurisdiction: EU
effective:
  from: 2024-08-01
sources:
  aia: {document: Regulation (EU) 2024/1689}
facts: [training_flop, release_date]
obligations:
  documentation:
    title: Technical documentation
    cite: {source: aia, article: "Art. 53(1)(a)"}
    discharged_by: [passport.filed]
    deadline: {within: 0, start: release_date, not_before: 2025-08-02}
  legacy-documentation:
    title: Technical documentation of a model already on the market
    cite: {source: aia, article: "Art. 111(3)"}
    discharged_by: [passport.filed]
    deadline: {within: 0, start: trigger, not_before: 2027-08-02}
rules:
  - id: new-model
    title: General-purpose model placed on the market from 2 August 2025
    subject: model
    cite: {source: aia, article: "Art. 113(b)"}
    condition: training_flop > 1e23 && release_date >= timestamp("2025-08-02T00:00:00Z")
    obligations: [documentation]
  - id: legacy-model
    title: General-purpose model placed on the market before 2 August 2025
    subject: model
    cite: {source: aia, article: "Art. 111(3)"}
    condition: training_flop > 1e23 && release_date < timestamp("2025-08-02T00:00:00Z")
    obligations: [legacy-documentation]
"""
KNOWN = {"passport.filed", "incident.reported"}


def findings(text: str, known: set[str] = KNOWN) -> list[LintFinding]:
    return lint(load_pack(text), known).findings


def found(text: str) -> list[tuple[str, str, str | None, str | None]]:
    return [(f.check, f.severity, f.rule, f.obligation) for f in findings(text)]


def test_the_acts_own_timeline_is_consistent() -> None:
    result = lint(load_pack(PACK), KNOWN)
    assert result.pack == "lint-test@1.0.0"
    assert result.findings == []
    assert result.errors == 0


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("2025-08-02", []),  # not_before on the day the pack takes effect: consistent
        (  # a day later, the floor (and the transition, by a warning) lie before the pack starts
            "2025-08-03",
            [
                ("condition-date", "warning", "new-model", None),
                ("condition-date", "warning", "legacy-model", None),
                ("not-before", "error", None, "documentation"),
            ],
        ),
    ],
)
def test_not_before_earlier_than_the_effective_start_is_an_error(start: str, expected: list[object]) -> None:
    assert found(PACK.replace("from: 2024-08-01", f"from: {start}")) == expected


@pytest.mark.parametrize(
    ("until", "expected"),
    [
        ("2027-08-02", []),  # the Art. 111(3) floor on the last day: consistent
        ("2027-08-01", [("not-before", "error", None, "legacy-documentation")]),
    ],
)
def test_not_before_after_the_pack_ends_is_an_error(until: str, expected: list[object]) -> None:
    text = PACK.replace("from: 2024-08-01", f"from: 2024-08-01\n  until: {until}")
    assert found(text) == expected


def test_a_transition_after_the_pack_ends_is_an_error() -> None:
    text = PACK.replace("from: 2024-08-01", "from: 2024-08-01\n  until: 2025-08-01").replace(
        "not_before: 2027-08-02", "not_before: 2025-08-01"
    )
    result = findings(text)
    assert [(f.check, f.severity, f.rule) for f in result[:2]] == [
        ("condition-date", "error", "new-model"),
        ("condition-date", "error", "legacy-model"),
    ]
    assert "2025-08-02 is after the pack ends" in result[0].message
    assert "until 2025-08-01" in result[0].message


def test_a_transition_before_the_pack_takes_effect_is_a_warning() -> None:
    on_the_day = PACK.replace("2024-08-01", "2025-08-02")
    assert found(on_the_day) == []
    a_day_late = PACK.replace("2024-08-01", "2025-08-02").replace("2025-08-02T", "2025-08-01T")
    assert found(a_day_late) == [
        ("condition-date", "warning", "new-model", None),
        ("condition-date", "warning", "legacy-model", None),
    ]


def test_a_deadline_from_a_date_the_subject_does_not_have_is_an_error() -> None:
    text = PACK.replace("start: release_date", "start: start_date")
    assert found(text) == [("deadline-start", "error", "new-model", "documentation")]
    assert "a model does not have" in findings(text)[0].message


def test_a_deadline_from_the_subjects_date_without_a_floor_is_a_warning() -> None:
    text = PACK.replace("start: release_date, not_before: 2025-08-02", "start: release_date")
    ((check, severity, rule, obligation),) = found(text)
    assert (check, severity, rule, obligation) == (
        "deadline-start",
        "warning",
        "new-model",
        "documentation",
    )
    assert "before 2024-08-01 falls due before the pack takes effect" in findings(text)[0].message


def test_a_kind_the_installation_does_not_file_is_evidence_to_be_filed() -> None:
    text = PACK.replace(
        "discharged_by: [passport.filed]\n    deadline: {within: 0, start: release_date",
        "discharged_by: [passport.filed, technical_documentation.filed]\n"
        "    deadline: {within: 0, start: release_date",
    )
    (finding,) = findings(text)
    assert (finding.check, finding.severity, finding.obligation) == (
        "discharged-by",
        "warning",
        "documentation",
    )
    assert finding.message.startswith("evidence to be filed: technical_documentation.filed")


def test_the_evidence_wording_names_each_kind() -> None:
    assert evidence(["passport.filed", "court.ruling_served"], KNOWN) == [
        "discharged by a filing of kind passport.filed",
        f"{EVIDENCE_TO_BE_FILED}: court.ruling_served",
    ]
    assert evidence([], KNOWN) == []


def test_a_standing_duty_on_a_kind_never_filed_is_flagged() -> None:
    text = PACK.replace(
        "deadline: {within: 0, start: trigger, not_before: 2027-08-02}",
        "deadline: {on_event: incident.imminent-risk, within: 24, unit: hours}",
    )
    assert found(text) == [("on-event", "warning", None, "legacy-documentation")]
    assert found(text.replace("incident.imminent-risk", "incident.reported")) == []


def test_an_obligation_no_rule_attaches_and_a_fact_no_rule_reads_are_flagged() -> None:
    text = PACK.replace(
        "facts: [training_flop, release_date]", "facts: [training_flop, release_date, generative]"
    )
    text = text.replace("obligations: [legacy-documentation]", "obligations: [documentation]")
    assert found(text) == [
        ("unused-obligation", "warning", None, "legacy-documentation"),
        ("unused-fact", "warning", None, None),
    ]
    assert "generative" in findings(text)[-1].message


def test_what_loading_refuses_never_reaches_the_lint() -> None:
    """A fact of the other kind of subject (and an unknown obligation, see test_pack) is refused
    on load, with its line, so the lint does not check it again."""
    text = PACK.replace(
        "facts: [training_flop, release_date]", "facts: [training_flop, release_date, sector]"
    )
    text = text.replace("training_flop > 1e23 && release_date >=", 'sector == "finance" && release_date >=')
    with pytest.raises(PackError) as refused:
        load_pack(text)
    assert "is a fact of a deployment, not of a model" in str(refused.value.evidence)


def test_the_builtin_packs_lint_without_errors_against_this_installation() -> None:
    known = {kind.name for kind in composition().kinds()}
    results = {pack.document.id: lint(pack, known) for pack in builtin_packs()}
    assert {pack: result.errors for pack, result in results.items()} == dict.fromkeys(results, 0)
    # Each stress test run files stress_test.participated for the deployments it covers, so the
    # baseline's stress-test duty is discharged by the installation, not by hand.
    messages = [f.message for f in results["custos-baseline"].findings]
    assert not any("stress_test.participated" in message for message in messages)


def test_the_service_lints_against_its_stores_kinds_and_stores_nothing(store: Store, world: Parties) -> None:
    before = log_size(store)
    text = unit_pack("unit-lint", "Lint", discharged_by="passport.filed, court.ruling_served")
    result = PolicyService(store).lint(text, origin="unit-pack.yaml")
    assert [(f.check, f.obligation) for f in result.findings] == [("discharged-by", "notify")]
    assert "court.ruling_served" in result.findings[0].message
    with pytest.raises(PackError):
        PolicyService(store).lint(text.replace("subject: model", "subject: planet"), origin="bad.yaml")
    assert log_size(store) == before


def test_an_explanation_names_evidence_the_installation_does_not_file(store: Store, world: Parties) -> None:
    text = unit_pack("unit-evidence", "Evidence", discharged_by="notification.filed, court.ruling_served")
    PolicyService(store).load(text, origin="unit-pack.yaml", by=world.supervisor)
    passport = Passport.model_validate(
        {"provenance": {"source": "manual"}, "compute": {"training_flop": 3e25}}
    )
    RegistryService(store).file_passport(world.model, passport, by=world.supervisor)
    (obligation,) = PolicyService(store).obligations(world.supervisor)
    explained = PolicyService(store).explain(world.supervisor, obligation.id)
    assert explained.evidence == [
        "discharged by a filing of kind notification.filed",
        "evidence to be filed: court.ruling_served",
    ]
