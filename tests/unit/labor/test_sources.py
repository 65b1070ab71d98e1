"""Reading the shipped labour data: the BLS file's markers and separators, the exposure file,
the sector weights, and employment conserved exactly across the whole crosswalk."""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from pathlib import Path

import pytest

import custos.labor
from custos.core.errors import InvalidInput
from custos.labor.occupations import Measure
from custos.labor.sources import (
    data_digests,
    load_crosswalk,
    parse_bls,
    parse_exposure,
    parse_sector_weights,
    sector_weights,
)
from custos.registry.model import Sector

DATA = Path(custos.labor.__file__).parent / "data"
BLS_HEADER = "\ufeffAREA,OCC_CODE,OCC_TITLE,O_GROUP,TOT_EMP,A_MEAN\n"


def test_bls_rows_with_a_bom_separators_and_markers() -> None:
    text = BLS_HEADER + (
        '99,00-0000,All Occupations,total,"140,886,310","58,260"\n'
        '99,11-0000,Management Occupations,major,"8,909,910","123,370"\n'
        '99,11-1010,Chief Executives,broad,"200,480","213,020"\n'
        '99,11-1011,Chief Executives,detailed,"200,480","213,020"\n'
        '99,23-1011,Lawyers,detailed,"681,010",#\n'
        '99,27-2011,Actors,detailed,"30,100",*\n'
        '99,45-2099,Agricultural Workers All Other,detailed,**,"35,000"\n'
    )
    detailed, majors = parse_bls(text)
    assert majors == {"11-0000": "Management Occupations"}
    assert set(detailed) == {"11-1011", "23-1011", "27-2011", "45-2099"}
    assert detailed["11-1011"].employment == 200_480
    assert detailed["11-1011"].annual_mean_wage == 213_020.0
    assert detailed["23-1011"].annual_mean_wage == 208_000.0
    assert detailed["23-1011"].wage_top_coded
    assert detailed["27-2011"].annual_mean_wage is None
    assert detailed["45-2099"].employment is None


def test_bls_refuses_an_unreadable_figure_and_a_missing_column() -> None:
    with pytest.raises(InvalidInput, match="TOT_EMP is not a number: 'n/a'"):
        parse_bls(BLS_HEADER + "99,11-1011,Chief Executives,detailed,n/a,5\n")
    with pytest.raises(InvalidInput, match="lacks the columns A_MEAN"):
        parse_bls("OCC_CODE,OCC_TITLE,O_GROUP,TOT_EMP\n")


def test_exposure_rows_map_the_columns_to_measures() -> None:
    text = (
        "O*NET-SOC Code,Title,dv_rating_alpha,dv_rating_beta,dv_rating_gamma,"
        "human_rating_alpha,human_rating_beta,human_rating_gamma\n"
        "11-1011.00,Chief Executives,0.1,0.46,0.82,0.18,0.35,0.52\n"
    )
    (occupation,) = parse_exposure(text)
    assert occupation.code == "11-1011.00"
    assert occupation.ratings == {
        Measure.MODEL_ALPHA: 0.1,
        Measure.MODEL_BETA: 0.46,
        Measure.MODEL_GAMMA: 0.82,
        Measure.HUMAN_ALPHA: 0.18,
        Measure.HUMAN_BETA: 0.35,
        Measure.HUMAN_GAMMA: 0.52,
    }
    with pytest.raises(InvalidInput, match=r"11-1011.00: ratings must lie in \[0, 1\]"):
        parse_exposure(text.replace("0.82", "1.82"))


def _bls_detailed_employment() -> dict[str, int]:
    """Independently of the package: TOT_EMP of every BLS detailed row that publishes one."""
    with (DATA / "bls_oes_national_may2021.csv").open(encoding="utf-8-sig", newline="") as handle:
        return {
            row["OCC_CODE"]: int(row["TOT_EMP"].replace(",", ""))
            for row in csv.DictReader(handle)
            if row["O_GROUP"] == "detailed" and row["TOT_EMP"] != "**"
        }


def test_the_shipped_crosswalk_conserves_employment_exactly() -> None:
    published = _bls_detailed_employment()
    table = load_crosswalk().table
    matched = set(table.soc_codes)
    assert int(table.employment.sum()) == sum(published[code] for code in matched)
    per_code: Counter[str] = Counter()
    for code, workers in zip(table.soc_codes, table.employment, strict=True):
        assert workers == int(workers)
        per_code[code] += int(workers)
    assert per_code == Counter({code: published[code] for code in matched})


def test_the_shipped_crosswalk_reports_every_occupation_it_leaves_out() -> None:
    result = load_crosswalk()
    with (DATA / "gpts_occ_exposure.csv").open(encoding="utf-8", newline="") as handle:
        codes = [row["O*NET-SOC Code"] for row in csv.DictReader(handle)]
    left_out = {item.onet_code for item in result.unmatched}
    assert left_out.isdisjoint(result.table.onet_codes)
    assert left_out | set(result.table.onet_codes) == set(codes)
    assert len(result.unmatched) == 36
    reasons = Counter(item.reason.split(" for ")[0].split(" occupation ")[0] for item in result.unmatched)
    assert reasons == {"no BLS May 2021 detailed": 31, "BLS publishes no annual mean wage": 5}
    assert len(result.table.major_titles) == 22


def test_sector_weights_cover_every_sector_and_sum_to_one() -> None:
    weights = sector_weights()
    assert set(weights) == {sector.value for sector in Sector}
    majors = set(load_crosswalk().table.major_titles)
    for groups in weights.values():
        assert sum(groups.values()) == pytest.approx(1.0, abs=1e-12)
        assert set(groups) <= majors
        assert all(weight > 0 for weight in groups.values())


def test_sector_weights_refuse_a_sum_other_than_one_and_repeats() -> None:
    with pytest.raises(InvalidInput, match=r"weights of finance sum to 0\.9"):
        parse_sector_weights("sector,major_code,weight\nfinance,13-0000,0.9\n")
    with pytest.raises(InvalidInput, match="lists 13-0000 twice"):
        parse_sector_weights("sector,major_code,weight\nfinance,13-0000,0.5\nfinance,13-0000,0.5\n")
    with pytest.raises(InvalidInput, match="negative weight"):
        parse_sector_weights("sector,major_code,weight\nfinance,13-0000,1.5\nfinance,43-0000,-0.5\n")


def test_digests_are_the_files_sha256() -> None:
    digests = data_digests()
    assert set(digests) == {"gpts_occ_exposure.csv", "bls_oes_national_may2021.csv", "sector_occupations.csv"}
    for name, digest in digests.items():
        assert digest == "sha256:" + hashlib.sha256((DATA / name).read_bytes()).hexdigest()
