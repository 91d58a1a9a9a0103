"""Property-based fuzzing of the served OpenAPI document with schemathesis: every operation
gets generated requests, valid and invalid; none may answer 500 or disagree with the spec.
Bounded in time by a small, derandomized example budget per operation."""

from __future__ import annotations

import contextvars

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from packing.api import oms, seller_center  # noqa: F401 - importing them registers the operations
from packing.api.framework import OPERATIONS
from packing.core.catalogue import PackageStatus
from tests import factories
from tests.api.conftest import Integrator

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZED = [(op.method.upper(), op.path) for op in OPERATIONS]
BUDGET = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _isolated(wsgi_app):
    """Each fuzzed request in its own context, as under a real server (see tests/conftest.py)."""

    def run(environ, start_response):
        return contextvars.Context().run(wsgi_app, environ, start_response)

    return run


@pytest.fixture
def fuzz_target(app, client, session):
    integrator = Integrator(client, session)
    packages = [
        factories.package(session, at=integrator.location, products=[factories.product(session)] * 2, status=status)
        for status in (PackageStatus.WAITING, PackageStatus.PREPARING, PackageStatus.PACKED, PackageStatus.SHIPPED)
    ]
    session.commit()
    app.wsgi_app = _isolated(app.wsgi_app)
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app), integrator.key, packages


@pytest.mark.parametrize(("method", "path"), FUZZED, ids=[f"{m} {p}" for m, p in FUZZED])
def test_operation_never_fails_nor_breaks_its_spec(fuzz_target, method, path):
    """Generated valid and invalid requests get a documented status and a body matching the spec."""
    api, key, packages = fuzz_target
    operation = api[path][method]
    headers = {"Authorization": f"Token {key}"}
    known = {"package_id": packages[0].id, "number": packages[0].number}
    real_ids = {name: value for name, value in known.items() if f"{{{name}}}" in path}

    strategies = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
    if real_ids:
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=real_ids))
    for strategy in strategies:

        @BUDGET
        @given(case=strategy)
        def run(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        run()
