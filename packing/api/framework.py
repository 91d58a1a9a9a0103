"""What every integration endpoint shares: token authentication and scope, request
validation with pydantic models, answers written through their declared shapes
(``packing.core.shapes``), JSON errors, pagination links, and the registry of operations
that the OpenAPI document is generated from (so the spec is the code)."""

from __future__ import annotations

import hashlib
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, Optional
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, g, request
from flask_limiter import RateLimitExceeded
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from packing.core import serializers, shapes
from packing.core.api_tokens import scope_location_ids, verify_token
from packing.core.db import transaction
from packing.core.errors import DomainError, InvalidParameter
from packing.core.messages import N_
from packing.core.models import ApiToken, Package, User
from packing.core.parsing import MAX_ID, has_nul, loads_strict
from packing.core.queries import Page
from packing.extensions import csrf, db, limiter
from packing.i18n import CATALOGUE_LOCALES, LOCALES, error_message, gettext
from packing.security import public_base_url
from packing.web import client_ip

JSON = "application/json"


class QueryModel(BaseModel):
    """Query parameters: unknown ones are ignored (as in the reference), known ones validated."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class BodyModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


@dataclass
class Operation:
    method: str
    path: str
    endpoint: str
    summary: str
    tag: str
    # status -> (description, the shape its JSON is written through or None, [media type])
    responses: dict[int, tuple]
    query: Optional[type[QueryModel]] = None
    body: Any = None
    path_params: dict[str, dict] = field(default_factory=dict)
    headers: list[dict] = field(default_factory=list)
    body_required: bool = True


OPERATIONS: list[Operation] = []


class ApiError(Exception):
    """An answer other than success, with a JSON body naming the field at fault. ``detail``
    is an English template with named ``values``, answered in the request's language."""

    def __init__(
        self, status: int, detail: str, code: str = "invalid", field_errors: Optional[dict] = None, **values: Any
    ):
        super().__init__(detail)
        self.status, self.detail, self.code, self.field_errors = status, detail, code, field_errors or {}
        self.values = values

    def response(self) -> Response:
        body = {"detail": gettext(self.detail, **self.values), "code": self.code, **self.field_errors}
        return answer(shapes.Error, body, self.status)


def answer(shape: Any, data: Any, status: int = 200) -> Response:
    """``data`` written as JSON through ``shape``; under test every answer is first checked
    against its shape, so none can leave out a declared key or carry an undeclared one."""
    body = shapes.to_json(shape, data, check=current_app.testing) + b"\n"
    return current_app.response_class(body, status=status, mimetype=JSON)


def api_blueprint(name: str, import_name: str, url_prefix: str, *, authenticated: bool = True) -> Blueprint:
    """A blueprint whose routes answer JSON, skip CSRF (a token, not a cookie, authenticates
    them) and, when ``authenticated``, require a live API token."""
    bp = Blueprint(name, import_name, url_prefix=url_prefix)
    csrf.exempt(bp)
    bp.before_request(_choose_language)
    bp.before_request(_negotiate)
    if authenticated:
        # Counted before the token is looked up: a throttled client costs no database work.
        limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=_rate_limit_key)(bp)
        bp.before_request(_authenticate)
    bp.register_error_handler(ApiError, lambda error: error.response())
    bp.register_error_handler(RateLimitExceeded, _throttled)
    bp.register_error_handler(DomainError, _domain_error)
    return bp


def _choose_language() -> None:
    """Accept-Language (``tr``, ``en``) chooses the language of messages and state names; a
    browser session's choice does not reach an API call."""
    g.locale = request.accept_languages.best_match(LOCALES) or "en"


# Media types each endpoint can answer with (default JSON); ``format=`` may name one of FORMATS.
PRODUCES: dict[str, tuple[str, ...]] = {}
FORMATS = ("json", "api")


def _negotiate() -> None:
    """406 before anything else (as the reference's framework does) when the client accepts
    nothing this endpoint can write; ``format=json`` (or ``api``) overrides Accept."""
    if "format" in request.args:
        requested = request.args.getlist("format")[-1]
        if requested not in FORMATS:
            raise ApiError(406, "Could not satisfy the request's format {format}.", "not_acceptable", format=requested)
        return
    produced = PRODUCES.get(request.endpoint or "", (JSON,))
    if "Accept" in request.headers and request.accept_mimetypes.best_match(produced) is None:
        raise ApiError(
            406,
            "Could not satisfy the request's Accept header; this endpoint answers {types}.",
            "not_acceptable",
            types=", ".join(produced),
        )


