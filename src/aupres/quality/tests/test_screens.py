"""The quality screens and API (issue #18, D50): reached from the head of service's home, who may read and
write, the funder's imperative summary only, the administrator's edit of a criterion, stale edits answered 409."""

import datetime

import pytest
from django.urls import reverse

from aupres.quality import services
from aupres.quality.models import AdverseEvent, CriterionAssessment, ImprovementAction, ParticipationMeeting
from aupres.quality.tests.helpers import TODAY, YEAR, criterion, pdf_text

pytestmark = pytest.mark.django_db


def test_the_head_reaches_everything_from_the_home_and_sees_overdue_actions(world, client_as):
    head = client_as(world.users["head_of_service"])
    home = head.get("/").content.decode()
    assert reverse("quality:index") in home and "home-quality-overdue" not in home
    services.add_action(world.users["head_of_service"], world.service_a, {
        "title": "Livret d'accueil", "owner": "Cheffe", "due_on": TODAY - datetime.timedelta(days=2)})
    home = head.get("/").content.decode()
    assert f'data-testid="home-quality-overdue-{world.service_a.pk}"' in home
    assert reverse("quality:plan", args=[world.service_a.pk]) in home
    index = head.get(reverse("quality:index")).content.decode()
    for name in ("quality:plan", "quality:events"):
        assert reverse(name, args=[world.service_a.pk]) in index
    for name in ("quality:assessment", "quality:participation"):
        assert reverse(name, args=[world.service_a.pk, YEAR]) in index
    grid = head.get(reverse("quality:assessment", args=[world.service_a.pk, YEAR])).content.decode()
    assert grid.count('data-testid="criterion-') == 42
    assert reverse("quality:assess", args=[world.service_a.pk, YEAR, criterion("4.3").pk]) in grid
    plan = head.get(reverse("quality:plan", args=[world.service_a.pk])).content.decode()
    assert "Livret d&#x27;accueil" in plan and "data-testid=\"overdue-" in plan


def test_self_assessment_on_screen_and_a_stale_form(world, client_as):
    head = client_as(world.users["head_of_service"])
    url = reverse("quality:assess", args=[world.service_a.pk, YEAR, criterion("1.3").pk])
    refused = head.post(url, {"level": "not_applicable", "comment": "x"})
    assert refused.status_code == 200 and not CriterionAssessment.objects.exists()
    assert head.post(url, {"level": "partly_met", "comment": "Procédure à écrire"}).status_code == 302
    row = CriterionAssessment.objects.get()
    assert head.post(url, {"level": "met", "evidence": "Procédure", "version": row.version}).status_code == 302
    stale = head.post(url, {"level": "not_met", "version": row.version})  # the form read before the change
    assert stale.status_code == 200 and CriterionAssessment.objects.get().level == "met"
    assert client_as(world.users["nurse"]).get(url).status_code == 404


