"""Epoch AI's table, imported row by row against the raw CSV as independent truth."""

from __future__ import annotations

import csv
import io

import pytest

from custos.passports.epoch import SHIPPED, UNATTRIBUTED, country_code, parse_epoch
from custos.passports.records import Parsed

TEXT = SHIPPED.read_text(encoding="utf-8")
ROWS = list(csv.DictReader(io.StringIO(TEXT, newline="")))
#: What each row's passport says was wrong, by model: found by reading the CSV by hand.
FLAGGED_BY_HAND = {
    "GPT3-2.7B (FlashAttention-2)": [("compute.utilisation", "percentage", "72.0")],
    "ConvS2S (ensemble of 8 models)": [
        ("compute.training_flop_lower", "bound_crosses_estimate", "5.65000000001e+19")
    ],
    "P-LLama3": [("name", "duplicate_name", "P-LLama3")],
}


@pytest.fixture(scope="module")
def parsed() -> Parsed:
    return parse_epoch(TEXT, "epoch_ai_models.csv")


def flags(parsed: Parsed, name: str) -> list[list[tuple[str, str, str | None]]]:
    """The data-quality notes of every item of that name, as (field, problem, original)."""
    return [
        [(n["field"], n["problem"], n["original"]) for n in item.passport.get("data_quality", [])]
        for item in parsed.items
        if item.model["name"] == name
    ]


def start_lines(text: str) -> list[int]:
    """The line each record starts on, counted apart from the parser: a record ends on the line
    where its quotes balance."""
    starts, line, open_quotes = [], 1, False
    for number, physical in enumerate(text.split("\n")[1:], start=2):
        if not open_quotes:
            line = number
        open_quotes ^= physical.count('"') % 2 == 1
        if not open_quotes and physical:
            starts.append(line)
    return starts


def test_the_shipped_file_is_epochs_1892_rows() -> None:
    assert len(ROWS) == 1892


def test_every_row_of_the_shipped_table_becomes_a_model(parsed: Parsed) -> None:
    assert parsed.problems == []
    assert len(parsed.items) == len(ROWS) == 1892


def test_rows_without_an_organisation_are_filed_unattributed_and_flagged(parsed: Parsed) -> None:
    blank = [r["Model"].strip() for r in ROWS if not r["Organization"].strip()]
    assert len(blank) == 19
    unattributed = [i for i in parsed.items if i.organisations[0].name == UNATTRIBUTED]
    assert sorted(i.model["name"] for i in unattributed) == sorted(blank)
    for item in unattributed:
        assert len(item.organisations) == 1 and item.organisations[0].country is None
        assert item.passport["provenance"].get("developers", []) == []
        assert [(n["field"], n["problem"], n["original"]) for n in item.passport["data_quality"]] == [
            ("provider", "no_organisation", None)
        ]


def test_the_problem_rows_carry_their_flags(parsed: Parsed) -> None:
    for name, expected in FLAGGED_BY_HAND.items():
        assert all(found == expected for found in flags(parsed, name)), name
    flagged = {i.model["name"] for i in parsed.items if i.passport.get("data_quality")}
    assert flagged == set(FLAGGED_BY_HAND) | {r["Model"] for r in ROWS if not r["Organization"].strip()}


def test_repaired_figures_are_the_written_ones_made_consistent(parsed: Parsed) -> None:
    gpt3 = next(i for i in parsed.items if i.model["name"] == "GPT3-2.7B (FlashAttention-2)")
    assert gpt3.passport["compute"]["utilisation"] == pytest.approx(0.72)
    convs2s = next(i for i in parsed.items if i.model["name"] == "ConvS2S (ensemble of 8 models)")
    compute = convs2s.passport["compute"]
    assert compute["training_flop"] == compute["training_flop_lower"] == 5.64e19
    assert "0.18%" in convs2s.passport["data_quality"][0]["action"]


