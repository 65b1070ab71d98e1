"""Lists over HTTP: sorting, totals, paging and filters, and that none of them reveals a value
the caller may not see."""

from __future__ import annotations

from typing import Any

import pytest

from custos.access.model import Role
from custos.access.service import operator
from custos.filings import Visibility
from custos.passports.model import Passport
from custos.policy.service import PolicyService
from custos.registry.model import ModelRegistration
from custos.registry.service import RegistryService
from tests.functional.conftest import Api
from tests.unit.policy.test_pack import GOOD

# A second pack, in California, whose deadline counts working days.
WORKING_DAYS = (
    GOOD.replace("id: test-pack", "id: working-pack")
    .replace("jurisdiction: EU", "jurisdiction: US-CA")
    .replace("deadline: {within: 14}", "deadline: {within: 10, unit: working_days}")
)


@pytest.fixture
def registry(api: Api) -> dict[str, str]:
    """Models around the sample (3e25 FLOP): larger, smaller, undated, and some with a figure or
    a date only their provider and supervisors may see."""
    service, by = RegistryService(api.store), operator(api.store)
    provider = api.organisations["provider"]["id"]
    other = api.organisations["other"]["id"]

    def model(
        name: str,
        flop: float | None,
        released: str | None,
        *,
        owner: str = provider,
        hidden: dict[str, Visibility] | None = None,
        compute: Visibility = Visibility.PUBLIC,
    ) -> str:
        content: dict[str, Any] = {"name": name, "provider_id": owner, "accessibility": "api"}
        if released:
            content["release_date"] = released
        found = service.register_model(ModelRegistration.model_validate(content), by=by, visibility=hidden)
        if flop is not None:
            service.file_passport(
                found.id,
                Passport.model_validate(
                    {"provenance": {"source": "manual"}, "compute": {"training_flop": flop}}
                ),
                by=by,
                visibility={"compute": compute},
            )
        return str(found.id)

    return {
        "huge": model("Huge", 5e26, "2025-01-01"),
        "big_new": model("Big new", 1e26, "2025-06-01"),
        "big_old": model("Big old", 1e26, "2023-06-01"),
        "small": model("Small", 1e22, "2020-01-01"),
        "undated": model("Undated", None, None),
        "secret_compute": model("Secret compute", 9e26, "2024-01-01", owner=other, compute=Visibility.OWNER),
        "secret_date": model(
            "Secret date", 1e26, "2026-01-01", owner=other, hidden={"release_date": Visibility.OWNER}
        ),
        "secret_name": model(
            "Codename Falcon", 1e20, "2019-01-01", owner=other, hidden={"name": Visibility.SUPERVISORS}
        ),
    }


def _walk(api: Api, path: str, params: dict[str, Any], role: Role) -> tuple[list[str], set[int]]:
    """Every id of a list, page by page, and the totals the pages gave."""
    ids: list[str] = []
    totals: set[int] = set()
    cursor = None
    while True:
        page = api.client.get(
            path, params={**params, **({"cursor": cursor} if cursor else {})}, headers=api.headers(role)
        )
        assert page.status_code == 200, page.text
        body = page.json()
        ids += [item["id"] for item in body["items"]]
        totals.add(body["total"])
        cursor = body["next"]
        if cursor is None:
            return ids, totals


def test_models_by_compute_largest_first_then_newest(api: Api, registry: dict[str, str]) -> None:
    ids, totals = _walk(api, "/v1/models", {"sort": "compute", "limit": 2}, Role.SUPERVISOR)
    assert totals == {9} and len(ids) == len(set(ids)) == 9
    assert ids[:5] == [
        registry["secret_compute"],  # 9e26: a supervisor sees it
        registry["huge"],
        registry["secret_date"],  # 1e26, released 2026
        registry["big_new"],  # 1e26, 2025
        registry["big_old"],  # 1e26, 2023
    ]
    assert ids[5] == api.samples["model"]  # 3e25
    assert ids[-1] == registry["undated"]  # no compute and no date: last


def test_paging_keeps_the_sort_and_refuses_another_sorts_cursor(api: Api, registry: dict[str, str]) -> None:
    everything = api.client.get("/v1/models", params={"sort": "newest", "limit": 500}).json()
    walked, totals = _walk(api, "/v1/models", {"sort": "newest", "limit": 3}, Role.PUBLIC)
    assert walked == [item["id"] for item in everything["items"]] and totals == {everything["total"]}
    cursor = api.client.get("/v1/models", params={"sort": "newest", "limit": 3}).json()["next"]
    other = api.client.get("/v1/models", params={"sort": "compute", "cursor": cursor})
    assert other.status_code == 422 and "cursor" in other.json()["detail"]