# The header forms the reference documents: the OMS guide's ``Authorization: Token <key>``,
# its OpenAPI text's ``Authorization: Bearer <key>``, Seller Center's bare ``Authorization:
# <key>`` and the i1 example's ``Authentication: Bearer <key>``.
KEY_SCHEMES = ("token", "bearer")


def presented_key() -> Optional[str]:
    """The key the request presents, in any documented form; None when there is none (or
    another scheme, such as Basic, is used)."""
    header = request.headers.get("Authorization") or request.headers.get("Authentication") or ""
    scheme, space, key = header.strip().partition(" ")
    if not space:
        return scheme or None
    if scheme.lower() in KEY_SCHEMES and key.strip():
        return key.strip()
    return None


def _rate_limit_key() -> str:
    """Each key has its own budget (only its holder can spend it: the key is hashed, never
    stored); requests without one share their address's."""
    key = presented_key()
    if key:
        return "token:" + hashlib.sha256(key.encode()).hexdigest()[:32]
    return "address:" + client_ip()


def _throttled(error: RateLimitExceeded):
    """The reference's 429; Flask-Limiter adds Retry-After and the X-RateLimit-* headers."""
    detail = gettext("Request was throttled: at most {limit}.", limit=str(error.limit.limit))
    return answer(shapes.Error, {"detail": detail, "code": "throttled"}, 429)


def _domain_error(error: DomainError):
    body = error.as_dict()
    reason = error_message(error)
    body["detail"] = reason
    if error.field:
        body[error.field] = [reason]
    return answer(shapes.Error, body, error.http_status)


def _authenticate() -> None:
    key = presented_key()
    if key is None:
        raise ApiError(401, "Authentication credentials were not provided.", "not_authenticated")
    with transaction(db.session):
        token = verify_token(db.session, key)
        # Read before the commit expires the token: reading it after would load it again.
        scope = None if token is None else scope_location_ids(db.session, token)
    if token is None:
        raise ApiError(401, N_("Invalid token."), "authentication_failed")
    g.api_token = token
    g.api_scope = scope


def api_user() -> User:
    token: ApiToken = g.api_token
    return token.user


def api_client() -> str:
    """How transition logs name the caller: the token's name, else its key prefix."""
    token: ApiToken = g.api_token
    return token.name or token.key_prefix


def api_scope() -> Optional[set[int]]:
    return g.api_scope


def in_scope(package: Package) -> Package:
    """403 for a package outside the token's stock locations (the issue's rule for tokens)."""
    scope = api_scope()
    if scope is not None and package.stock_location_id not in scope:
        raise ApiError(403, N_("This token may not access packages at this stock location."), "permission_denied")
    return package


NOT_FOUND = {
    "package": N_("No such package."),
    "transition log": N_("No such transition log."),
    "webhook event": N_("No such webhook event."),
    "shipping label": N_("No such shipping label."),
}


def not_found(what: str = "package") -> ApiError:
    return ApiError(404, NOT_FOUND[what], "not_found")


# --- Request parsing ------------------------------------------------------------------


def _is_list(annotation: Any) -> bool:
    return any(typing.get_origin(candidate) is list for candidate in (annotation, *typing.get_args(annotation)))


