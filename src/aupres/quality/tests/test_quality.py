"""Self-assessment rules, evidence figures, the improvement plan's reminders, adverse events (and their
declaration without any person's name), participation, who may do what, concurrent edits."""

import datetime

import pytest

from aupres.core.errors import DomainError, Forbidden, NotFound
from aupres.core.models import StaleEdit
from aupres.followups.models import Evaluation, FollowUp, Plan
from aupres.persons.models import Person
from aupres.quality import services
from aupres.quality.models import AdverseEvent, CriterionAssessment, EventStatus, Level
from aupres.quality.tests.helpers import TODAY, YEAR, criterion, pdf_text

pytestmark = pytest.mark.django_db
D = datetime.date


def _cells(figure):
    return {c["key"]: c["value"] for c in figure["cells"]}


def _assess(world, code, level, **kw):
    return services.assess(world.users["head_of_service"], world.service_a, YEAR, criterion(code).pk, level=level,
                           **kw)


def test_self_assessment_rules(world):
    with pytest.raises(DomainError) as e:  # an imperative criterion always applies
        _assess(world, "1.3", Level.NOT_APPLICABLE, comment="Pas concerné")
    assert e.value.code == "imperative_applies"
    with pytest.raises(DomainError) as e:  # met: on what evidence?
        _assess(world, "1.3", Level.MET)
    assert e.value.field == "evidence"
    with pytest.raises(DomainError) as e:  # not applicable: why?
        _assess(world, "2.5", Level.NOT_APPLICABLE)
    assert e.value.field == "comment"
    with pytest.raises(DomainError) as e:
        _assess(world, "1.3", "excellent")
    assert e.value.field == "level"
    with pytest.raises(DomainError) as e:
        services.assess(world.users["head_of_service"], world.service_a, 2021, criterion("1.3").pk, level="met",
                        evidence="x")
    assert e.value.field == "year"
    # A criterion with an Auprès figure is documented by it.
    assert _assess(world, "4.3", Level.MET).level == "met"
    row = _assess(world, "1.3", Level.PARTLY_MET, comment="Procédure à écrire")
    _assess(world, "2.5", Level.NOT_APPLICABLE, comment="Pas de personne de confiance dans ce service")
    row = services.assess(world.users["head_of_service"], world.service_a, YEAR, criterion("1.3").pk, level="met",
                          evidence="Procédure de 2026", version=row.version)
    assert row.version == 2 and CriterionAssessment.objects.count() == 3
    summary = services.summary(world.service_a, YEAR)
    assert summary["imperative_count"] == 18 and summary["imperative_met"] == 2
    assert summary["imperative_not_assessed"] == 16 and summary["assessed"] == 3
    assert summary["by_level"]["not_applicable"] == 1


def test_concurrent_edits_do_not_silently_overwrite(world, django_user_model):
    admin = django_user_model.objects.create_superuser("admin", password="x")
    row = _assess(world, "1.3", Level.PARTLY_MET)
    read = row.version
    services.assess(admin, world.service_a, YEAR, criterion("1.3").pk, level="met", evidence="Charte",
                    version=read)
    with pytest.raises(StaleEdit):  # the head edits what they read before the administrator's change
        services.assess(world.users["head_of_service"], world.service_a, YEAR, criterion("1.3").pk,
                        level="not_met", version=read)
    with pytest.raises(StaleEdit):  # a "first" assessment when one was made meanwhile
        services.assess(world.users["head_of_service"], world.service_a, YEAR, criterion("1.3").pk,
                        level="not_met")
    assert CriterionAssessment.objects.get().level == "met"
    action = services.add_action(world.users["head_of_service"], world.service_a, {
        "title": "Écrire la procédure", "owner": "Cheffe de service", "due_on": TODAY})
    services.update_action(admin, action.pk, {"status": "in_progress"}, action.version)
    with pytest.raises(StaleEdit):
        services.update_action(world.users["head_of_service"], action.pk, {"status": "abandoned"}, action.version)
    event = services.declare_event(world.users["head_of_service"], world.service_a, {
        "kind": "dysfunction", "occurred_on": TODAY, "what": "Panne du chauffage"})
    services.update_event(admin, event.pk, {"measures": "Chauffage d'appoint"}, event.version)
    with pytest.raises(StaleEdit):
        services.update_event(world.users["head_of_service"], event.pk, {"measures": "Rien"}, event.version)


