"""Reading the AI Incident Database's snapshot: the excerpts in tests/fixtures/aiid follow its
exact format (see their README), so what the parser gives is checked against values read off
those files by eye, not against the parser's own output."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from custos.core.errors import InvalidInput
from custos.oversight.aiid import AiidReport, read_incidents, read_reports

FIXTURES = Path(__file__).parents[1] / "fixtures" / "aiid"
HEADER = (
    "_id,incident_id,date,reports,Alleged deployer of AI system,Alleged developer of AI system,"
    "Alleged harmed or nearly harmed parties,description,title\n"
)


def lines(text: str) -> io.StringIO:
    return io.StringIO(text, newline="")


def fixture(name: str) -> io.TextIOWrapper:
    return (FIXTURES / name).open(encoding="utf-8-sig", newline="")


def test_the_snapshots_incidents_are_read_with_their_lists_and_multi_line_descriptions() -> None:
    with fixture("incidents.csv") as source:
        first, second, third = read_incidents(source)
    assert first.incident_id == 9001 and first.line == 2
    assert first.date == date(2024, 3, 18)
    assert first.title == "Synthetic Shuttle Stops Suddenly in Test Town"
    assert first.description == (
        'A synthetic autonomous shuttle in a test town stopped "suddenly", braking hard.\n'
        "Two riders were shaken; the description spans two lines."
    )
    assert first.deployers == ("example-transit",)
    assert first.developers == ("example-robotics", "acme-ai")
    assert first.harmed_parties == ("pedestrians",)
    assert first.report_numbers == (90011, 90012)
    assert (second.incident_id, second.line, second.harmed_parties) == (9002, 4, ())
    assert second.report_numbers == (90021,)
    # A date written as a moment is its day; an empty description is none.
    assert (third.date, third.description, third.report_numbers) == (date(2024, 6, 30), None, ())


def test_the_snapshots_reports_keep_backslashes_quotes_and_fall_back_to_the_epoch_date() -> None:
    with fixture("reports.csv") as source:
        reports = read_reports(source)
    assert sorted(reports) == [90011, 90012, 90021, 99999]
    assert reports[90011] == AiidReport(
        number=90011,
        title='Shuttle stops "suddenly" (log at C:\\logs)',
        url="https://news.example/shuttle",
        date_published=date(2024, 3, 19),
        source_domain="news.example",
    )
    # No date_published: epoch_date_published 1711065600 is 2024-03-22 00:00 UTC.
    assert reports[90012].date_published == date(2024, 3, 22)


def test_missing_optional_columns_leave_their_fields_empty() -> None:
    (incident,) = read_incidents(lines("incident_id,title,date\n7,Only the required,2020-01-02\n"))
    assert (incident.incident_id, incident.title, incident.date) == (7, "Only the required", date(2020, 1, 2))
    assert incident.description is None
    assert incident.developers == incident.deployers == incident.harmed_parties == ()
    assert incident.report_numbers == ()
    reports = read_reports(lines("report_number,url\n3,https://a.example/\n"))
    assert reports[3] == AiidReport(3, "", "https://a.example/", None, None)


def test_a_byte_order_mark_crlf_lines_and_comma_joined_lists_are_read() -> None:
    text = "\ufeff" + HEADER.replace("\n", "\r\n") + 'x,8,2021-02-03,"4, 5","a, b",c,,d,Title\r\n'
    (incident,) = read_incidents(lines(text))
    assert (incident.incident_id, incident.report_numbers) == (8, (4, 5))
    assert (incident.deployers, incident.developers, incident.harmed_parties) == (("a", "b"), ("c",), ())


def test_extended_json_numbers_in_a_list_are_report_numbers() -> None:
    row = 'x,8,2021-02-03,"[{""$numberInt"":""4""},5.0]",[],[],[],,Title\n'
    (incident,) = read_incidents(lines(HEADER + row))
    assert incident.report_numbers == (4, 5)


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("_id,incident_id,reports,description\n", "incidents.csv", "missing required column(s) date, title"),
        ("report_number,title\n", "reports.csv", "missing required column(s) url"),
        ("", "incidents.csv", "missing required column(s) incident_id, date, title"),
    ],
)
def test_a_file_lacking_required_columns_is_refused_naming_them_and_the_line(
    text: str, name: str, expected: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        if name == "reports.csv":
            read_reports(lines(text))
        else:
            list(read_incidents(lines(text)))
    assert refused.value.message.startswith(f"{name} line 1: {expected}")


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("x,8,03/02/2021,[],[],[],[],,T\n", "line 3: date '03/02/2021' is not a date"),
        ("x,eight,2021-02-03,[],[],[],[],,T\n", "line 3: incident_id 'eight' is not a whole number"),
        ("x,8,2021-02-03,[1.5],[],[],[],,T\n", "line 3: report number 1.5 is not a positive whole number"),
        ('x,8,2021-02-03,[],"[""a""",[],[],,T\n', "line 3: '[\"a\"' is not a JSON array"),
        ("x,8,2021-02-03,[],[],[],[],,\n", "line 3: incident 8 has no title"),
        ("x,1,2021-02-03,[],[],[],[],,T\n", "line 3: incident 1 again (first on line 2)"),
        ("x,8,2021-02-03,[],[],[],[],,T,extra\n", "line 3: 10 cells for 9 columns"),
    ],
)
def test_a_bad_row_is_refused_with_its_line(row: str, expected: str) -> None:
    text = HEADER + "x,1,2021-02-03,[],[],[],[],,First\n" + row
    with pytest.raises(InvalidInput) as refused:
        list(read_incidents(lines(text)))
    assert refused.value.message.startswith(f"incidents.csv {expected}")


def test_a_repeated_or_unnumbered_report_is_refused_with_its_line() -> None:
    text = "report_number,url\n1,https://a.example/\n1,https://b.example/\n"
    with pytest.raises(InvalidInput, match=r"reports\.csv line 3: report 1 again \(first on line 2\)"):
        read_reports(lines(text))
    with pytest.raises(InvalidInput, match=r"reports\.csv line 2: report 2 has no url"):
        read_reports(lines("report_number,url\n2,\n"))


def test_a_quoted_line_break_counts_toward_the_next_rows_line() -> None:
    text = HEADER + 'x,1,2021-02-03,[],[],[],[],"one\ntwo\nthree",T\nx,2,bad,[],[],[],[],,T\n'
    with pytest.raises(InvalidInput, match=r"incidents\.csv line 5: date 'bad'"):
        list(read_incidents(lines(text)))
