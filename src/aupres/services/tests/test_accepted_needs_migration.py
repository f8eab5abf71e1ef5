"""services 0005 moves the needs a service takes from referrals.ServiceIntake onto the service."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from aupres.services.kinds import load_kinds
from aupres.services.models import Service

BEFORE = [("services", "0004_retention_days_after_exit"), ("referrals", "0003_name_key_indexes")]


@pytest.mark.django_db(transaction=True)  # flushed after, like every transactional test
def test_the_needs_set_by_a_head_are_kept_and_the_others_take_their_kinds_defaults():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    ServiceKind = apps.get_model("services", "ServiceKind")
    load_kinds(ServiceKind)  # with the fields of that time (no accepted_needs yet)
    operator = apps.get_model("services", "Operator").objects.create(name="Op", kind="association")
    OldService, Intake = apps.get_model("services", "Service"), apps.get_model("referrals", "ServiceIntake")

    def service(name, code):
        return OldService.objects.create(name=name, operator=operator, kind=ServiceKind.objects.get(code=code),
                                         capacity_unit="caseload")

    set_to_housing, set_to_any = service("A", "pass_mobile"), service("B", "empp")
    service("C", "mum")  # no ServiceIntake: its kind's defaults
    Intake.objects.create(service=set_to_housing, accepted_needs=["housing"])
    Intake.objects.create(service=set_to_any, accepted_needs=[])

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    needs = dict(Service.objects.filter(operator_id=operator.pk).values_list("name", "accepted_needs"))
    assert needs == {"A": ["housing"], "B": [], "C": ["housing", "maternity"]}
    assert "referrals_serviceintake" not in connection.introspection.table_names()
