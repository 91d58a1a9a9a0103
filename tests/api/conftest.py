"""An integrator: a user with an API token, and a client that sends it."""

from __future__ import annotations

import pytest

from packing.core.api_tokens import create_token
from tests import factories


class Integrator:
    """Requests with ``Authorization: Token <key>`` for one user's token."""

    def __init__(self, client, session, location=None, role="lead"):
        self.client = client
        self.session = session
        self.location = location or factories.location(session)
        self.user = factories.user(session, role=role, locations=[self.location])
        issued = create_token(session, self.user, [self.location.erp_code], name="ERP")
        self.token = issued.token
        self.key = issued.key
        session.commit()

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.key}"}

    def get(self, url, **kwargs):
        return self.client.get(url, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)

    def post(self, url, json=None, **kwargs):
        return self.client.post(url, json=json, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)

    def put(self, url, json=None, **kwargs):
        return self.client.put(url, json=json, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)

    def patch(self, url, json=None, **kwargs):
        return self.client.patch(url, json=json, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)

    def delete(self, url, **kwargs):
        return self.client.delete(url, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)


@pytest.fixture
def integrator(client, session):
    return Integrator(client, session)
