"""Issue #13: a service's opening said in words, team members by their names, plausible ranges of a
service's numbers (capacity, access after exit…) refused beside their fields, all at once."""

import pytest
from django.urls import reverse

from aupres.accounts.models import User
from aupres.services.forms import MembershipForm, ServiceForm
from aupres.services.models import SERVICE_RANGES, Service, opening_words

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("days, day, night, words", [
    ("12345", True, False, "du lundi au vendredi, en journée"),
    ("1234567", True, True, "tous les jours, jour et nuit"),
    ("135", False, True, "lundi, mercredi et vendredi, la nuit"),
    ("12", True, False, "lundi et mardi, en journée"),
    ("123467", True, False, "du lundi au jeudi, samedi et dimanche, en journée"),
])
def test_opening_in_words(days, day, night, words):
    assert opening_words(days, day, night) == words


def test_service_page_says_the_opening_in_words_and_the_team_by_names(world, client_as):
    head = world.users["head_of_service"]
    head.first_name, head.last_name = "Claire", "Martin"
    head.save()
    page = client_as(head).get(reverse("services:service_detail", args=[world.service_a.pk]))
    text = page.content.decode()
    assert "du lundi au vendredi, en journée" in text and "12345" not in text
    assert "Claire Martin" in text


def test_a_user_is_named_by_their_name_not_their_login():
    assert str(User(username="cmartin", first_name="Claire", last_name="Martin")) == "Claire Martin"
    assert str(User(username="cmartin")) == "cmartin"  # no name recorded: the login, not an empty label
    form = MembershipForm()
    user = User(username="cmartin", first_name="Claire", last_name="Martin")
    assert form.fields["user"].label_from_instance(user) == "Claire Martin (cmartin)"


def _post_data(service, **changes):
    form = ServiceForm(instance=service)
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = [str(v.pk if hasattr(v, "pk") else v) for v in value] if isinstance(value, list) else value
    data.update(changes)
    return data


def test_absurd_numbers_are_refused_beside_their_fields_all_at_once(world, client_as):
    head = world.users["head_of_service"]
    service = world.service_a
    r = client_as(head).post(reverse("services:service_edit", args=[service.pk]),
                             _post_data(service, capacity="99999999999", access_after_exit_days="0",
                                        max_age="300"))
    assert r.status_code == 200
    form = r.context["form"]
    assert form.errors["capacity"] == ["Une capacité est comprise entre 0 (sans limite) et 10 000."]
    assert "avec 0" in form.errors["access_after_exit_days"][0]
    assert form.errors["max_age"] == ["Un âge est compris entre 0 et 120 ans."]
    text = r.content.decode()
    assert 'max="10000"' in text  # announced to the browser too
    service.refresh_from_db()
    assert (service.capacity, service.access_after_exit_days, service.version) == (21, 365, 1)


def test_plausible_numbers_are_kept(world, client_as):
    head = world.users["head_of_service"]
    service = world.service_a
    r = client_as(head).post(reverse("services:service_edit", args=[service.pk]),
                             _post_data(service, capacity="10000", access_after_exit_days="1"))
    assert r.status_code == 302, r.context["form"].errors
    service.refresh_from_db()
    assert (service.capacity, service.access_after_exit_days) == (10000, 1)


@pytest.mark.parametrize("change", [{"capacity": 99_999_999_999}, {"capacity": 10_001},
                                    {"access_after_exit_days": 0}, {"no_encounter_alert_days": 366}])
def test_the_api_refuses_the_same_ranges(world, api_as, change):
    api = api_as(world.users["head_of_service"])
    r = api.patch(f"/services/{world.service_a.pk}", {"version": world.service_a.version, **change})
    assert r.status_code in (400, 422), r.content
    assert Service.objects.get(pk=world.service_a.pk).version == 1


def test_the_model_checks_every_range():
    service = Service(capacity=20_000, access_after_exit_days=0, min_age=200)
    from aupres.services.models import range_errors

    assert set(range_errors(service)) == {"capacity", "access_after_exit_days", "min_age"}
    assert SERVICE_RANGES["capacity"][:2] == (0, 10_000)
