"""A request body is refused when a value's JSON type is one its schema does not admit.

The payload models validate in pydantic's lax mode, which reads ``0`` as false, ``"3e25"`` as a
number and ``1721692800`` as a date: convenient for code calling the services in-process. Over
HTTP the OpenAPI document is the contract, and a client generated from it must be able to rely on
what the server refuses, so a body whose values are not of the JSON types the schema names is
refused here, with a 422 naming each such field. Everything else (required fields, bounds,
patterns, enumerations, formats) is left to the models, whose messages the API always gave.

Use it on a body parameter: ``body: Annotated[Model, json_types(Model)]``. Values that are not
JSON (a Python caller's ``date`` or model) are the models' to judge.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, BeforeValidator, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

Schema = dict[str, Any]
Location = tuple[str | int, ...]

_NAMES = {
    "boolean": "a valid boolean",
    "integer": "a valid integer",
    "number": "a valid number",
    "string": "a valid string",
    "array": "a valid list",
    "object": "a valid object",
    "null": "null",
}


def json_type(value: object) -> str | None:
    """The JSON Schema type of a value decoded from JSON; None for anything else."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):  # JSON Schema: a number without a fraction is an integer
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return None


def _admits(types: frozenset[str], kind: str) -> bool:
    return kind in types or (kind == "integer" and "number" in types)


#: Checks one value at a location, adding what it finds to the errors.
Check = Callable[[object, Location, list[InitErrorDetails]], None]


def _ignore(value: object, location: Location, errors: list[InitErrorDetails]) -> None:
    return None


class _Checker:
    """A model's JSON schema compiled into checks, once: the decision route runs one per request.

    Each schema node becomes a closure that knows the JSON types its branches admit and, for
    objects and arrays, the checks of their members (from the first branch that admits them).
    """

    def __init__(self, model: type[BaseModel]) -> None:
        self.model = model
        root: Schema = model.model_json_schema()
        self.definitions: dict[str, Schema] = root.get("$defs", {})
        self.compiled: dict[int, Check] = {}  # by schema node, while compiling
        self.check = self._compile(root)
        self.compiled.clear()

    def _resolve(self, schema: Schema) -> Schema:
        while "$ref" in schema:
            schema = self.definitions[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def _branches(self, schema: Schema) -> list[Schema]:
        resolved = self._resolve(schema)
        alternatives = resolved.get("anyOf") or resolved.get("oneOf")
        if alternatives is None:
            return [resolved]
        return [branch for alternative in alternatives for branch in self._branches(alternative)]

    @staticmethod
    def _types(branch: Schema) -> frozenset[str] | None:
        """The JSON types a branch admits; None when it does not constrain the type."""
        declared = branch.get("type")
        if declared is None:
            return None
        return frozenset([declared] if isinstance(declared, str) else declared)

    def _compile(self, schema: Schema) -> Check:
        key = id(self._resolve(schema))
        if key in self.compiled:
            return self.compiled[key]
        late: list[Check] = []

        def pending(value: object, location: Location, errors: list[InitErrorDetails]) -> None:
            late[0](value, location, errors)  # a schema that contains itself, once compiled

        self.compiled[key] = pending
        branches = self._branches(schema)
        kinds = [self._types(branch) for branch in branches]
        admitted = None if None in kinds else frozenset().union(*(k for k in kinds if k is not None))
        expected = " or ".join(_NAMES[t] for t in _NAMES if admitted and t in admitted)

        def first(kind: str) -> Schema | None:
            return next((b for b, k in zip(branches, kinds, strict=True) if k is None or kind in k), None)

        members = first("object")
        properties = {
            name: self._compile(inner) for name, inner in (members or {}).get("properties", {}).items()
        }
        others = (members or {}).get("additionalProperties")
        other = self._compile(others) if isinstance(others, dict) else _ignore
        elements = first("array") or {}
        leading = [self._compile(inner) for inner in elements.get("prefixItems", [])]
        rest = self._compile(elements["items"]) if isinstance(elements.get("items"), dict) else _ignore

        def check(value: object, location: Location, errors: list[InitErrorDetails]) -> None:
            kind = json_type(value)
            if kind is None:
                return
            if admitted is not None and not _admits(admitted, kind):
                error = PydanticCustomError("json_type", "Input should be {expected}", {"expected": expected})
                errors.append(InitErrorDetails(type=error, loc=location, input=value))
            elif isinstance(value, dict):
                for name, item in value.items():
                    properties.get(name, other)(item, (*location, name), errors)
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    (leading[index] if index < len(leading) else rest)(item, (*location, index), errors)

        late.append(check)
        return check

    def __call__(self, value: Any) -> Any:
        if value is None:  # no body at all: the model says whether one is needed
            return value
        errors: list[InitErrorDetails] = []
        self.check(value, (), errors)
        if errors:
            raise ValidationError.from_exception_data(self.model.__name__, errors)
        return value


@functools.cache
def json_types(model: type[BaseModel]) -> BeforeValidator:
    """A validator that refuses values of ``model``'s body whose JSON type its schema does not admit."""
    check: Callable[[Any], Any] = _Checker(model)
    return BeforeValidator(check)
