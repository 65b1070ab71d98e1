"""Epoch AI's table, imported row by row against the raw CSV as independent truth."""

from __future__ import annotations

import csv
import io

import pytest

from custos.passports.epoch import SHIPPED, country_code, parse_epoch

ROWS = list(csv.DictReader(io.StringIO(SHIPPED.read_text(encoding="utf-8"), newline="")))


@pytest.fixture(scope="module")
def parsed():  # type: ignore[no-untyped-def]
    return parse_epoch(SHIPPED.read_text(encoding="utf-8"))


def test_the_shipped_file_is_epochs_1892_rows() -> None:
    assert len(ROWS) == 1892


def test_every_row_is_imported_or_reported_never_dropped(parsed) -> None:  # type: ignore[no-untyped-def]
    reported = {p.label for p in parsed.problems}
    assert len(parsed.items) + len(reported) == len(ROWS)
    blank = [r for r in ROWS if not r["Organization"].strip()]
    assert sum(p.path == "Organization" for p in parsed.problems) == len(blank) == 19


def test_the_duplicated_name_is_two_models_and_said_so(parsed) -> None:  # type: ignore[no-untyped-def]
    assert sum(item.model["name"] == "P-LLama3" for item in parsed.items) == 2
    assert any("P-LLama3" in note and "2 separate models" in note for note in parsed.notes)


def test_compute_figures_are_the_cells_of_the_csv(parsed) -> None:  # type: ignore[no-untyped-def]
    by_label = {item.label: item for item in parsed.items}
    checked = 0
    for number, row in enumerate(ROWS, start=2):
        item = by_label.get(f"row {number} ({row['Model'].strip()})")
        if item is None:
            continue
        compute = item.passport.get("compute", {})
        for column, field in [
            ("Training compute (FLOP)", "training_flop"),
            ("Training compute lower bound", "training_flop_lower"),
            ("Training compute upper bound", "training_flop_upper"),
            ("Hardware quantity", "hardware_quantity"),
        ]:
            cell = row[column].strip()
            assert compute.get(field) == (float(cell) if cell else None), (number, column)
        assert compute.get("confidence", "unknown") == row["Confidence"].lower()
        assert item.model.get("release_date") == row["Publication date"]
        checked += 1
    assert checked == len(parsed.items)


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


def test_an_unknown_country_is_reported_with_its_row() -> None:
    header = ",".join(f'"{c}"' for c in ROWS[0])
    row = dict(ROWS[0], **{"Country (of organization)": "Atlantis", "Model": "X"})
    text = header + "\n" + ",".join('"' + row[c].replace('"', '""') + '"' for c in ROWS[0]) + "\n"
    parsed = parse_epoch(text)
    assert parsed.items == []
    assert [(p.label, p.path) for p in parsed.problems] == [("row 2 (X)", "Country (of organization)")]
    assert "Atlantis" in parsed.problems[0].reason


def test_a_file_that_is_not_epochs_is_refused() -> None:
    parsed = parse_epoch("name,size\na,1\n")
    assert parsed.items == [] and "missing" in parsed.problems[0].reason