def _query_values(model: type[QueryModel]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key not in request.args:
            continue
        if _is_list(info.annotation):
            parts = [p for raw in request.args.getlist(key) for p in raw.split(",")]
            values[key] = [p.strip() for p in parts if p.strip()]
        else:
            values[key] = request.args.getlist(key)[-1]
    return values


def field_errors(error: ValidationError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for problem in error.errors():
        location = [str(part) for part in problem["loc"]]
        name = ".".join(location) or "non_field_errors"
        errors.setdefault(name, []).append(problem["msg"])
    return errors


def _invalid(error: ValidationError) -> ApiError:
    errors = field_errors(error)
    first = next(iter(errors))
    return ApiError(400, "{field}: {reason}", "invalid", errors, field=first, reason=errors[first][0])


def parse_query(model: type[QueryModel]) -> QueryModel:
    try:
        return model.model_validate(_query_values(model))
    except ValidationError as error:
        raise _invalid(error) from None


def parse_body(schema: Any, required: bool) -> Any:
    """The JSON body validated by ``schema`` (a model or a TypeAdapter); 415 for another
    media type, 400 for broken JSON or a field that does not validate."""
    raw = request.get_data(cache=True)
    if not raw and not required:
        raw_value: Any = {}
    else:
        if request.mimetype != JSON:
            raise ApiError(415, "Send the body as {media_type}.", "unsupported_media_type", media_type=JSON)
        try:
            raw_value = loads_strict(raw)
        except InvalidParameter as error:
            reason = error_message(error)
            raise ApiError(400, "{reason}", "parse_error", {error.field: [reason]}, reason=reason) from None
    adapter = schema if isinstance(schema, TypeAdapter) else TypeAdapter(schema)
    try:
        return adapter.validate_python(raw_value)
    except ValidationError as error:
        raise _invalid(error) from None


def operation(
    bp: Blueprint,
    rule: str,
    method: str,
    *,
    summary: str,
    responses: dict[int, tuple],
    query: Optional[type[QueryModel]] = None,
    body: Any = None,
    body_required: bool = True,
    headers: Optional[list[dict]] = None,
    require_json_content_type: bool = False,
) -> Callable:
    """Route ``rule`` and record it for the OpenAPI document; the view receives the
    validated ``query`` and ``body`` beside its path arguments and returns its data (with
    the status when not 200), which is written through the shape ``responses`` declares for
    that status: the document and the JSON come from one declaration."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(**path_args):
            if require_json_content_type and request.mimetype != JSON:
                raise ApiError(
                    415, "Send the Content-Type header {media_type}.", "unsupported_media_type", media_type=JSON
                )
            # Ids were range-checked by the route's converter; a number with NUL names nothing.
            if any(isinstance(value, str) and has_nul(value) for value in path_args.values()):
                raise not_found()
            kwargs: dict[str, Any] = {}
            if query is not None:
                kwargs["query"] = parse_query(query)
            if body is not None:
                kwargs["body"] = parse_body(body, body_required)
            with serializers.catalogue_language(CATALOGUE_LOCALES[g.locale]):
                result = view(**path_args, **kwargs)
            return _written(result, responses)

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapped, methods=[method])
        PRODUCES[f"{bp.name}.{view.__name__}"] = _success_media_types(responses)
        OPERATIONS.append(
            Operation(
                method=method.lower(),
                path=_openapi_path(bp.url_prefix + rule),
                endpoint=f"{bp.name}.{view.__name__}",
                summary=summary,
                tag=bp.name,
                responses=responses,
                query=query,
                body=body,
                path_params=_path_params(rule),
                headers=list(headers or []),
                body_required=body_required,
            )
        )
        return wrapped

    return decorator


def _written(result: Any, responses: dict[int, tuple]) -> Any:
    """A view's data as the answer its status declares; a Response (a PDF) or a body without
    a shape (204) goes out as it is."""
    if isinstance(result, Response):
        return result
    data, status = result if isinstance(result, tuple) else (result, 200)
    shape = responses[status][1]
    if shape is None:
        return data, status
    return answer(shape, data, status)


def _success_media_types(responses: dict[int, tuple]) -> tuple[str, ...]:
    types = {media[0] if media else JSON for status, (_, _, *media) in responses.items() if 200 <= status < 300}
    return tuple(sorted(types)) or (JSON,)


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?([\w-]+)>", r"{\1}", rule)


def _path_params(rule: str) -> dict[str, dict]:
    params = {}
    for converter, name in re.findall(r"<(?:(\w+):)?([\w-]+)>", rule):
        params[name] = (
            {"type": "integer", "minimum": 1, "maximum": MAX_ID}
            if converter == "int"
            else {"type": "string", "pattern": r"^[A-Za-z0-9_-]{1,64}$"}
        )
    return params


# --- Answers --------------------------------------------------------------------------


def page_links(page: Page, size_parameter: str = "limit") -> dict[str, Optional[str]]:
    """Links that keep every other parameter and write the page size as the request did
    (``limit``, or the guide's ``count`` on list-simple)."""
    base = public_base_url() + request.path.lstrip("/")

    def link(number: int) -> str:
        args = request.args.copy()
        args.setlist("page", [str(number)])
        args.setlist(size_parameter, [str(page.limit)])
        return f"{base}?{_urlencode(args)}"

    return {
        "next": link(page.page + 1) if page.has_next else None,
        "previous": link(page.page - 1) if page.has_previous else None,
    }


def _urlencode(args) -> str:
    return urlencode(list(args.items(multi=True)))


def paginated(page: Page, results: list, size_parameter: str = "limit") -> shapes.Page:
    links = page_links(page, size_parameter)
    return {"count": page.count, "next": links["next"], "previous": links["previous"], "results": results}


def no_content():
    return "", 204


def secret() -> str:
    return current_app.config["SECRET_KEY"]


def base_url() -> str:
    return public_base_url()
