"""The dashboard's shell and the overview: no data in the pages, counts only for those who may read them."""

from __future__ import annotations

import re

import pytest

from custos.access.model import Role
from custos.access.permissions import ROLE_PERMISSIONS
from custos.access.service import AccessService, operator
from tests.functional.conftest import Api


def test_pages_carry_no_data_and_a_strict_content_security_policy(api: Api) -> None:
    for path, mode in (("/", "dashboard"), ("/portal", "portal")):
        response = api.client.get(path)
        assert response.status_code == 200
        assert f'data-mode="{mode}"' in response.text
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert api.samples["model"] not in response.text


def test_the_pages_offer_the_public_exactly_its_permissions(api: Api) -> None:
    """The navigation for a visitor without a token is built from this, so it must be the API's own."""
    for path in ("/", "/portal"):
        declared = re.search(r'data-public-permissions="([^"]*)"', api.client.get(path).text)
        assert declared is not None
        assert set(declared.group(1).split()) == set(ROLE_PERMISSIONS[Role.PUBLIC])


def test_the_icon_is_served_where_the_page_names_it_and_where_browsers_look(api: Api) -> None:
    named = re.search(r'<link rel="icon" href="([^"]+)"', api.client.get("/portal").text)
    assert named is not None
    for path in (named.group(1), "/favicon.ico"):
        response = api.client.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("image/svg+xml")
        assert response.text.startswith("<svg")


@pytest.mark.parametrize(
    "name", ["../routes.py", "..%2Froutes.py", "index.html", "js/../../routes.py", "nope.js"]
)
def test_only_scripts_styles_and_images_of_the_static_folder_are_served(api: Api, name: str) -> None:
    assert api.client.get(f"/static/{name}").status_code == 404


def test_every_module_the_pages_import_is_served(api: Api) -> None:
    main = api.client.get("/static/js/main.js")
    assert main.status_code == 200 and main.headers["content-type"].startswith("text/javascript")
    for module in ("api.js", "ui.js", "schema.js", "pages/overview.js", "pages/ledger.js"):
        assert api.client.get(f"/static/js/{module}").status_code == 200
    assert api.client.get("/static/verify.js").status_code == 200


@pytest.mark.parametrize(
    ("role", "sections"),
    [
        (Role.PUBLIC, {"registry", "ledger"}),
        (Role.PROVIDER, {"registry", "ledger", "obligations", "licences"}),
        (Role.SUPERVISOR, {"registry", "ledger", "obligations", "licences", "stress_test"}),
    ],
)
def test_the_overview_shows_each_role_only_what_it_may_read(api: Api, role: Role, sections: set[str]) -> None:
    data = api.client.get("/v1/overview", headers=api.headers(role)).json()
    assert set(data) == sections
    assert data["registry"]["models"] >= 1 and data["ledger"]["size"] >= 1


def test_obligation_and_licence_counts_are_the_viewers_own(api: Api) -> None:
    access, by = AccessService(api.store), operator(api.store)
    outsider = access.add_actor("Outsider", Role.DEPLOYER, api.organisations["other"]["id"], by=by)
    headers = {"Authorization": f"Bearer {access.issue_token(outsider.id)}"}
    owner = api.client.get("/v1/overview", headers=api.headers(Role.PROVIDER)).json()
    other = api.client.get("/v1/overview", headers=headers).json()
    assert sum(v for k, v in owner["obligations"].items() if k.startswith("status_")) >= 1
    assert sum(v for k, v in other["obligations"].items() if k.startswith("status_")) == 0
    assert owner["licences"] == {"granted": 1} and other["licences"] == {}
