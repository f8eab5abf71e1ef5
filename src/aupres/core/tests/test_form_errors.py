"""Issue #13, « Forms do not guide »: every form of the house (includes/form_fields.html) shows all its errors
at once, each beside its field, with a summary at the top whose links lead to the fields."""

import pytest
from django import forms
from django.template.loader import render_to_string
from django.utils import translation


class _Form(forms.Form):
    label = forms.CharField(label="Intitulé")
    day = forms.DateField(label="Date")
    count = forms.IntegerField(label="Nombre", min_value=0, max_value=10_000)
    note = forms.CharField(label="Remarque", required=False)

    def clean(self):
        if self.data.get("label") == "" or self.data.get("note") == "conflit":
            raise forms.ValidationError("Le tout ne tient pas.")


def _render(data):
    with translation.override("fr"):
        return render_to_string("includes/form_fields.html", {"form": _Form(data)})


def test_all_errors_at_once_in_a_summary_that_links_to_each_field_and_beside_each_field():
    html = _render({"label": "", "day": "31/02/2026", "count": "-3"})
    summary = html.split('data-testid="form-error-summary"')[1].split("</div>")[0]
    assert "4 points à corriger" in summary
    assert "Le tout ne tient pas." in summary
    for field_id, label in (("id_label", "Intitulé"), ("id_day", "Date"), ("id_count", "Nombre")):
        assert f'href="#{field_id}">{label} :' in summary
        # and beside the field itself, after its input
        after_input = html.split(f'id="{field_id}"')[1].split('<div class="field')[0]
        assert 'class="error"' in after_input
    assert "Remarque :" not in summary


def test_no_summary_without_errors_and_a_form_error_alone_is_summarised():
    assert "form-error-summary" not in _render({"label": "x", "day": "2026-02-03", "count": "3"})
    alone = _render({"label": "x", "day": "2026-02-03", "count": "3", "note": "conflit"})
    assert "1 point à corriger" in alone and "Le tout ne tient pas." in alone


@pytest.mark.django_db
def test_a_house_form_page_shows_the_summary(world, client_as):
    """A real screen that uses the shared fields: the service's collective action, posted empty."""
    client = client_as(world.users["social_worker"])
    r = client.post("/activite/actions-collectives/", {"service": world.service_a.pk})
    assert r.status_code == 200
    summary = r.content.decode().split('data-testid="form-error-summary"')[1].split("</div>")[0]
    assert summary.count("<li>") >= 3  # title, date, kind… all at once


@pytest.mark.django_db
def test_the_person_form_is_in_sections_and_the_team_fields_come_last(world, client_as):
    """Issue #13: sections on long forms. The person's form groups its fields under legends; every field
    shown is in exactly one section."""
    text = client_as(world.users["social_worker"]).get(f"/personnes/{world.person.pk}/modifier/").content.decode()
    sections = text.split('<fieldset class="form-section">')[1:]
    legends = [s.split("<legend>")[1].split("</legend>")[0] for s in sections]
    assert legends[:2] == ["Qui", "Situation"]
    assert 'name="last_name"' in sections[0] and 'name="phone"' not in sections[0]
    assert sum(s.count('name="last_name"') for s in sections) == 1
