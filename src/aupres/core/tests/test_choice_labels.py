"""`get_<field>_display()` reads each field's labels once (core.apps.read_choice_labels_once, issue #15): it
must answer exactly what Django's own method answers, for every field with choices, in both languages."""

from django.apps import apps
from django.db import models
from django.utils import translation

from aupres.core.apps import choice_label


def fields_with_choices():
    for model in apps.get_models():
        if not model.__module__.startswith("aupres."):
            continue
        for field in model._meta.concrete_fields:
            if field.choices is not None and f"get_{field.name}_display" in model.__dict__:
                yield model, field


def test_every_display_answers_as_django_does_in_each_language():
    checked = 0
    for model, field in fields_with_choices():
        values = [value for value, _label in field.flatchoices] + ["not-a-choice", None, ""]
        for language in ("fr", "en"):
            with translation.override(language):
                for value in values:
                    instance = model()
                    setattr(instance, field.attname, value)
                    ours = getattr(instance, f"get_{field.name}_display")()
                    assert ours == models.Model._get_FIELD_display(instance, field), (model, field.name, value)
                    checked += 1
    assert checked > 500  # every app's choices, not an empty loop


def test_the_fast_method_is_the_one_bound_and_follows_the_language():
    from aupres.persons.models import Person

    person = Person(sex="male")
    with translation.override("fr"):
        assert person.get_sex_display() == "Homme"
    with translation.override("en"):
        assert person.get_sex_display() == "Male"
    assert Person.__dict__["get_sex_display"].func is choice_label


def test_an_unhashable_value_falls_back_to_django():
    from aupres.persons.models import Person

    person = Person()
    person.sex = ["male"]  # not a key: Django's own code answers
    assert person.get_sex_display() == models.Model._get_FIELD_display(person, Person._meta.get_field("sex"))
