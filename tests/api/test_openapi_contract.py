"""The OpenAPI document tells the truth: schemathesis generates requests from it (valid and invalid ones)
and checks every answer against it, over real HTTP (the schema is the one the server serves; a test below
checks they are the same). Pass condition: no server error and no violation of
the declared status codes, content types, response schemas, or 405/Allow for methods a path does not take."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection, unsupported_method]


@pytest.fixture(scope="module")
def viewer_keys(api_url, migrated):
    """A viewer's key per operation (generated SQL can read at most, never write): each operation's examples
    stay well inside the per-key rate limit, however many operations the API has."""
    import uuid

    from services.identity import api_keys, users
    from services.identity.operator import current_operator

    made: dict[str, str] = {}

    def key_for(operation: str) -> str:
        if operation not in made:
            email = f"contract-{uuid.uuid4().hex[:8]}@example.com"
            users.create_user(current_operator(), email, "viewer", password="contract-password-1")
            made[operation] = api_keys.create_key(current_operator(), email, "schemathesis").key
        return made[operation]

    return key_for


from workbench.api.app import api  # noqa: E402 - the document the server serves at /api/openapi.json

schema = schemathesis.openapi.from_dict(api.openapi())


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_openapi_contract(case, api_url, viewer_keys):
    key = viewer_keys(f"{case.method} {case.path}")
    case.call_and_validate(base_url=api_url, headers={"Authorization": f"Bearer {key}"}, checks=CHECKS)


def test_the_served_document_is_the_one_tested(api_url):
    import httpx

    assert httpx.get(f"{api_url}/api/openapi.json", timeout=30).json() == api.openapi()
