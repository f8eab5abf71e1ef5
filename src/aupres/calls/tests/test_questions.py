"""The funder's questions on an application and the operator's answers (issue #18): the thread, the stage
« questions asked » seen by both, the application's history, the head's home, the API."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from aupres.calls import services
from aupres.calls.models import Stage
from aupres.core.errors import Conflict, DomainError, Forbidden

from .helpers import call_of, file, funder_of, letter_values

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(world):
    funder = funder_of(world)
    call = call_of(funder)
    head = world.users["head_of_service"]
    return world, funder, head, file(head, call, world.operator)


def test_a_question_holds_the_decision_until_the_operator_answers(filed):
    world, funder, head, proposal = filed
    question = services.ask(funder, proposal, "  Quel médecin coordonnera l'équipe ?  ")
    assert question.question == "Quel médecin coordonnera l'équipe ?" and question.pending
    proposal.refresh_from_db()
    assert proposal.stage == Stage.QUESTIONS
    with pytest.raises(DomainError) as error:
        services.accept(funder, proposal, Decimal("1000"), 10, proposal.version)
    assert error.value.code == "questions_pending"
    # A second question while the first waits; the operator answers one: still waiting for the other.
    second = services.ask(funder, proposal, "Quelles permanences ?")
    services.answer(head, proposal, question.pk, "Le Dr Martin, 0,2 ETP.")
    assert proposal.stage == Stage.QUESTIONS
    with pytest.raises(Conflict) as error:
        services.answer(head, proposal, question.pk, "Encore")
    assert error.value.code == "already_answered"
    services.answer(head, proposal, second.pk, "Deux par semaine.")
    assert proposal.stage == Stage.APPLICATION
    services.accept(funder, proposal, Decimal("1000"), 10, proposal.version)
    proposal.refresh_from_db()
    events = [e["event"] for e in services.history(proposal)]
    assert events == ["letter_filed", "application_filed", "question_asked", "question_asked", "question_answered",
                      "question_answered", "accepted"]


def test_only_the_funder_asks_and_only_the_operator_answers(filed, world):
    _world, funder, head, proposal = filed
    with pytest.raises(Forbidden):
        services.ask(head, proposal, "?")
    with pytest.raises(Forbidden):
        services.ask(world.outsider_head, proposal, "?")
    question = services.ask(funder, proposal, "Quel budget de fonctionnement ?")
    with pytest.raises(Forbidden):
        services.answer(funder, proposal, question.pk, "Moi")
    with pytest.raises(Forbidden):
        services.answer(world.outsider_head, proposal, question.pk, "Moi")
    with pytest.raises(DomainError) as error:
        services.answer(head, proposal, question.pk, "   ")
    assert error.value.field == "answer"
    services.answer(head, proposal, question.pk, "Voir l'annexe.")
    with pytest.raises(DomainError) as error:  # answered, and no other question waits
        services.answer(head, proposal, question.pk, "Encore")
    assert error.value.code == "no_question"


def test_no_question_on_a_letter_or_a_decided_application(world):
    funder = funder_of(world)
    call = call_of(funder)
    head = world.users["head_of_service"]
    letter = services.file_letter(head, call, world.operator, letter_values(),
                                  list(call.territories.all()))
    with pytest.raises(DomainError) as error:
        services.ask(funder, letter, "?")
    assert error.value.code == "not_open_to_questions"
    services.refuse(funder, letter, "Hors périmètre", letter.version)
    with pytest.raises(DomainError):
        services.ask(funder, letter, "?")


def test_changing_the_application_does_not_answer_the_questions(filed):
    world, funder, head, proposal = filed
    services.ask(funder, proposal, "Et la PMI ?")
    territories = list(proposal.territories.all())
    services.file_application(head, proposal, letter_values(partnerships_planned="PMI de Roubaix"), territories,
                              proposal.version)
    proposal.refresh_from_db()
    assert proposal.stage == Stage.QUESTIONS and proposal.partnerships_planned == "PMI de Roubaix"


def test_the_thread_on_screen_for_both_and_on_the_heads_home(filed, client_as):
    world, funder, head, proposal = filed
    url = reverse("calls:proposal", args=[proposal.pk])
    funder_client, head_client = client_as(funder), client_as(head)
    assert head_client.post(url, {"what": "question", "question": "?"}).status_code == 403
    response = funder_client.post(url, {"what": "question", "question": "Quel local pour les consultations ?"})
    assert response.status_code == 302
    question = proposal.questions.get()
    with translation.override("fr"):
        for client in (funder_client, head_client):
            page = client.get(url).content.decode()
            assert "Questions posées" in page and "Quel local pour les consultations ?" in page
        home = head_client.get(reverse("home")).content.decode()
    assert f'data-testid="home-question-{question.pk}"' in home and "Quel local" in home
    assert funder_client.post(url, {"what": "answer", "question_id": question.pk, "answer": "x"}).status_code == 403
    response = head_client.post(url, {"what": "answer", "question_id": question.pk,
                                      "answer": "Le centre de santé de la rue Solférino."})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.stage == Stage.APPLICATION
    page = funder_client.get(url).content.decode()
    assert "Le centre de santé de la rue Solférino." in page and 'data-testid="submit-answer' not in page
    assert 'data-testid="home-questions"' not in head_client.get(reverse("home")).content.decode()


def test_the_api(filed, api_as, world):
    _world, funder, head, proposal = filed
    funder_api, head_api, other_api = api_as(funder), api_as(head), api_as(world.outsider_head)
    path = f"/proposals/{proposal.pk}/questions"
    assert head_api.post(path, {"question": "?"}).status_code == 403
    assert other_api.post(path, {"question": "?"}).status_code == 404
    response = funder_api.post(path, {"question": "Quelle file active au bout d'un an ?"})
    assert response.status_code == 201, response.content
    qid = response.json()["id"]
    read = head_api.get(f"/proposals/{proposal.pk}").json()
    assert read["stage"] == "questions" and read["pending_questions"] == 1
    assert [q["question"] for q in head_api.get(path).json()] == ["Quelle file active au bout d'un an ?"]
    assert other_api.get(path).status_code == 404
    answer = head_api.client.put(f"/api/v1{path}/{qid}/answer", data={"answer": "Soixante personnes."},
                                 content_type="application/json", headers=head_api.headers)
    assert answer.status_code == 200 and answer.json()["pending"] is False
    assert funder_api.get(f"/proposals/{proposal.pk}").json()["stage"] == "application"
    history = funder_api.get(f"/proposals/{proposal.pk}/history").json()
    assert [e["event"] for e in history][-2:] == ["question_asked", "question_answered"]
    assert other_api.get(f"/proposals/{proposal.pk}/history").status_code == 404
