"""The OpenAPI 3.1 document, built from the operations the API registered and the very
pydantic models that validate their requests, and a browsable page of it."""

from __future__ import annotations

import copy
from typing import Any

from flask import jsonify, render_template
from pydantic import TypeAdapter

from packing.api.framework import OPERATIONS, Operation, api_blueprint
from packing.api.schemas import ERROR
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


def _body(operation: Operation, components: dict[str, Any]) -> dict[str, Any]:
    schema = TypeAdapter(operation.body).json_schema(ref_template=REF_TEMPLATE)
    components.update(schema.pop("$defs", {}))
    return {"required": operation.body_required, "content": {"application/json": {"schema": schema}}}


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
    "content": {"application/json": {"schema": ERROR}},
}


def _responses(operation: Operation) -> dict[str, Any]:
    responses = {}
    for status, (description, schema, *media) in sorted(operation.responses.items()):
        answer: dict[str, Any] = {"description": description}
        media_type = media[0] if media else "application/json"
        if schema is not None or media:
            answer["content"] = {media_type: {"schema": copy.deepcopy(schema) if schema is not None else {}}}
        responses[str(status)] = answer
    responses["429"] = copy.deepcopy(THROTTLED)
    return responses


def openapi_document() -> dict[str, Any]:
    components: dict[str, Any] = {}
    paths: dict[str, dict[str, Any]] = {}
    for operation in OPERATIONS:
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": schema}
            for name, schema in operation.path_params.items()
        ]
        parameters += _query_parameters(operation) + copy.deepcopy(operation.headers)
        spec: dict[str, Any] = {
            "operationId": operation.endpoint.replace(".", "_"),
            "summary": operation.summary,
            "tags": [TAG_NAMES.get(operation.tag, operation.tag)],
            "parameters": parameters,
            "responses": _responses(operation),
            "security": [{"Token": []}],
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
                "Authenticate with the header `Authorization: Token <key>` (or `Bearer <key>`)."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "Token": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": N_(
                        "`Token <key>` or `Bearer <key>`; create keys with `flask tokens create` or at API tokens."
                    ),
                }
            },
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
