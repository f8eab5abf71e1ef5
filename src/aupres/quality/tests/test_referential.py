"""The 2022 referential as data (seed 000): 9 themes, 42 criteria of which 18 imperative, the association's
four axes; an operator administrator edits the texts, nobody else."""

import pytest

from aupres.core.errors import Forbidden
from aupres.core.models import StaleEdit
from aupres.quality import services
from aupres.quality.models import Axis, Criterion, Theme
from aupres.quality.referential import load_referential

pytestmark = pytest.mark.django_db


def test_the_referential_has_the_seed_figures():
    assert Theme.objects.count() == 9
    assert Criterion.objects.count() == 42
    assert Criterion.objects.filter(imperative=True).count() == 18
    assert all(t.criteria.exists() for t in Theme.objects.all())
    assert [t.title for t in services.themes()][:2] == ["Bientraitance et éthique", "Droits de la personne accompagnée"]
    # Every imperative theme of the reform is there: ill-treatment, rights, medication, adverse events.
    assert set(Criterion.objects.filter(imperative=True).values_list("code", flat=True)) >= {"1.3", "2.2", "6.3",
                                                                                            "9.2"}


def test_the_four_axes_of_seed_000_are_offered_to_every_operator(world):
    axes = list(services.axes(world.operator))
    assert len(axes) == 4 and all(a.operator_id is None for a in axes)
    assert axes[0].title.startswith("Accueil")
    assert axes[3].title.startswith("Participation")
    assert {c.code for c in axes[3].criteria.all()} == {"3.1", "3.2", "3.3", "3.4"}
    own = Axis.objects.create(operator=world.operator, title="Axe propre", position=5)
    assert own in services.axes(world.operator) and own not in services.axes(world.other_operator)


def test_an_administrator_edits_a_criterion_text_and_loading_again_keeps_it(world, django_user_model):
    admin = django_user_model.objects.create_superuser("admin", password="x")
    c = Criterion.objects.get(code="4.3")
    with pytest.raises(Forbidden):
        services.edit_criterion(world.users["head_of_service"], c.pk, "Autre", c.version)
    services.edit_criterion(admin, c.pk, "Le projet est signé dans le mois", c.version)
    with pytest.raises(StaleEdit):  # a second edit made from the same version does not overwrite the first
        services.edit_criterion(admin, c.pk, "Texte périmé", c.version)
    load_referential(Theme, Criterion, Axis)
    c.refresh_from_db()
    assert c.title == "Le projet est signé dans le mois" and c.imperative and c.code == "4.3"
    assert Criterion.objects.count() == 42 and Axis.objects.count() == 4