def test_the_duplicated_name_is_two_models_and_said_so(parsed: Parsed) -> None:
    twins = [item for item in parsed.items if item.model["name"] == "P-LLama3"]
    assert len(twins) == 2 and twins[0].passport != twins[1].passport
    assert any("P-LLama3" in note and "2 separate models" in note for note in parsed.notes)
    assert all("lines 3215, 3261" in t.passport["data_quality"][0]["action"] for t in twins)


def test_labels_name_the_file_and_the_line_each_row_starts_on(parsed: Parsed) -> None:
    starts = start_lines(TEXT)
    assert len(starts) == len(ROWS)
    assert [item.label for item in parsed.items] == [
        f"epoch_ai_models.csv:{line} ({row['Model'].strip()})" for line, row in zip(starts, ROWS, strict=True)
    ]


def test_compute_figures_are_the_cells_of_the_csv(parsed: Parsed) -> None:
    repaired = {(name, field) for name, notes in FLAGGED_BY_HAND.items() for field, _, _ in notes}
    checked = 0
    for item, row in zip(parsed.items, ROWS, strict=True):
        compute = item.passport.get("compute", {})
        for column, field in [
            ("Training compute (FLOP)", "training_flop"),
            ("Training compute lower bound", "training_flop_lower"),
            ("Training compute upper bound", "training_flop_upper"),
            ("Hardware quantity", "hardware_quantity"),
            ("Hardware utilization (MFU)", "utilisation"),
            ("Epochs", "epochs"),
        ]:
            if (row["Model"], f"compute.{field}") in repaired:
                continue
            cell = row[column].strip()
            assert compute.get(field) == (float(cell) if cell else None), (item.label, column)
        assert compute.get("confidence", "unknown") == row["Confidence"].lower()
        assert item.model.get("release_date") == row["Publication date"]
        checked += 1
    assert checked == len(ROWS)


#: Active parameters of the mixture-of-experts rows, in billions, read by hand from each row's
#: "Parameters notes"; every other row has none.
ACTIVE_BY_HAND = {
    "Pangu Ultra MoE": 39, "Qwen3-235B-A22B": 22, "Qwen3-30B-A3B": 3, "Llama 4 Scout": 17,
    "Llama 4 Maverick": 17, "Llama 4 Behemoth (preview)": 288, "DeepSeek-R1": 37, "DeepSeek-R1-Zero": 37,
    "MiniMax-Text-01": 45.9, "DeepSeek-V3": 37, "Hunyuan-Large": 52, "LFM 40B": 12, "DeepSeek-V2.5": 21,
    "Jamba 1.5-Large": 94, "Jamba 1.5 Mini": 12, "DeepSeek-Coder-V2 236B": 21, "DeepSeek-V2 (MoE-236B)": 21,
    "Arctic": 17, "Phi-3.5-MoE": 6.6, "Mixtral 8x22B": 39, "Zephyr 141B-A39B": 39, "Jamba": 12, "DBRX": 36,
    "Mixtral 8x7B": 12.9,
}  # fmt: skip


def test_active_parameters_are_read_where_the_notes_state_them(parsed: Parsed) -> None:
    """Looser wording is left alone: Grok-1's "25% of the weights active", OLMoE's "1.3B are
    activated", Switch's silence."""
    found = {
        i.model["name"].strip(): i.passport["compute"]["active_parameters"] / 1e9
        for i in parsed.items
        if "active_parameters" in i.passport.get("compute", {})
    }
    assert found == pytest.approx(ACTIVE_BY_HAND)


def test_mixtures_of_experts_are_marked_by_name_or_active_parameters(parsed: Parsed) -> None:
    """QMoE and ST-MoE by name; GNMT and CPM-2, dense models whose notes cite mixture-of-experts
    papers, are not marked."""
    marked = {
        i.model["name"].strip()
        for i in parsed.items
        if i.passport.get("compute", {}).get("mixture_of_experts")
    }
    assert {"QMoE: compressed SwitchTransformer", "ST-MoE", "OLMoE", "Mixtral 8x7B"} <= marked
    assert not {"GNMT", "CPM-2", "Switch", "GPT-4"} & marked
    assert marked - set(ACTIVE_BY_HAND) == {n for n in marked if "MoE" in n and n not in ACTIVE_BY_HAND}