def test_who_keeps_the_quality_approach(world, django_user_model):
    head, nurse = world.users["head_of_service"], world.users["nurse"]
    assert services.kept_service(head, world.service_a.pk) == world.service_a
    for user in (nurse, world.outsider, world.outsider_head, world.users["funder"], world.users["partner"],
                 world.users["regulator"]):
        with pytest.raises(NotFound):
            services.kept_service(user, world.service_a.pk)
    with pytest.raises(Forbidden):
        services.assess(nurse, world.service_a, YEAR, criterion("1.1").pk, level="not_met")
    with pytest.raises(Forbidden):
        services.add_action(nurse, world.service_a, {"title": "x", "owner": "y", "due_on": TODAY})
    with pytest.raises(Forbidden):
        services.declare_event(nurse, world.service_a, {"kind": "other", "occurred_on": TODAY, "what": "x"})
    admin = django_user_model.objects.create_superuser("admin", password="x")
    assert set(services.kept_services(admin)) == {world.service_a, world.service_b, world.service_c}
    assert list(services.kept_services(head)) == [world.service_a]
    # The funder of the territory reads the summary; without a territory, nothing.
    funder = world.users["funder"]
    with pytest.raises(NotFound):
        services.summary_service(funder, world.service_a.pk)
    type(funder).objects.filter(pk=funder.pk).update(territory=world.territory)
    funder.refresh_from_db()
    assert services.summary_service(funder, world.service_a.pk) == world.service_a
    with pytest.raises(NotFound):
        services.summary_service(world.users["regulator"], world.service_a.pk)


def test_improvement_plan_reminders(world):
    head = world.users["head_of_service"]
    late = services.add_action(head, world.service_a, {"title": "Procédure maltraitance", "owner": "Cheffe",
                                                       "due_on": TODAY - datetime.timedelta(days=3),
                                                       "criterion": criterion("1.3").pk})
    services.add_action(head, world.service_a, {"title": "Livret d'accueil", "owner": "Infirmier",
                                                "due_on": TODAY + datetime.timedelta(days=10)})
    done = services.add_action(head, world.service_a, {"title": "CVS", "owner": "Cheffe",
                                                       "due_on": TODAY - datetime.timedelta(days=30)})
    services.update_action(head, done.pk, {"status": "done"}, done.version)
    assert list(services.overdue([world.service_a])) == [late]
    assert services.overdue_counts(head) == {world.service_a.pk: 1}
    assert services.overdue_counts(world.users["nurse"]) == {}
    with pytest.raises(DomainError) as e:
        services.add_action(head, world.service_a, {"title": "x", "owner": "", "due_on": TODAY})
    assert e.value.field == "owner"
    with pytest.raises(DomainError) as e:
        services.update_action(head, late.pk, {"status": "done", "done_on": TODAY + datetime.timedelta(days=1)},
                               late.version)
    assert e.value.field == "done_on"
    late = services.update_action(head, late.pk, {"status": "done"}, late.version)
    assert late.done_on == TODAY and services.overdue_counts(head) == {}
    late = services.update_action(head, late.pk, {"status": "in_progress"}, late.version)  # reopened: undated
    assert late.done_on is None and services.overdue_counts(head) == {world.service_a.pk: 1}


def test_adverse_event_follow_up_until_closed(world):
    head = world.users["head_of_service"]
    with pytest.raises(DomainError) as e:
        services.declare_event(head, world.service_a, {"kind": "violence", "occurred_on": TODAY
                                                       + datetime.timedelta(days=1), "what": "x"})
    assert e.value.field == "occurred_on"
    event = services.declare_event(head, world.service_a, {"kind": "violence", "occurred_on": TODAY,
                                                           "what": "Agression d'un professionnel"})
    with pytest.raises(DomainError) as e:
        services.update_event(head, event.pk, {"status": "declared"}, event.version)
    assert e.value.field == "declared_on"
    event = services.update_event(head, event.pk, {"status": "declared", "declared_on": TODAY,
                                                   "informed": "ARS, direction"}, event.version)
    with pytest.raises(DomainError) as e:  # closing needs the measures taken
        services.update_event(head, event.pk, {"status": "closed"}, event.version)
    assert e.value.code == "measures_required"
    event = services.update_event(head, event.pk, {"status": "closed", "measures": "Dépôt de plainte, débriefing"},
                                  event.version)
    assert event.status == EventStatus.CLOSED and event.closed_on == TODAY and event.declared_on == TODAY
    with pytest.raises(DomainError) as e:
        services.update_event(head, event.pk, {"status": "open"}, event.version)
    assert e.value.code == "event_closed"


def test_the_declaration_names_no_person(world):
    """The PDF to the authority has no name of a person, even when the free text names nobody (nothing is
    linked to a person), and a name typed in a free text is replaced."""
    head = world.users["head_of_service"]
    clean = services.declare_event(head, world.service_a, {
        "kind": "health_safety", "occurred_on": TODAY, "what": "Chute dans l'escalier du local",
        "informed": "ARS", "measures": "Main courante posée"})
    text = pdf_text(services.declaration_pdf(head, clean.pk)[1])
    assert "Chute dans l" in text and "ARS" in text and world.service_a.name in text
    named = services.declare_event(head, world.service_a, {
        "kind": "violence", "occurred_on": TODAY,
        "what": "Mme Amina BENALI (dite Mina) a été agressée ; Nurse est intervenu.",
        "informed": "Le frère de amina, Head_of_service", "measures": "Plainte de Benali"})
    text = pdf_text(services.declaration_pdf(head, named.pk)[1])
    assert "[personne]" in text and "agressée" in text
    for pdf in (text, pdf_text(services.declaration_pdf(head, clean.pk)[1])):
        lowered = pdf.lower()
        for name in ("amina", "benali", "mina", "nurse", "head_of_service"):
            assert name not in lowered, name
        assert "0600000000" not in pdf
    assert not [f.name for f in AdverseEvent._meta.get_fields() if f.is_relation and
                f.related_model and f.related_model._meta.label == "persons.Person"]
    with pytest.raises(NotFound):
        services.declaration_pdf(world.outsider_head, clean.pk)


