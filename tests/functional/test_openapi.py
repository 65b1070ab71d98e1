"""The OpenAPI document describes every body and the main answers with their schemas, so a firm
can generate a client from it; and the read models keep up with the payloads they show."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import pytest
from fastapi.testclient import TestClient
from openapi_spec_validator import validate
from pydantic import BaseModel, BeforeValidator, TypeAdapter

from custos.access.model import Role
from custos.api import bodies, create_app, examples
from custos.api.json_types import json_types
from custos.filings import FilingKind
from custos.filings import sent as filed
from custos.licensing.model import LICENCE_APPLIED, LicenceApplied
from custos.passports.model import Passport
from custos.registry.model import (
    DEPLOYMENT_REGISTERED,
    MODEL_REGISTERED,
    ORGANISATION_REGISTERED,
    PASSPORT_FILED,
    DeploymentRegistered,
    ModelRegistered,
    OrganisationRegistered,
)
from custos.registry.views import DeploymentView, ModelView, OrganisationView, PassportView
from custos.store import ledger_sql
from tests.functional.conftest import Api
from tests.functional.test_routes import api_routes
from tests.installations import sqlite_installation

SCHEMAS = "#/components/schemas/"
#: Answers left as open JSON, each for a stated reason (see docs/api.md, "Schemas").
OPEN_ANSWERS = {
    ("get", "/v1/overview"),  # which figures it holds depends on the reader's role
    ("get", "/v1/risk/runs/{run_id}/files/{name}"),  # a file: JSON, Parquet or HTML
}


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The document a server serves (it depends on no data, so one installation serves the module)."""
    store = sqlite_installation(tmp_path_factory.mktemp("openapi"))
    try:
        with TestClient(create_app(store, checkpoint_interval=None, compliance_interval=None)) as client:
            found: dict[str, Any] = client.get("/openapi.json").json()
    finally:
        store.close()
    return found


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].removeprefix(SCHEMAS)]
    return schema


