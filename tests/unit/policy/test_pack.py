"""Loading packs: what is refused, and where the error is."""

from __future__ import annotations

import pytest

from custos.policy.pack import PackError, load_pack

GOOD = """\
id: test-pack
version: 1.0.0
title: A test pack
jurisdiction: EU
effective:
  from: 2026-01-01
sources:
  law: {document: The Test Act}
facts: [training_flop, generative]
parameters:
  threshold: 1e25
obligations:
  notify:
    title: Notify
    cite: {source: law, article: "Art. 1"}
    deadline: {within: 14}
rules:
  - id: big-model
    title: Big model
    subject: model
    cite: {source: law, article: "Art. 2"}
    condition: training_flop > params.threshold
    obligations: [notify]
"""


# Four comprehensions over 200 items each: 1.6 billion iterations, past the engine's budget.
_ITEMS = "[" + ",".join(["1"] * 200) + "]"
NESTED_COMPREHENSION = (
    f"{_ITEMS}.all(a, {_ITEMS}.all(b, {_ITEMS}.all(c, {_ITEMS}.all(d, a + b + c + d > 0))))"
)


def test_a_good_pack_compiles() -> None:
    pack = load_pack(GOOD, "good.yaml")
    assert pack.key == "test-pack@1.0.0"
    assert pack.document.parameters["threshold"] == 1e25
    assert pack.rules[0].reads == ("training_flop",)


@pytest.mark.parametrize(
    ("change", "line", "reason"),
    [
        (
            ("    condition: training_flop > params.threshold", "    condition: training_flop > 'big'"),
            22,
            "no matching overload",
        ),
        (
            ("    condition: training_flop > params.threshold", "    condition: training_flop >"),
            22,
            "Syntax error",
        ),
        (
            ("    condition: training_flop > params.threshold", "    condition: parameters > 1.0"),
            22,
            "not declared",
        ),
        (
            (
                "    condition: training_flop > params.threshold",
                "    condition: training_flop > params.nothing",
            ),
            22,
            "unknown parameter",
        ),
        (
            ("facts: [training_flop, generative]", "facts: [training_flop, horsepower]"),
            9,
            "unknown fact 'horsepower'",
        ),
        (
            ("    obligations: [notify]", "    obligations: [notify, report]"),
            23,
            "unknown obligation 'report'",
        ),
        (
            ('    cite: {source: law, article: "Art. 2"}', '    cite: {source: treaty, article: "Art. 2"}'),
            21,
            "unknown source",
        ),
        (("    subject: model", "    subject: planet"), 20, "Input should be"),
        (
            ("    deadline: {within: 14}", "    renewed_by: [passport.filed]\n    deadline: {within: 14}"),
            13,
            "renewed_by asks for new evidence of discharged_by",
        ),
        (
            (
                "    deadline: {within: 14}",
                "    discharged_by: [x.y]\n    renewed_by: [passport.filed]\n"
                "    deadline: {within: 14, recurring: yearly}",
            ),
            13,
            "either recurring or renewed_by",
        ),
        (("version: 1.0.0", "version: one"), 2, "String should match pattern"),
        (("title: A test pack", "title: [unclosed"), 4, "not YAML"),
        (
            ("    condition: training_flop > params.threshold", "    condition: training_flop + 1.0"),
            22,
            "must be a boolean",
        ),
        (
            ("    condition: training_flop > params.threshold", f"    condition: '{NESTED_COMPREHENSION}'"),
            22,
            "Iteration budget exceeded",
        ),
    ],
)
def test_a_bad_pack_is_refused_with_file_line_and_reason(
    change: tuple[str, str], line: int, reason: str
) -> None:
    text = GOOD.replace(*change)
    assert text != GOOD
    with pytest.raises(PackError) as refused:
        load_pack(text, "bad.yaml")
    problem = refused.value.evidence["problems"][0]
    assert problem["file"] == "bad.yaml"
    assert problem["line"] == line, problem
    assert reason in problem["reason"]
    assert f"bad.yaml:{line}:" in refused.value.message


def test_the_documented_json_schema_is_the_codes() -> None:
    import json
    from pathlib import Path

    from custos.policy.pack import PackDocument

    documented = json.loads((Path(__file__).parents[3] / "docs" / "policy-pack.schema.json").read_text())
    generated = PackDocument.model_json_schema(by_alias=True)
    documented = {k: v for k, v in documented.items() if k not in ("$schema", "$id")}
    assert documented == json.loads(json.dumps(generated))


def test_the_documented_facts_are_the_codes() -> None:
    from pathlib import Path

    from custos.policy.facts import FACTS

    documented = (Path(__file__).parents[3] / "docs" / "policy.md").read_text()
    for spec in FACTS.values():
        assert f"| `{spec.name}` | {spec.subject.value} | {spec.cel_type} |" in documented