def test_figures_and_participation(world):
    """The evidence of the criteria: hand-built follow-ups of service A this year, every count written out."""
    head = world.users["head_of_service"]
    jan = D(YEAR, 1, 2)
    persons = [Person.objects.create(first_name=f"P{i}", last_name="Test") for i in range(6)]
    for i, person in enumerate(persons):
        f = FollowUp.objects.create(person=person, service=world.service_a, opened_on=jan)
        if i < 5:  # five plans: four within 30 days (three with the person), one after 45 days
            Plan.objects.create(followup=f, agreed_on=jan + datetime.timedelta(days=45 if i == 4 else 10),
                                person_took_part=i < 3, review_due_on=jan + datetime.timedelta(days=180))
        Evaluation.objects.create(followup=f, evaluated_on=jan + datetime.timedelta(days=60),
                                  satisfaction="satisfied" if i < 5 else "not_satisfied")
    figures = services.figures(world.service_a, YEAR, today=D(YEAR, 12, 31))
    # within 30 days: 4; after: 1; no plan: 1 (and world.person's follow-up, opened on 5 January 2026, in 2026)
    plans = figures["plan_within_30_days"]
    assert _cells(plans) == {"within": "< 5", "later": "< 5", "none": "< 5"}
    assert plans["share"] is None  # hidden counts: no share that would give them back
    assert _cells(figures["plans_with_person"]) == {"took_part": "< 5", "without": "< 5"}  # 3 and 2
    sat = figures["satisfaction"]
    assert _cells(sat)["not_satisfied"] == "< 5" and sat["share"] is None
    assert _cells(figures["meetings"]) == {"participants": "0"}
    services.add_meeting(head, world.service_a, {"held_on": TODAY, "participants": 7, "topics": "Règlement",
                                                 "decisions": "Horaires élargis"})
    with pytest.raises(DomainError) as e:
        services.add_meeting(head, world.service_a, {"held_on": TODAY, "participants": 0, "topics": "x"})
    assert e.value.field == "participants"
    with pytest.raises(DomainError) as e:
        services.add_meeting(head, world.service_a, {"held_on": TODAY + datetime.timedelta(days=1),
                                                     "participants": 3, "topics": "x"})
    assert e.value.field == "held_on"
    summary = services.participation(world.service_a, TODAY.year)
    assert summary["count"] == 1 and summary["participants"] == 7
    assert _cells(services.figures(world.service_a, YEAR)["meetings"]) == {"participants": "7"}


def test_shares_are_shown_when_no_count_is_hidden(world):
    values = {"within": 12, "later": 6, "none": 0}
    figure = services._share_figure("x", values, services.LABELS, ("within",))
    assert figure["share"].startswith("66,7")
    assert _cells(figure) == {"within": "12", "later": "6", "none": "0"}
    figure = services._share_figure("x", {"within": 12, "later": 3, "none": 0}, services.LABELS, ("within",))
    assert figure["share"] is None and _cells(figure)["later"] == "< 5"


@pytest.mark.parametrize(("typed", "kept", "gone"), [
    ("Mme Durand-Lefèvre a appelé le 06 12 34 56 78.", ["Mme [personne]", "[téléphone]"], ["Durand", "56 78"]),
    ("M. Karim GAUTHIER, 12 bis rue des Lilas, Lille.", ["M. [personne]", "[adresse]", "Lille"],
     ["Karim", "GAUTHIER", "Lilas"]),
    ("Écrire à jean.dupont@example.org ou au +33 6 12 34 56 78.", ["[courriel]", "[téléphone]"],
     ["dupont", "example", "12 34"]),
    ("NIR transmis par erreur : 1 84 12 75 123 456 78.", ["[numéro]"], ["123 456"]),
    ("Le Dr Nguyen et Madame Sow ont été informés.", ["Dr [personne]", "Madame [personne]"], ["Nguyen", "Sow"]),
    # what names nobody is kept as typed: emergency numbers, times, counts
    ("Le 15 est venu à 14h30 ; 3 personnes blessées, 2 agents.", ["Le 15", "14h30", "3 personnes", "2 agents"], []),
])
def test_the_declaration_scrubs_names_phones_addresses_and_numbers_typed_in_free_text(typed, kept, gone):
    """Issue #18: « no person named in what leaves the service », including persons the service does not
    follow: a name after a civility, e-mails, phone numbers, social security numbers and street addresses."""
    out = services.scrub(typed, [])
    for part in kept:
        assert part in out, out
    for part in gone:
        assert part not in out, out