def test_events_meetings_and_the_declaration_pdf_on_screen(world, client_as):
    head = client_as(world.users["head_of_service"])
    events = reverse("quality:events", args=[world.service_a.pk])
    response = head.post(events, {"kind": "violence", "occurred_on": TODAY.isoformat(),
                                  "what": "Altercation entre Mina et un voisin", "informed": "ARS"})
    assert response.status_code == 302
    event = AdverseEvent.objects.get()
    follow = head.post(reverse("quality:event", args=[event.pk]), {
        "status": "declared", "declared_on": TODAY.isoformat(), "informed": "ARS", "measures": "Médiation",
        "version": event.version})
    assert follow.status_code == 302
    pdf = head.get(reverse("quality:declaration", args=[event.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert "Altercation" in text and "Mina" not in text and "Benali" not in text
    participation = reverse("quality:participation", args=[world.service_a.pk, YEAR])
    assert head.post(participation, {"held_on": TODAY.isoformat(), "participants": 9,
                                     "topics": "Règlement de fonctionnement"}).status_code == 302
    assert ParticipationMeeting.objects.get().participants == 9
    assert "Règlement de fonctionnement" in head.get(participation).content.decode()


def test_the_funder_reads_the_imperative_summary_only(world, client_as, api_as):
    funder = world.users["funder"]
    type(funder).objects.filter(pk=funder.pk).update(territory=world.territory)
    services.assess(world.users["head_of_service"], world.service_a, YEAR, criterion("1.3").pk, level="not_met",
                    comment="Commentaire interne secret", evidence="Preuve interne")
    page = client_as(funder).get(reverse("quality:summary", args=[world.service_a.pk, YEAR])).content.decode()
    assert "1.3" in page and "secret" not in page and "Preuve interne" not in page
    assert client_as(funder).get(reverse("quality:assessment", args=[world.service_a.pk, YEAR])).status_code == 404
    summary = api_as(funder).get(f"/quality/services/{world.service_a.pk}/summary/{YEAR}").json()
    assert summary["imperative_count"] == 18 and summary["imperative_not_met"] == 1
    assert "secret" not in str(summary)
    assert api_as(funder).get(f"/quality/services/{world.service_a.pk}/actions").status_code == 404
    assert api_as(world.outsider_head).get(f"/quality/services/{world.service_a.pk}/summary/{YEAR}").status_code \
        == 404


def test_an_administrator_edits_the_referential(world, client_as, django_user_model):
    admin = django_user_model.objects.create_superuser("admin", password="x")
    c = criterion("2.5")
    url = reverse("quality:criterion_edit", args=[c.pk])
    assert client_as(world.users["head_of_service"]).get(url).status_code == 403
    assert client_as(admin).post(url, {"title": "La personne désigne une personne de confiance si elle le veut",
                                       "version": c.version}).status_code == 302
    c.refresh_from_db()
    assert c.title.startswith("La personne désigne") and c.version == 2
    assert "La personne désigne" in client_as(world.users["nurse"]).get(reverse("quality:referential")).content.decode()


def test_api(world, api_as):
    head = api_as(world.users["head_of_service"])
    sid = world.service_a.pk
    referential = head.get("/quality/referential").json()
    assert len(referential["themes"]) == 9 and sum(len(t["criteria"]) for t in referential["themes"]) == 42
    assert len(referential["axes"]) == 4
    put = head.client.put(f"/api/v1/quality/services/{sid}/assessments/{YEAR}/{criterion('4.2').pk}",
                          data={"level": "partly_met"}, content_type="application/json", headers=head.headers)
    assert put.status_code == 200 and put.json()["version"] == 1
    again = head.client.put(f"/api/v1/quality/services/{sid}/assessments/{YEAR}/{criterion('4.2').pk}",
                            data={"level": "met", "evidence": "x"}, content_type="application/json",
                            headers=head.headers)
    assert again.status_code == 409 and again.json()["code"] == "stale_edit"
    rows = head.get(f"/quality/services/{sid}/assessments/{YEAR}").json()
    assert len(rows) == 42 and [r for r in rows if r["criterion"] == "4.2"][0]["level"] == "partly_met"
    action = head.post(f"/quality/services/{sid}/actions", {"title": "CVS", "owner": "Cheffe",
                                                            "due_on": TODAY.isoformat()})
    assert action.status_code == 201
    done = head.patch(f"/quality/actions/{action.json()['id']}", {"version": 1, "status": "done"})
    assert done.status_code == 200 and done.json()["done_on"] == TODAY.isoformat()
    assert head.patch(f"/quality/actions/{action.json()['id']}", {"version": 1, "status": "planned"}).status_code \
        == 409
    event = head.post(f"/quality/services/{sid}/events", {"kind": "other", "occurred_on": TODAY.isoformat(),
                                                          "what": "Inondation du local"})
    assert event.status_code == 201
    closing = head.patch(f"/quality/events/{event.json()['id']}", {"version": 1, "status": "closed"})
    assert closing.status_code == 400 and closing.json()["field"] == "measures"
    pdf = head.get(f"/quality/events/{event.json()['id']}/declaration")
    assert pdf.status_code == 200 and "Inondation" in pdf_text(pdf.content)
    meeting = head.post(f"/quality/services/{sid}/meetings", {"held_on": TODAY.isoformat(), "participants": 4,
                                                             "topics": "Horaires"})
    assert meeting.status_code == 201
    assert head.get(f"/quality/services/{sid}/participation/{YEAR}").json()["participants"] == 4
    nurse = api_as(world.users["nurse"])
    assert nurse.get(f"/quality/services/{sid}/events").status_code == 404
    assert nurse.post(f"/quality/services/{sid}/actions", {"title": "x", "owner": "y",
                                                           "due_on": TODAY.isoformat()}).status_code == 404
    assert ImprovementAction.objects.count() == 1
