import datetime

from aupres.followups import services
from aupres.followups.models import Assessment, FollowUp, Objective, Plan


def followup_of(world):
    f = FollowUp.objects.get(person=world.person, service=world.service_a)
    return f


def loaded(world, user, followup=None):
    return services.get_followup(user, (followup or followup_of(world)).pk)


def put_in_state(followup, state, *, with_assessment=False, with_objective=False):
    """Set a state directly (test set-up only), with what the guards of the next steps need."""
    FollowUp.objects.filter(pk=followup.pk).update(state=state)
    if with_assessment:
        Assessment.objects.create(followup=followup, assessed_on=followup.opened_on)
    if with_objective:
        plan = Plan.objects.create(followup=followup, agreed_on=followup.opened_on,
                                   review_due_on=followup.opened_on + datetime.timedelta(days=90))
        Objective.objects.create(followup=followup, plan=plan, domain="housing", title="Logement",
                                 due_on=followup.opened_on + datetime.timedelta(days=60))
    followup.refresh_from_db()
    return followup