def body_schema(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    schema: dict[str, Any] = document["paths"][path][method]["requestBody"]["content"]["application/json"][
        "schema"
    ]
    return schema


def content_of(document: dict[str, Any], method: str, path: str) -> str:
    """The schema a filing route's ``content`` names."""
    body = resolve(document, body_schema(document, method, path))
    reference: str = body["properties"]["content"]["$ref"]
    return reference.removeprefix(SCHEMAS)


def test_the_document_is_valid(document: dict[str, Any]) -> None:
    validate(document)


def test_the_passport_route_takes_a_passport(document: dict[str, Any]) -> None:
    assert body_schema(document, "post", "/v1/models/{model_id}/passports") == {
        "$ref": f"{SCHEMAS}PassportFiling"
    }
    assert content_of(document, "post", "/v1/models/{model_id}/passports") == "Passport"
    passport = document["components"]["schemas"]["Passport"]
    assert set(passport["properties"]) == set(Passport.model_fields)
    assert passport["required"] == ["provenance"]
    assert passport["properties"]["compute"]["visibility"] == "owner"
    compute = resolve(document, passport["properties"]["compute"])
    assert {"training_flop", "training_flop_lower", "confidence"} <= set(compute["properties"])


@pytest.mark.parametrize(
    ("path", "content", "payload", "optional"),
    [
        ("/v1/organisations", "OrganisationRegistered", OrganisationRegistered, None),
        ("/v1/models", "ModelRegistration", ModelRegistered, "provider_id"),
        ("/v1/deployments", "DeploymentRegistration", DeploymentRegistered, "deployer_id"),
        ("/v1/licences", "LicenceApplication", LicenceApplied, "applicant_id"),
    ],
)
def test_each_registration_names_its_payload_with_its_fields(
    document: dict[str, Any], path: str, content: str, payload: type[BaseModel], optional: str | None
) -> None:
    assert content_of(document, "post", path) == content
    schema = document["components"]["schemas"][content]
    assert set(schema["properties"]) == set(payload.model_fields)
    required = {name for name, field in payload.model_fields.items() if field.is_required()}
    # The one field the service fills from the caller's organisation is optional at the API.
    assert set(schema.get("required", [])) == required - {optional}


@pytest.mark.parametrize(
    ("method", "path", "answer", "fields"),
    [
        ("get", "/v1/organisations/{organisation_id}", "OrganisationView", {"id", "name", "withheld"}),
        (
            "get",
            "/v1/models/{model_id}",
            "ModelDetail",
            {"id", "name", "passport", "deployments", "withheld"},
        ),
        ("post", "/v1/models/{model_id}/passports", "PassportVersion", {"version", "passport", "withheld"}),
        ("get", "/v1/deployments/{deployment_id}", "DeploymentView", {"sector", "model_id", "withheld"}),
        ("post", "/v1/licences", "LicenceView", {"status", "scope", "conditions", "valid_until"}),
        ("post", "/v1/licences/{licence_id}/{transition}", "LicenceView", {"status", "reason"}),
        ("post", "/v1/decisions", "DecisionView", {"allow", "reasons", "licence_id", "obligations"}),
        ("get", "/v1/policy/obligations", "ObligationPage", {"items", "total", "next"}),
        ("get", "/v1/models", "ModelPage", {"items", "next", "total"}),
        ("post", "/v1/risk/runs", "RunStatus", {"id", "state", "chunks", "headline", "filing_id"}),
        ("get", "/v1/risk/runs/{run_id}", "RunStatus", {"id", "state", "chunks_done", "headline"}),
        ("get", "/v1/risk/runs/{run_id}/results", "RunResults", {"system", "institutions", "providers"}),
    ],
)
def test_the_main_answers_have_schemas(
    document: dict[str, Any], method: str, path: str, answer: str, fields: set[str]
) -> None:
    responses = document["paths"][path][method]["responses"]
    (success,) = [status for status in responses if status.startswith("2")]
    schema = responses[success]["content"]["application/json"]["schema"]
    assert schema == {"$ref": f"{SCHEMAS}{answer}"}
    assert fields <= set(resolve(document, schema)["properties"])


def test_the_decision_and_licence_schemas_carry_their_fields(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert set(schemas["DecisionRequest"]["required"]) == {"deployer", "model", "jurisdiction"}
    assert {"sector", "users", "subject_key"} <= set(schemas["DecisionRequest"]["properties"])
    assert set(schemas["LicenceStep"]["properties"]) == {
        "conditions",
        "valid_from",
        "valid_until",
        "scope",
        "reason",
    }
    assert {"jurisdictions", "sectors", "max_users"} <= set(schemas["Scope"]["properties"])


def test_every_body_is_typed(document: dict[str, Any]) -> None:
    """No operation takes an open object: each JSON body is a schema with named properties, and
    text bodies (a YAML pack, an imported document) say they are text."""
    bodies_seen = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            request = operation.get("requestBody")
            if request is None:
                continue
            for media_type, described in request["content"].items():
                bodies_seen += 1
                schema = resolve(document, described["schema"])
                if media_type != "application/json":
                    assert schema == {"type": "string"}, (method, path, media_type)
                    continue
                # An optional body (a token's expiry) is its schema or nothing.
                for part in schema.get("anyOf", [schema]):
                    if part != {"type": "null"}:
                        typed = resolve(document, part)
                        assert typed.get("properties"), (method, path)
                        assert typed.get("additionalProperties") is not True, (method, path)
    assert bodies_seen > 20


def is_open(document: dict[str, Any], schema: dict[str, Any]) -> bool:
    """Whether a schema says no more than "some JSON object" (or a list of them)."""
    schema = resolve(document, schema)
    if schema.get("type") == "array":
        return is_open(document, schema.get("items", {}))
    return not schema.get("properties") and schema.get("type") in ("object", None)


def test_every_json_answer_has_a_schema(document: dict[str, Any]) -> None:
    """Every answer of the JSON API names its fields, but those left open on purpose."""
    open_answers = set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                if status.startswith("2") and schema is not None and is_open(document, schema):
                    open_answers.add((method, path))
    assert open_answers == OPEN_ANSWERS


@pytest.mark.parametrize(
    ("body", "example"),
    [
        (bodies.OrganisationFiling, examples.ORGANISATION),
        (bodies.ModelFiling, examples.MODEL),
        (bodies.PassportFiling, examples.PASSPORT),
        (bodies.DeploymentFiling, examples.DEPLOYMENT),
        (bodies.LicenceApplicationFiling, examples.LICENCE_APPLICATION),
        (bodies.LicenceStep, examples.LICENCE_GRANT),
        (bodies.DecisionRequest, examples.DECISION),
    ],
)
def test_the_examples_are_valid_bodies(
    document: dict[str, Any], body: type[BaseModel], example: dict[str, Any]
) -> None:
    body.model_validate(example)
    assert document["components"]["schemas"][body.__name__]["examples"] == [example]


@pytest.mark.parametrize(
    ("view", "payload"),
    [
        (OrganisationView, OrganisationRegistered),
        (ModelView, ModelRegistered),
        (DeploymentView, DeploymentRegistered),
        (PassportView, Passport),
    ],
)
def test_the_read_models_show_every_field_of_their_payload(
    view: type[BaseModel], payload: type[BaseModel]
) -> None:
    """A field added to a payload must be added to its read model too, or its answers would only
    carry it as an untyped extra."""
    shown = set(view.model_fields) - {"id", "withheld", "filing_id"}
    assert shown == set(payload.model_fields)
    assert all(not view.model_fields[name].is_required() for name in shown)


def test_every_json_body_refuses_values_of_a_type_its_schema_does_not_admit(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    store = sqlite_installation(tmp_path_factory.mktemp("routes"))
    try:
        routes = api_routes(create_app(store, checkpoint_interval=None, compliance_interval=None).routes)
    finally:
        store.close()
    with_bodies = [route for route in routes if route.body_field is not None]
    assert len(with_bodies) > 20
    for route in with_bodies:
        assert route.body_field is not None
        checks = [m for m in route.body_field.field_info.metadata if isinstance(m, BeforeValidator)]
        assert checks, route.path


def test_a_value_of_another_json_type_is_refused_with_its_field_named(api: Api) -> None:
    """Pydantic alone would read 0 as false and "3e25" as a number; the document says neither."""
    with api.store.read() as conn:
        before = ledger_sql.tree_size(conn)
    passport = {
        "provenance": {"source": "manual"},
        "evaluations": [{"metric": "accuracy", "value": 0.9, "verified": 0}],
        "compute": {"training_flop": "3e25"},
    }
    response = api.client.post(
        f"/v1/models/{api.samples['model']}/passports",
        json={"content": passport},
        headers=api.headers(Role.SUPERVISOR),
    )
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    assert [(e["location"], e["reason"]) for e in response.json()["errors"]] == [
        ("body.content.evaluations.0.verified", "Input should be a valid boolean or null"),
        ("body.content.compute.training_flop", "Input should be a valid number or null"),
    ]
    with api.store.read() as conn:
        assert ledger_sql.tree_size(conn) == before
    # Python callers' own values (dates, models) are the models' to judge, not refused as "not JSON".
    step = TypeAdapter(Annotated[bodies.LicenceStep, json_types(bodies.LicenceStep)])
    assert step.validate_python({"valid_from": date(2026, 1, 1)}).valid_from == date(2026, 1, 1)


PROVIDER = "01JAZ0Q5V8M3K7T2W9X4C6B1DE"
SAME_CONTENT = [
    (bodies.OrganisationFiling, ORGANISATION_REGISTERED, examples.ORGANISATION["content"]),
    (bodies.OrganisationFiling, ORGANISATION_REGISTERED, {"name": " Bank AG ", "jurisdiction": "de"}),
    (bodies.ModelFiling, MODEL_REGISTERED, {**examples.MODEL["content"], "version": None}),
    (bodies.ModelFiling, MODEL_REGISTERED, {"name": "Tiny", "provider_id": PROVIDER, "countries": ["fr"]}),
    (bodies.PassportFiling, PASSPORT_FILED, examples.PASSPORT["content"]),
    (
        bodies.PassportFiling,
        PASSPORT_FILED,
        {"provenance": {"source": "manual"}, "known_limitations": ["", " a "]},
    ),
    (bodies.DeploymentFiling, DEPLOYMENT_REGISTERED, examples.DEPLOYMENT["content"]),
    (bodies.LicenceApplicationFiling, LICENCE_APPLIED, examples.LICENCE_APPLICATION["content"]),
]


@pytest.mark.parametrize(("body", "kind", "sent"), SAME_CONTENT)
def test_a_service_files_what_it_filed_before_the_bodies_were_typed(
    body: type[BaseModel], kind: FilingKind, sent: dict[str, Any]
) -> None:
    """The routes hand the services the validated body's fields as sent (``exclude_unset``); the
    filing made of it is the one the raw content made, defaults, normalisation and nulls alike."""
    read = body.model_validate({"content": sent})
    assert kind.validate(filed(read.content)) == kind.validate(sent)
