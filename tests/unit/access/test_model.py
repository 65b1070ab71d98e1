from __future__ import annotations

import pytest

from custos.access.model import Principal, Role
from custos.access.permissions import ROLE_PERMISSIONS, Permission
from custos.filings import Visibility


def principal(role: Role, organisation: str | None) -> Principal:
    return Principal("a", "a", role, organisation, "FR")


@pytest.mark.parametrize(
    ("role", "organisation", "visible"),
    [
        (Role.PUBLIC, None, {Visibility.PUBLIC}),
        (Role.PROVIDER, "OWNER", {Visibility.PUBLIC, Visibility.OWNER}),
        (Role.PROVIDER, "OTHER", {Visibility.PUBLIC}),
        (Role.AUDITOR, "OTHER", {Visibility.PUBLIC}),
        (Role.SUPERVISOR, "AUTHORITY", set(Visibility)),
    ],
)
def test_field_visibility_by_role_and_ownership(
    role: Role, organisation: str | None, visible: set[Visibility]
) -> None:
    who = principal(role, organisation)
    assert {v for v in Visibility if who.can_see(v, "OWNER")} == visible


def test_the_public_writes_nothing_and_only_supervisors_administer() -> None:
    writes = {p for p in Permission if p.endswith((":write", ":sign", ":issue"))}
    administration = {p for p in writes if p.startswith(("access:", "ledger:"))}
    assert administration
    for role, held in ROLE_PERMISSIONS.items():
        assert bool(held & administration) is (role is Role.SUPERVISOR)
    assert not ROLE_PERMISSIONS[Role.PUBLIC] & writes
