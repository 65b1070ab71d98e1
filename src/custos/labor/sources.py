"""The shipped labour data read into occupations, with the digests a filed run names.

Three files ship with the package (``custos/labor/data``, described in its README): the exposure
ratings of "GPTs are GPTs" per O*NET occupation, the BLS OEWS national estimates for May 2021, and
the registry sector to occupation group weights. Parsing takes text, so a test can hand it a small
table; the loaders read the shipped files through ``importlib.resources``, so they work from a
wheel as from a checkout.

BLS writes counts with thousands separators ("1,234,560") and marks what it does not publish:
``*`` (no wage estimate), ``**`` (no employment estimate), ``#`` (wage at or above the top code).
Its file starts with a byte order mark, which the UTF-8-SIG reading removes from the first column.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from functools import cache
from importlib import resources

from custos.core.canonical import sha256_hex
from custos.core.errors import InvalidInput
from custos.labor.occupations import (
    BLS_TOP_CODED_ANNUAL_WAGE_USD,
    Crosswalk,
    Measure,
    OnetOccupation,
    SocFigures,
    crosswalk,
)

EXPOSURE_FILE = "gpts_occ_exposure.csv"
BLS_FILE = "bls_oes_national_may2021.csv"
SECTOR_FILE = "sector_occupations.csv"
ATTRIBUTION = (
    "Exposure: Eloundou, Manning, Mishkin, Rock, GPTs are GPTs (arXiv 2303.10130; "
    "github.com/openai/GPTs-are-GPTs, MIT). Employment and wages: US Bureau of Labor Statistics, "
    "Occupational Employment and Wage Statistics, May 2021 national estimates (public domain)."
)

#: The exposure file's column for each measure ("dv" is the paper's name for GPT-4's labels).
EXPOSURE_COLUMNS = {
    Measure.HUMAN_ALPHA: "human_rating_alpha",
    Measure.HUMAN_BETA: "human_rating_beta",
    Measure.HUMAN_GAMMA: "human_rating_gamma",
    Measure.MODEL_ALPHA: "dv_rating_alpha",
    Measure.MODEL_BETA: "dv_rating_beta",
    Measure.MODEL_GAMMA: "dv_rating_gamma",
}
#: Weights of one sector may miss 1 by this much and still be taken as summing to 1.
WEIGHT_TOLERANCE = 1e-9

_NOT_PUBLISHED = {"*", "**"}
_TOP_CODED = "#"


def _rows(text: str, source: str, columns: set[str]) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    missing = columns - set(reader.fieldnames or ())
    if missing:
        raise InvalidInput(f"{source} lacks the columns {', '.join(sorted(missing))}")
    return list(reader)


def _number(text: str, source: str, what: str) -> float:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        raise InvalidInput(f"{source}: {what} is not a number: {text!r}") from None


def parse_exposure(text: str) -> list[OnetOccupation]:
    """The exposure file's rows: O*NET code, title and each measure's rating in [0, 1]."""
    code, title = "O*NET-SOC Code", "Title"
    rows = _rows(text, EXPOSURE_FILE, {code, title, *EXPOSURE_COLUMNS.values()})
    occupations = []
    for row in rows:
        where = f"{EXPOSURE_FILE} {row[code]}"
        ratings = {
            measure: _number(row[column], where, column) for measure, column in EXPOSURE_COLUMNS.items()
        }
        if not all(0.0 <= rating <= 1.0 for rating in ratings.values()):
            raise InvalidInput(f"{where}: ratings must lie in [0, 1]")
        occupations.append(OnetOccupation(row[code], row[title], ratings))
    return occupations


def parse_bls(text: str) -> tuple[dict[str, SocFigures], dict[str, str]]:
    """BLS detailed occupations by SOC code, and the major groups' titles by code.

    Only ``O_GROUP == "detailed"`` rows join to O*NET codes; the broad and minor rows aggregate
    them and would double count. Employment marked ``**`` and wages marked ``*`` are ``None``;
    a wage marked ``#`` is the top code, flagged."""
    columns = {"OCC_CODE", "OCC_TITLE", "O_GROUP", "TOT_EMP", "A_MEAN"}
    detailed: dict[str, SocFigures] = {}
    majors: dict[str, str] = {}
    for row in _rows(text, BLS_FILE, columns):
        code, group = row["OCC_CODE"], row["O_GROUP"]
        if group == "major":
            majors[code] = row["OCC_TITLE"]
        if group != "detailed":
            continue
        where = f"{BLS_FILE} {code}"
        employment = row["TOT_EMP"]
        wage = row["A_MEAN"]
        top_coded = wage == _TOP_CODED
        detailed[code] = SocFigures(
            code=code,
            title=row["OCC_TITLE"],
            employment=None if employment in _NOT_PUBLISHED else int(_number(employment, where, "TOT_EMP")),
            annual_mean_wage=(
                BLS_TOP_CODED_ANNUAL_WAGE_USD
                if top_coded
                else None
                if wage in _NOT_PUBLISHED
                else _number(wage, where, "A_MEAN")
            ),
            wage_top_coded=top_coded,
        )
    return detailed, majors


def parse_sector_weights(text: str) -> dict[str, dict[str, float]]:
    """Sector → major group code → weight; refuses a negative weight, a repeated pair or a sector
    whose weights do not sum to 1."""
    weights: dict[str, dict[str, float]] = defaultdict(dict)
    for row in _rows(text, SECTOR_FILE, {"sector", "major_code", "weight"}):
        sector, group = row["sector"], row["major_code"]
        weight = _number(row["weight"], f"{SECTOR_FILE} {sector}", "weight")
        if weight < 0:
            raise InvalidInput(f"{SECTOR_FILE}: {sector} gives {group} a negative weight")
        if group in weights[sector]:
            raise InvalidInput(f"{SECTOR_FILE}: {sector} lists {group} twice")
        weights[sector][group] = weight
    for sector, groups in weights.items():
        if abs(sum(groups.values()) - 1.0) > WEIGHT_TOLERANCE:
            raise InvalidInput(f"{SECTOR_FILE}: the weights of {sector} sum to {sum(groups.values())}, not 1")
    return dict(weights)


def _data(name: str) -> bytes:
    return resources.files("custos.labor").joinpath("data", name).read_bytes()


@cache
def load_crosswalk() -> Crosswalk:
    """The shipped exposure ratings joined to BLS May 2021 (read once; the table is read-only)."""
    occupations = parse_exposure(_data(EXPOSURE_FILE).decode("utf-8"))
    soc, majors = parse_bls(_data(BLS_FILE).decode("utf-8"))
    return crosswalk(occupations, soc, majors)


def sector_weights() -> dict[str, dict[str, float]]:
    """The shipped registry sector → SOC major group → weight mapping (each sector's sum is 1)."""
    return parse_sector_weights(_data(SECTOR_FILE).decode("utf-8"))


def data_digests() -> dict[str, str]:
    """``sha256:<hex>`` of each shipped data file, so a filed run names exactly what it read."""
    return {name: "sha256:" + sha256_hex(_data(name)) for name in (EXPOSURE_FILE, BLS_FILE, SECTOR_FILE)}
