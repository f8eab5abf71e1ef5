import pytest

from aupres.demo.loader import Demo
from aupres.quality import services
from aupres.quality.models import AdverseEvent, CriterionAssessment, CriterionWording, ImprovementAction
from aupres.services.models import Service

pytestmark = pytest.mark.django_db


def test_the_demo_has_two_self_assessments_plans_and_an_adverse_event(django_user_model):
    Demo(persons=20).load()
    assessed = set(CriterionAssessment.objects.values_list("service_id", flat=True))
    assert len(assessed) == 2 and set(ImprovementAction.objects.values_list("service_id", flat=True)) == assessed
    assert AdverseEvent.objects.count() == 1
    chef = django_user_model.objects.get(username="chef")
    counts = services.overdue_counts(chef)
    assert sorted(counts.values()) == [1, 1] and set(counts) == assessed
    event = AdverseEvent.objects.get()
    text = services.declaration(event)
    assert text["what"].startswith("Lors d'une visite")
    for service in Service.objects.filter(pk__in=assessed):  # every demo assessment follows the rules
        for row in CriterionAssessment.objects.filter(service=service):
            services.check_assessment(row.criterion, row.level, row.evidence, row.comment,
                                      figure_linked=bool(row.criterion.figure))
    Demo(persons=20).load()  # again: nothing added
    assert CriterionAssessment.objects.count() == 24 and ImprovementAction.objects.count() == 8
    assert AdverseEvent.objects.count() == 1
    # one action due within 14 days per service, for the head's reminder (D58), and an operator's own wording
    assert sorted(services.due_soon_counts(chef).values()) == [1, 1]
    assert CriterionWording.objects.count() == 1
