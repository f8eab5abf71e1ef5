"""Retention (GDPR art. 5-1-e): a person's record is anonymised once every follow-up of theirs ended
more than its service's `retention_days_after_exit` ago.

Anonymising removes what identifies the person and every free text, and keeps what statistics need:
- the person: alias becomes "Anonymisé·e #<id>", names, birth date (the birth year stays), birth place,
  nationality, phone and languages are emptied; sex, birth year, administrative situation and dates stay;
- every record pointing to the person (whatever app holds it, found through the model relations):
  text fields and free character fields (without choices) are emptied, uploaded files are deleted
  (with the original file names kept beside them);
  coded values (fields with choices), numbers, dates and links stay, so counts and durations do;
- households whose members are all anonymised lose their name.
An AccessEvent "anonymise" (channel "task") is recorded for each person; it also marks the person as done.
"""

import datetime

from django.db import models, transaction
from django.utils import timezone

from aupres.audit.export import ALL_COMPARTMENTS, related_records
from aupres.audit.models import AccessEvent, Action, Channel
from aupres.audit.services import record
from aupres.followups.models import FollowUp
from aupres.persons.models import Household, HouseholdMember, Person
from aupres.referrals.models import Referral

ALIAS = "Anonymisé·e #{pk}"
PERSON_BLANKED = {"first_name": "", "last_name": "", "birth_date": None, "birth_place": "", "nationality": "",
                  "phone": "", "languages": ""}


def already_anonymised():
    return AccessEvent.objects.filter(action=Action.ANONYMISE).values("person_id")


def expired_person_ids(today=None):
    """Persons whose every follow-up is closed, each longer ago than its service's retention period,
    with no open referral, not yet anonymised."""

    today = today or timezone.localdate()
    candidates = (Person.objects.filter(followups__isnull=False)
                  .exclude(followups__closed_on__isnull=True)
                  .exclude(pk__in=already_anonymised())
                  .exclude(pk__in=_open_referral_person_ids())
                  .values("pk"))
    keep_until = {}
    rows = FollowUp.objects.filter(person_id__in=candidates).values_list(
        "person_id", "closed_on", "service__retention_days_after_exit")
    for person_id, closed_on, days in rows:
        until = closed_on + datetime.timedelta(days=days)
        keep_until[person_id] = max(until, keep_until.get(person_id, until))
    return sorted(pid for pid, until in keep_until.items() if until < today)


def _open_referral_person_ids():
    return Referral.objects.open().filter(person__isnull=False).values("person_id")


def _free_text_fields(model):
    for field in model._meta.concrete_fields:
        if isinstance(field, models.TextField) or (
            isinstance(field, models.CharField) and not field.choices and field.blank and field.editable
        ):
            yield field


def _file_fields(model):
    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def _upload_metadata_fields(model):
    """In a record holding an uploaded file, its free character fields even when required (the original
    file name, e.g. "ordonnance-<name>.pdf", names the person): the file is deleted, they go with it."""
    if not _file_fields(model):
        return []
    return [f for f in model._meta.concrete_fields
            if isinstance(f, models.CharField) and not isinstance(f, models.FileField) and not f.choices
            and f.editable and not f.primary_key]


@transaction.atomic
def anonymise(person):
    """Anonymise one person's record; returns the number of related rows blanked."""
    Person._base_manager.filter(pk=person.pk).update(
        alias=ALIAS.format(pk=person.pk), **Person.keys_of(alias=ALIAS.format(pk=person.pk)),
        version=models.F("version") + 1, **PERSON_BLANKED,
    )
    blanked = 0
    for model, rows in related_records(person):
        for field in _file_fields(model):
            for name in rows.exclude(**{field.attname: ""}).values_list(field.attname, flat=True):
                if name:
                    field.storage.delete(name)
        fields = {f.attname: "" for f in [*_free_text_fields(model), *_file_fields(model),
                                          *_upload_metadata_fields(model)]}
        if fields and model is not AccessEvent:
            blanked += rows.update(**fields)
    _rename_households(person)
    record(None, person.pk, Action.ANONYMISE, ALL_COMPARTMENTS, Channel.TASK, "audit.purge_expired")
    return blanked


def _rename_households(person):
    for household in Household.objects.filter(members__person=person).distinct():
        others = HouseholdMember.objects.filter(household=household).exclude(person=person).exclude(
            person_id__in=already_anonymised()).exists()
        if not others:
            Household.objects.filter(pk=household.pk).update(label=f"Ménage #{household.pk}",
                                                             version=models.F("version") + 1)


def purge_expired(today=None, dry_run=False):
    """Anonymise every expired record; returns the report (counts only, never names)."""

    today = today or timezone.localdate()
    ids = expired_person_ids(today)
    report = {"run_on": today.isoformat(), "dry_run": dry_run, "persons_anonymised": 0, "rows_blanked": 0,
              "person_ids": ids}
    if dry_run:
        report["persons_due"] = len(ids)
        return report
    for person in Person.objects.filter(pk__in=ids):
        report["rows_blanked"] += anonymise(person)
        report["persons_anonymised"] += 1
    return report
