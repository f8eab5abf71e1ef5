"""A refusal answers 403 with its own words, from one place (core.middleware.DomainErrorMiddleware), for
every screen: no view renders 403.html itself (issue #16). And a 403 never redirects (which looped)."""

import pytest

from conftest import login

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url, words", [
    # care: a raised Forbidden from the view
    ("/soins/", "Le dossier de soins est réservé aux professionnels de santé."),
    # sharing: the emergency access is for health professionals
    ("/partage/urgence/", "professionnel·le de santé peut ouvrir un dossier en urgence"),
])
def test_a_refusal_says_why(world, url, words):
    response = login(world.users["social_worker"]).get(url, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 403
    assert words in response.content.decode()


def test_a_refusal_without_words_keeps_the_general_sentence(world):
    # The journal is the head of service's; a nurse is refused by the service, through the middleware.
    response = login(world.users["nurse"]).get("/journal/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 403
    assert "Accès refusé" in response.content.decode()


def test_no_view_renders_the_refusal_page_itself():
    from pathlib import Path

    views = Path(__file__).resolve().parents[2].glob("*/views.py")
    offenders = [str(p) for p in views if '"403.html"' in p.read_text(encoding="utf-8")]
    assert not offenders, offenders
