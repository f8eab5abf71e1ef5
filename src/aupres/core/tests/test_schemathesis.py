"""Fuzz every API operation from its published OpenAPI schema (schemathesis): no server error.

The schema is loaded from the Django WSGI application (no server). Each operation receives
MAX_EXAMPLES generated requests (schemathesis' explicit examples and fuzzing phases, both valid and
invalid data), signed with the token of a doctor who is also head of service, so that most code paths
are reachable, over the `world` data set. One test runs them all so that the data is built once.
"""

import os
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.config import SchemathesisConfig

from aupres.accounts.models import ApiToken
from aupres.services.models import Membership, Profession

# A deeper, random run: AUPRES_FUZZ_EXAMPLES=100 AUPRES_FUZZ_RANDOM=1 make test PYTEST_ARGS=-k schemathesis
MAX_EXAMPLES = int(os.environ.get("AUPRES_FUZZ_EXAMPLES", 10))
DERANDOMIZE = not os.environ.get("AUPRES_FUZZ_RANDOM")
# Would revoke the token that signs the other calls (tested in accounts/tests).
SKIPPED = {("POST", "/api/v1/auth/logout-everywhere")}

pytestmark = pytest.mark.django_db


def load_schema():
    from aupres.wsgi import application

    config = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}})
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=config)


@pytest.fixture
def keep_test_connection():
    """Calls go straight to the WSGI app: keep Django from closing the test's connection after each one,
    as its own test client does (on PostgreSQL the test transaction would otherwise be lost)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_no_operation_answers_a_server_error(world, keep_test_connection):
    user = world.users["doctor"]
    Membership.objects.create(user=user, service=world.service_a, profession=Profession.HEAD_OF_SERVICE,
                              etp="0.1", start_date="2025-01-01")
    _token, raw = ApiToken.issue(user)
    headers = {"Authorization": f"Bearer {raw}"}
    statuses, errors, operations = Counter(), [], 0

    for result in load_schema().get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.full_path) in SKIPPED:
            continue
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=DERANDOMIZE, database=None,
                  suppress_health_check=list(HealthCheck))
        def call(case):
            response = case.call(headers=headers)
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                errors.append((case.method, case.formatted_path, case.body, response.status_code,
                               response.text[:300]))

        call()

    print(f"\nschemathesis: {operations} operations, {sum(statuses.values())} calls, "
          f"statuses {dict(sorted(statuses.items()))}, server errors {len(errors)}")
    assert operations > 50
    assert not errors, sorted({(m, p, s) for m, p, _b, s, _t in errors}) + errors[:3]