def test_cursors_are_sealed_and_carry_nothing_readable(api: Api, registry: dict[str, str]) -> None:
    """Every cursor of a public walk by name, decoded every way a reader could, shows no name (the
    withheld one least of all), and an altered cursor is refused."""
    import base64
    import binascii

    cursors = []
    params: dict[str, Any] = {"sort": "name", "limit": 1}
    while True:
        body = api.client.get("/v1/models", params=params).json()
        if body["next"] is None:
            break
        cursors.append(body["next"])
        params["cursor"] = body["next"]
    assert len(cursors) >= len(registry) - 1
    for cursor in cursors:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except binascii.Error:
            raw = cursor.encode()
        for name in ("codename falcon", "huge", "big new", "small"):
            assert name.encode() not in raw.lower() and name not in cursor.lower()
    altered = cursors[0][:-2] + ("A" if cursors[0][-2] != "A" else "B") + cursors[0][-1]
    response = api.client.get("/v1/models", params={"sort": "name", "cursor": altered})
    assert response.status_code == 422 and "cursor" in response.json()["detail"]


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "largest"},
        {"limit": 0},
        {"limit": 501},
        {"cursor": "not-a-cursor"},
        {"min_flop": -1},
        {"country": "FRA"},
    ],
)
def test_bad_list_parameters_are_422_with_a_reason(api: Api, params: dict[str, Any]) -> None:
    response = api.client.get("/v1/models", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"]


def test_a_withheld_figure_sorts_as_missing_for_the_public(api: Api, registry: dict[str, str]) -> None:
    public, _ = _walk(api, "/v1/models", {"sort": "compute", "limit": 4}, Role.PUBLIC)
    # The 9e26 FLOP the public may not see does not put the model first: it sorts with the models
    # of no known compute, by its (public) release date.
    assert public[0] == registry["huge"]
    assert public.index(registry["secret_compute"]) > public.index(registry["small"])
    newest = api.client.get("/v1/models", params={"sort": "newest", "limit": 1}).json()
    # The model released in 2026 keeps its date to its provider: the public's newest is from 2025.
    assert newest["items"][0]["id"] == registry["big_new"]
    provider = api.client.get(
        "/v1/models", params={"sort": "compute", "limit": 1}, headers=api.headers(Role.PROVIDER)
    ).json()
    assert provider["items"][0]["id"] == registry["huge"]  # the other organisation's figure is not theirs


def test_totals_and_filters_count_only_what_the_caller_may_see(api: Api, registry: dict[str, str]) -> None:
    def total(role: Role, **params: Any) -> int:
        response = api.client.get("/v1/models", params=params, headers=api.headers(role))
        assert response.status_code == 200, response.text
        return int(response.json()["total"])

    assert total(Role.PUBLIC) == total(Role.SUPERVISOR) == 9  # every model is listed to everyone
    assert total(Role.SUPERVISOR, min_flop=5e26) == 2
    assert total(Role.PUBLIC, min_flop=5e26) == 1  # the withheld 9e26 is not counted
    assert total(Role.SUPERVISOR, q="falcon") == 1
    assert total(Role.PUBLIC, q="falcon") == 0  # a withheld name is not searched
    assert total(Role.PROVIDER, q="falcon") == 0  # nor by another organisation's actors
    assert total(Role.PUBLIC, country="FR") == 6  # the provider's public country
    hidden = next(
        item
        for item in api.client.get("/v1/models", params={"limit": 500}).json()["items"]
        if item["id"] == registry["secret_name"]
    )
    assert "name" not in hidden and "name" in hidden["withheld"]


def test_deployments_have_a_total_and_withhold_exposure(api: Api) -> None:
    public = api.client.get("/v1/deployments", params={"sector": "finance"}).json()
    assert public["total"] == 1 and "economic_exposure" in public["items"][0]["withheld"]
    supervisor = api.client.get("/v1/deployments", headers=api.headers(Role.SUPERVISOR)).json()
    assert supervisor["items"][0]["economic_exposure"] == {"amount": "1000000", "currency": "EUR"}
    assert api.client.get("/v1/deployments", params={"sector": "health"}).json()["total"] == 0


@pytest.fixture
def two_packs(api: Api) -> None:
    PolicyService(api.store).load(WORKING_DAYS, origin="working-pack.yaml", by=operator(api.store))


def test_obligations_page_with_total_subject_names_and_filters(api: Api, two_packs: None) -> None:
    supervisor = api.headers(Role.SUPERVISOR)
    first = api.client.get("/v1/policy/obligations", params={"limit": 1}, headers=supervisor).json()
    assert first["total"] == 2 and first["next"] == 1 and len(first["items"]) == 1
    second = api.client.get(
        "/v1/policy/obligations", params={"limit": 1, "offset": 1}, headers=supervisor
    ).json()
    assert second["next"] is None and second["items"][0]["id"] != first["items"][0]["id"]
    item = first["items"][0]
    assert item["subject_name"] == "Sample model" and item["pack"] in ("test-pack", "working-pack")
    california = api.client.get(
        "/v1/policy/obligations", params={"jurisdiction": "us-ca"}, headers=supervisor
    ).json()
    assert [(o["pack"], o["jurisdiction"]) for o in california["items"]] == [("working-pack", "US-CA")]
    assert california["total"] == 1
    by_pack = api.client.get(
        "/v1/policy/obligations", params={"pack": "test-pack"}, headers=supervisor
    ).json()
    assert by_pack["total"] == 1 and by_pack["items"][0]["jurisdiction"] == "EU"
    elsewhere = api.client.get(
        "/v1/policy/obligations", params={"jurisdiction": "US-CA"}, headers=api.headers(Role.DEPLOYER)
    )
    assert elsewhere.status_code == 200


@pytest.mark.parametrize(
    "params",
    [{"jurisdiction": "XX"}, {"pack": "Not A Pack!"}, {"limit": 0}, {"limit": 1001}, {"offset": -1}],
)
def test_bad_obligation_filters_are_422(api: Api, params: dict[str, Any]) -> None:
    response = api.client.get("/v1/policy/obligations", params=params, headers=api.headers(Role.SUPERVISOR))
    assert response.status_code == 422 and response.json()["detail"]


def test_a_withheld_subject_name_is_not_given(api: Api, two_packs: None) -> None:
    service, by = RegistryService(api.store), operator(api.store)
    hidden = service.register_model(
        ModelRegistration.model_validate(
            {"name": "Codename Heron", "provider_id": api.organisations["provider"]["id"]}
        ),
        by=by,
        visibility={"name": Visibility.SUPERVISORS},
    )
    service.file_passport(
        hidden.id,
        Passport.model_validate({"provenance": {"source": "manual"}, "compute": {"training_flop": 2e25}}),
        by=by,
    )
    params = {"subject": hidden.id}
    owner = api.client.get("/v1/policy/obligations", params=params, headers=api.headers(Role.PROVIDER)).json()
    assert owner["total"] == 2 and {o["subject_name"] for o in owner["items"]} == {None}
    supervisor = api.client.get("/v1/policy/obligations", params=params, headers=api.headers(Role.SUPERVISOR))
    assert {o["subject_name"] for o in supervisor.json()["items"]} == {"Codename Heron"}


def test_the_explanation_says_how_the_due_date_was_reached(api: Api, two_packs: None) -> None:
    supervisor = api.headers(Role.SUPERVISOR)
    (obligation,) = api.client.get(
        "/v1/policy/obligations", params={"pack": "working-pack"}, headers=supervisor
    ).json()["items"]
    due = api.client.get(f"/v1/policy/obligations/{obligation['id']}/explanation", headers=supervisor).json()[
        "due"
    ]
    # Loaded on Monday 2026-11-02 at 09:30 UTC: ten working days in California skip two weekends
    # and Veterans Day (Wednesday 11 November), and end with Tuesday 17 November, at 24:00 in
    # Los Angeles (Code of Civil Procedure § 12: the last day included).
    assert due["due_at"] == obligation["due_at"] == "2026-11-18T08:00:00+00:00"
    assert due["start"] == {
        "from": "evaluation",
        "at": "2026-11-02T09:30:00+00:00",
        "filing": due["start"]["filing"],
    }
    assert (due["within"], due["unit"], due["jurisdiction"], due["zone"]) == (
        10,
        "working_days",
        "US-CA",
        "UTC",
    )
    assert [day["date"] for day in due["closing_days_skipped"]] == ["2026-11-11"]
    assert due["weekend_days_skipped"] == 4
    assert due["summary"].startswith("Due 2026-11-18 08:00 UTC: 10 working days after the evaluation")
    assert "Veterans Day" in due["summary"]


def test_licences_take_only_known_statuses(api: Api) -> None:
    supervisor = api.headers(Role.SUPERVISOR)
    assert api.client.get("/v1/licences", params={"status": "granted"}, headers=supervisor).json()
    bad = api.client.get("/v1/licences", params={"status": "pending"}, headers=supervisor)
    assert bad.status_code == 422 and bad.json()["detail"]
    assert api.client.get("/v1/licences", params={"limit": 5000}, headers=supervisor).status_code == 422


def test_a_closed_obligation_still_explains_its_due_date(api: Api) -> None:
    supervisor = api.headers(Role.SUPERVISOR)
    obligation = api.samples["obligation"]
    waived = api.client.post(
        f"/v1/policy/obligations/{obligation}/waiver", json={"reason": "out of scope"}, headers=supervisor
    )
    assert waived.status_code == 201
    due = api.client.get(f"/v1/policy/obligations/{obligation}/explanation", headers=supervisor).json()["due"]
    # The record keeps where its clock started, so a closed obligation still says it.
    assert due["start"] == {"from": "evaluation", "at": "2026-11-02T09:30:00+00:00", "filing": None}
    assert due["summary"].startswith(
        "Due 2026-11-16 23:00 UTC: 14 calendar days after the evaluation that attached it "
        "(2026-11-02 09:30 UTC)"
    )
    assert "does not count (Art. 3(1))" in due["summary"]
