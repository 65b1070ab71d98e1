"""The closing line of a run that could not run everything, and CI's refusal to skip."""

from __future__ import annotations

import pytest

from tests import prerequisites


def _reason(program: prerequisites.Program) -> str:
    with pytest.raises(pytest.skip.Exception) as skipped:
        program.missing("not found")
    return str(skipped.value)


def test_the_closing_line_counts_each_program_and_names_one_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CUSTOS_REQUIRE_BROWSER", raising=False)
    monkeypatch.delenv("CUSTOS_REQUIRE_NODE", raising=False)
    reasons = [_reason(prerequisites.CHROMIUM)] * 18 + [_reason(prerequisites.NODE), "unrelated skip"]
    assert prerequisites.not_run(reasons) == (
        "NOT RUN: 18 tests need Chromium, 1 test needs Node.js 20+. "
        "Install and rerun: sudo apt-get install chromium nodejs && python3 dev.py test"
    )


def test_nothing_is_said_when_everything_ran() -> None:
    assert prerequisites.not_run(["PostgreSQL not configured (set CUSTOS_TEST_DATABASE_URL)"]) is None


def test_a_required_program_fails_instead_of_skipping(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUSTOS_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="CUSTOS_REQUIRE_BROWSER=1 but no chromium"):
        prerequisites.CHROMIUM.missing("no chromium here")