def test_blank_cells_stay_absent(parsed) -> None:  # type: ignore[no-untyped-def]
    gpt4 = next(i for i in parsed.items if i.model["name"] == "GPT-4")
    assert gpt4.passport["compute"]["training_flop"] == pytest.approx(2.1e25)
    assert "hardware_quantity" in gpt4.passport["compute"]
    assert "utilisation" not in gpt4.passport["compute"] or gpt4.passport["compute"]["utilisation"] <= 1


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("United States of America", "US"),
        ("Korea (Republic of)", "KR"),
        ("Russia", "RU"),
        ("Multinational", None),
        ("Hong Kong", "HK"),
        ("Iran (Islamic Republic of)", "IR"),
    ],
)
def test_epoch_country_names(name: str, code: str | None) -> None:
    assert country_code(name) == code


def table(*rows: dict[str, str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(ROWS[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_an_unknown_country_is_reported_with_its_row() -> None:
    row = dict(ROWS[0], **{"Country (of organization)": "Atlantis", "Model": "X"})
    parsed = parse_epoch(table(row), "mine.csv")
    assert parsed.items == []
    assert [(p.label, p.path) for p in parsed.problems] == [("mine.csv:2 (X)", "Country (of organization)")]
    assert "Atlantis" in parsed.problems[0].reason
    assert str(parsed.problems[0]).startswith("mine.csv:2 (X): Country (of organization): ")


@pytest.mark.parametrize(
    ("cells", "path", "reason"),
    [
        # 1 % below the bound is a contradiction, not a rounding slip.
        (
            {"Training compute (FLOP)": "1e20", "Training compute lower bound": "1.02e20"},
            "passport.compute",
            "outside its lower and upper bounds",
        ),
        (
            {"Training compute (FLOP)": "3e20", "Training compute upper bound": "2e20"},
            "passport.compute",
            "outside its lower and upper bounds",
        ),
        ({"Hardware utilization (MFU)": "140"}, "passport.compute.utilisation", "less than or equal to 1"),
        ({"Parameters": "seven billion"}, "Parameters", "not valid"),
        ({"Model": ""}, "Model", "blank"),
    ],
)
def test_real_contradictions_are_still_refused(cells: dict[str, str], path: str, reason: str) -> None:
    row = dict(ROWS[0], **{"Training compute lower bound": "", "Training compute upper bound": ""})
    parsed = parse_epoch(table(dict(ROWS[1]), row | cells), "mine.csv")
    assert len(parsed.items) == 1
    [problem] = parsed.problems
    assert problem.label.startswith("mine.csv:3 ") and problem.path == path and reason in problem.reason


def test_a_crossing_within_the_tolerance_is_kept_on_either_side() -> None:
    upper = dict(ROWS[0], **{"Training compute (FLOP)": "2.005e20", "Training compute upper bound": "2e20"})
    upper["Training compute lower bound"] = ""
    [item] = parse_epoch(table(upper)).items
    assert item.passport["compute"]["training_flop_upper"] == 2.005e20
    assert item.passport["data_quality"] == [
        {
            "field": "compute.training_flop_upper",
            "problem": "bound_crosses_estimate",
            "original": "2e20",
            "action": "raised to the central estimate 2.005e+20, which it crossed by 0.25%",
        }
    ]
    assert item.label == f"line 2 ({ROWS[0]['Model'].strip()})"


def test_a_file_that_is_not_epochs_is_refused() -> None:
    parsed = parse_epoch("name,size\na,1\n")
    assert parsed.items == [] and "missing" in parsed.problems[0].reason
