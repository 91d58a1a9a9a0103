"""The OpenAPI 3.1 document, built from the operations the API registered, the very
pydantic models that validate their requests and the shapes their answers are written
through (``packing.core.shapes``), and a browsable page of it."""

from __future__ import annotations

import copy
from typing import Any

from flask import jsonify, render_template
from pydantic import TypeAdapter

from packing.api.framework import FORMATS, OPERATIONS, PRODUCES, Operation, api_blueprint
from packing.core import shapes
from packing.core.messages import N_
from packing.i18n import gettext as _

bp = api_blueprint("api_docs", __name__, "/api/v1", authenticated=False)

REF_TEMPLATE = "#/components/schemas/{model}"
TAG_NAMES = {
    "oms": N_("OMS Package Services"),
    "seller_center": N_("Seller Center Packages (i2)"),
    "integration": N_("Integration Packages (i1)"),
}


def _non_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent rather than null: drop the null branch of Optional."""
    schema = {key: value for key, value in schema.items() if key not in ("default", "title")} | (
        {"default": schema["default"]} if schema.get("default") is not None else {}
    )
    branches = [branch for branch in schema.pop("anyOf", []) if branch.get("type") != "null"]
    if len(branches) == 1:
        schema = {**branches[0], **schema}
    elif branches:
        schema["anyOf"] = branches
    return schema


def _query_parameters(operation: Operation) -> list[dict[str, Any]]:
    if operation.query is None:
        return []
    schema = operation.query.model_json_schema(ref_template=REF_TEMPLATE)
    required = set(schema.get("required", []))
    parameters = []
    for name, prop in schema["properties"].items():
        prop = _non_null(prop)
        parameter = {
            "name": name,
            "in": "query",
            "required": name in required,
            "description": prop.pop("description", ""),
            "schema": prop,
        }
        if prop.get("type") == "array":
            parameter |= {"style": "form", "explode": False}
        parameters.append(parameter)
    return parameters


def _add_components(components: dict[str, Any], definitions: dict[str, Any]) -> None:
    for name, schema in definitions.items():
        if components.setdefault(name, schema) != schema:
            raise ValueError(f"two different schemas are both named {name}")


def _body(operation: Operation, components: dict[str, Any]) -> dict[str, Any]:
    schema = TypeAdapter(operation.body).json_schema(ref_template=REF_TEMPLATE)
    _add_components(components, schema.pop("$defs", {}))
    return {"required": operation.body_required, "content": {"application/json": {"schema": schema}}}


def _response_schemas(components: dict[str, Any]) -> dict[Any, dict[str, Any]]:
    """The JSON Schema of every shape an answer is written through, each shape a component
    (generated together, so a shape used by several answers is one component)."""
    answered = {shape for operation in OPERATIONS for _, shape, *_ in operation.responses.values() if shape}
    answered.add(shapes.Error)
    by_shape, definitions = TypeAdapter.json_schemas(
        [(shape, "serialization", shapes.adapter(shape)) for shape in answered], ref_template=REF_TEMPLATE
    )
    _add_components(components, definitions.get("$defs", {}))
    return {shape: schema for (shape, _), schema in by_shape.items()}


_INTEGER_HEADER = {"schema": {"type": "integer"}}
# Every token-authenticated operation may answer the reference's 429 (API_RATE_LIMIT).
THROTTLED = {
    "description": N_("Too Many Requests: this token's rate limit is spent; try again after Retry-After seconds"),
    "headers": {
        "Retry-After": {**_INTEGER_HEADER, "description": N_("seconds until a request is accepted again")},
        "X-RateLimit-Limit": {**_INTEGER_HEADER, "description": N_("requests allowed in the window")},
        "X-RateLimit-Remaining": {**_INTEGER_HEADER, "description": N_("requests left in the window")},
        "X-RateLimit-Reset": {**_INTEGER_HEADER, "description": N_("when the window ends (Unix time)")},
    },
}


def _responses(operation: Operation, schemas: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    responses = {}
    for status, (description, shape, *media) in sorted(operation.responses.items()):
        answer: dict[str, Any] = {"description": description}
        media_type = media[0] if media else "application/json"
        if shape is not None or media:
            answer["content"] = {media_type: {"schema": copy.deepcopy(schemas[shape]) if shape is not None else {}}}
        responses[str(status)] = answer
    error = {"application/json": {"schema": copy.deepcopy(schemas[shapes.Error])}}
    responses["406"] = {
        "description": "Not Acceptable: the Accept header or `format` asks for a type this operation cannot answer",
        "content": error,
    }
    responses["429"] = {**copy.deepcopy(THROTTLED), "content": copy.deepcopy(error)}
    return responses


# Every operation takes the reference's ``format`` (its lists document it; details honour it too).
FORMAT_PARAMETER = {
    "name": "format",
    "in": "query",
    "required": False,
    "description": "Response format; `api` answers the same JSON. Anything else is a 406.",
    "schema": {"type": "string", "enum": list(FORMATS), "default": "json"},
}

ACCEPT_LANGUAGE = {
    "name": "Accept-Language",
    "in": "header",
    "required": False,
    "description": "`tr` or `en` (the default): the language of messages and state names.",
    "schema": {"type": "string", "maxLength": 64},
}

# Each documented header form, all accepted on every operation; the tags list first the one
# their own reference shows.
SECURITY_SCHEMES = {
    "Token": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "`Authorization: Token <key>` (the OMS guide); create keys with `flask tokens create` "
        "or at API tokens.",
    },
    "Bearer": {"type": "http", "scheme": "bearer", "description": "`Authorization: Bearer <key>` (the OpenAPI text)."},
    "ApiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "`Authorization: <key>`, the bare key (Seller Center).",
    },
    "Authentication": {
        "type": "apiKey",
        "in": "header",
        "name": "Authentication",
        "description": "`Authentication: Bearer <key>` (the i1 reference's example).",
    },
}
FIRST_SCHEME = {"oms": "Token", "seller_center": "ApiKey", "integration": "Authentication"}


def _security(operation: Operation) -> list[dict[str, list]]:
    first = FIRST_SCHEME.get(operation.tag, "Token")
    return [{name: []} for name in sorted(SECURITY_SCHEMES, key=lambda name: name != first)]


def openapi_document() -> dict[str, Any]:
    components: dict[str, Any] = {}
    response_schemas = _response_schemas(components)
    paths: dict[str, dict[str, Any]] = {}
    for operation in OPERATIONS:
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": schema}
            for name, schema in operation.path_params.items()
        ]
        query_parameters = _query_parameters(operation)
        if not any(parameter["name"] == "format" for parameter in query_parameters):
            query_parameters.append(copy.deepcopy(FORMAT_PARAMETER))
        headers = copy.deepcopy(operation.headers)
        if not any(header["name"] == "Accept-Language" for header in headers):
            headers.append(copy.deepcopy(ACCEPT_LANGUAGE))
        parameters += query_parameters + headers
        spec: dict[str, Any] = {
            "operationId": operation.endpoint.replace(".", "_"),
            "summary": operation.summary,
            "tags": [TAG_NAMES.get(operation.tag, operation.tag)],
            "parameters": parameters,
            "responses": _responses(operation, response_schemas),
            "security": _security(operation),
        }
        if operation.body is not None:
            spec["requestBody"] = _body(operation, components)
        paths.setdefault(operation.path, {})[operation.method] = spec
    return {
        "openapi": "3.1.0",
        "info": {
            "title": N_("Packing station integration API"),
            "version": "1.0.0",
            "description": N_(
                "OMS Package Services, Seller Center Packages (i2) and integration packages (i1). "
                "Authenticate with `Authorization: Token <key>`, `Authorization: Bearer <key>`, the bare "
                "`Authorization: <key>` or `Authentication: Bearer <key>`: each reference's form is accepted "
                "everywhere. "
                "`Accept-Language: tr` answers messages and state names in Turkish."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": copy.deepcopy(SECURITY_SCHEMES),
        },
    }


@bp.route("/openapi.json")
def openapi_json():
    return jsonify(openapi_document())


@bp.route("/docs/")
def docs():
    """The document for people, in their language; the JSON stays as it is, for machines."""
    document = openapi_document()
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, methods in document["paths"].items():
        for method, spec in methods.items():
            groups.setdefault(_(spec["tags"][0]), []).append(
                {"path": path, "method": method.upper(), **_in_language(spec)}
            )
    return render_template("api/docs.html", title=_(document["info"]["title"]), document=document, groups=groups)


def _translated(text: str) -> str:
    # gettext("") is the catalogue's header, not an empty description.
    return _(text) if text else text


def _in_language(spec: dict[str, Any]) -> dict[str, Any]:
    return {
        **spec,
        "summary": _translated(spec["summary"]),
        "parameters": [
            {**parameter, "description": _translated(parameter.get("description", ""))}
            for parameter in spec["parameters"]
        ],
        "responses": {
            status: {**answer, "description": _translated(answer["description"])}
            for status, answer in spec["responses"].items()
        },
    }


PRODUCES["api_docs.docs"] = ("text/html",)
