from django import forms
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from aupres.core.forms import RowForm, VersionedForm, date_input
from aupres.encounters.models import (
    Audience,
    CollectiveAction,
    CollectiveActionKind,
    Mode,
    OrientationKind,
    OrientationStatus,
    OrientationTarget,
    PlaceKind,
    RightsApplicationKind,
    RightsStatus,
)
from aupres.persons.models import Sex


def _now_local():
    return timezone.localtime().replace(second=0, microsecond=0, tzinfo=None)


class ServiceChoiceMixin:
    def set_services(self, services):
        services = list(services)
        self.fields["service"].choices = [(s.pk, s.name) for s in services]
        if len(services) == 1:
            self.fields["service"].initial = services[0].pk
            self.fields["service"].widget = forms.HiddenInput()


class EncounterForm(ServiceChoiceMixin, forms.Form):
    service = forms.TypedChoiceField(label=_("Service"), coerce=int)
    occurred_at = forms.DateTimeField(
        label=_("Date and time"), initial=_now_local,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    place_kind = forms.ChoiceField(label=_("Place"), choices=PlaceKind.choices)
    mode = forms.ChoiceField(label=_("Mode"), choices=Mode.choices)

    def __init__(self, *args, services=(), round_=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_services(services)
        if round_:
            self.fields["mode"].widget = forms.HiddenInput()
            self.fields["mode"].initial = Mode.STREET_ROUND
            self.fields["place_kind"].initial = PlaceKind.STREET
            self.fields["anonymous_contacts"] = forms.IntegerField(
                label=_("Anonymous contacts"), min_value=0, max_value=1000, initial=0,
                help_text=_("People met who were not identified: counted only."),
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "data-counter": "1"}))
        else:
            self.fields["mode"].choices = [c for c in Mode.choices if c[0] != Mode.STREET_ROUND]


class OrientationInlineForm(forms.Form):
    """The optional orientation recorded with an encounter (prefix "orientation")."""

    kind = forms.ChoiceField(label=_("Kind"), choices=OrientationKind.choices, required=False)
    target = forms.ChoiceField(label=_("To"), choices=[("", "—"), *OrientationTarget.choices], required=False)
    partner_name = forms.CharField(label=_("Partner organisation"), max_length=160, required=False)
    appointment_on = forms.DateField(label=_("Appointment on"), required=False, widget=date_input())

    def values(self):
        data = self.cleaned_data
        if not data.get("target"):
            return None
        return {"kind": data["kind"] or OrientationKind.ORIENTATION, "target": data["target"],
                "partner_name": data["partner_name"], "appointment_on": data["appointment_on"]}


class ActRowForm(RowForm):
    """An act of an encounter (formset prefix "acts")."""

    filled_by = ("kind", "details")

    kind = forms.ChoiceField(label=_("Act"), required=False)
    person = forms.TypedChoiceField(label=_("For"), required=False, coerce=int, empty_value=None, error_messages={
        "invalid_choice": _("This person is not among the persons met.")})
    details = forms.CharField(label=_("Details"), required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, act_choices=(), persons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "—"), *act_choices]
        self.fields["person"].choices = [("", "—"), *((p.pk, p.display_name) for p in persons)]
        if len(persons) < 2:  # for the one person met, or for nobody named (anonymous contacts)
            self.fields["person"].widget = forms.HiddenInput()

    def clean(self):
        data = super().clean()
        if not data.get("kind") and "kind" not in self.errors:
            self.add_error("kind", _("Choose the act, or remove the row."))
        return data

    def values(self, default_person=None):
        data = self.cleaned_data
        return {"kind": data["kind"], "person": data["person"] or default_person, "details": data["details"]}


class NewPersonRowForm(RowForm):
    """A person met for the first time on a street round (formset prefix "new")."""

    filled_by = ("alias", "first_name", "estimated_age", "act")

    alias = forms.CharField(label=_("Alias or nickname"), max_length=100, required=False)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    estimated_age = forms.IntegerField(label=_("Estimated age"), min_value=0, max_value=120, required=False,
                                       widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    act = forms.ChoiceField(label=_("Act"), required=False)

    def __init__(self, *args, act_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["act"].choices = [("", _("No act")), *act_choices]

    def clean(self):
        data = super().clean()
        if not (data.get("alias") or data.get("first_name")) and "alias" not in self.errors:
            self.add_error("alias", _("Give an alias or a first name, or remove the row."))
        return data

    def person_values(self):
        """The new person's fields for encounters.services.create_encounter (empty ones left out)."""
        return {k: v for k, v in self.cleaned_data.items() if k != "act" and v not in ("", None)}


# At most 100 rows a form: more is not an encounter but a forged request (Django's own cap is 1 000).
ActFormSet = forms.formset_factory(ActRowForm, extra=1, max_num=100, absolute_max=100)
NewPersonFormSet = forms.formset_factory(NewPersonRowForm, extra=1, max_num=100, absolute_max=100)


class SuggestionsInput(forms.TextInput):
    """A text input that suggests values (an HTML datalist) and still takes any other."""

    def __init__(self, suggestions=(), attrs=None):
        super().__init__(attrs)
        self.suggestions = list(suggestions)

    def render(self, name, value, attrs=None, renderer=None):
        list_id = f"{(attrs or {}).get('id') or name}-suggestions"
        html = super().render(name, value, {**(attrs or {}), "list": list_id}, renderer)
        # A suggestion is a value, or (value, label): the label says more without changing what is typed.
        pairs = [(s, "") if isinstance(s, str) else (s[0], s[1]) for s in self.suggestions]
        options = format_html_join("", '<option value="{}"{}>', (
            (value, format_html(' label="{}"', label) if label else "") for value, label in pairs))
        return format_html('{}<datalist id="{}">{}</datalist>', html, list_id, options)


class OrientationForm(ServiceChoiceMixin, forms.Form):
    service = forms.TypedChoiceField(label=_("Service"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrientationKind.choices)
    target = forms.ChoiceField(label=_("To"), choices=OrientationTarget.choices)
    partner_name = forms.CharField(label=_("Partner organisation"), max_length=160, required=False)
    sent_on = forms.DateField(label=_("Sent on"), initial=timezone.localdate, widget=date_input())
    appointment_on = forms.DateField(label=_("Appointment on"), required=False, widget=date_input())
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        services = list(services)
        self.set_services(services)
        # The partners of the teams' partnerships register (issue #18), read through the reverse relation:
        # those in force today only (never an ended one); a planned partnership is suggested but marked, unless
        # the same partner is also agreed in writing (D58).
        written, planned = set(), set()
        for s in services:
            for p in s.partnerships.in_force():
                (written if p.status == "written" else planned).add(p.partner)
        partners = sorted([*((name, "") for name in written),
                           *((name, _("%(partner)s — partnership planned") % {"partner": name})
                             for name in planned - written)])
        if partners:
            self.fields["partner_name"].widget = SuggestionsInput(partners)


class StatusChangeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("New status"))
    on = forms.DateField(label=_("On"), initial=timezone.localdate, widget=date_input())

    def __init__(self, *args, statuses=(), choices=OrientationStatus, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s, choices(s).label) for s in statuses]


class RightsStatusForm(StatusChangeForm):
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=date_input())
    renewal_on = forms.DateField(label=_("Renew from"), required=False, widget=date_input(),
                                 help_text=_("Empty: some weeks before the end of validity."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, choices=RightsStatus, **kwargs)


class RightsApplicationForm(ServiceChoiceMixin, forms.Form):
    service = forms.TypedChoiceField(label=_("Service"), coerce=int)
    kind = forms.ChoiceField(label=_("Right"), choices=RightsApplicationKind.choices)
    status = forms.ChoiceField(label=_("Status"), choices=RightsStatus.choices, initial=RightsStatus.TO_DO)
    status_on = forms.DateField(label=_("Status since"), initial=timezone.localdate, widget=date_input())
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=date_input())
    renewal_on = forms.DateField(label=_("Renew from"), required=False, widget=date_input(),
                                 help_text=_("Empty: some weeks before the end of validity."))
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.set_services(services)


class CollectiveActionForm(ServiceChoiceMixin, VersionedForm):
    service = forms.TypedChoiceField(label=_("Service"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind"), choices=CollectiveActionKind.choices)
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices)

    class Meta:
        model = CollectiveAction
        fields = ["occurred_on", "kind", "title", "audience", "place", "participants", "persons_trained",
                  "screenings", "vaccinations"]
        widgets = {"occurred_on": date_input()}

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.set_services(services)
        self.order_fields(["service", *self.Meta.fields])

    def values(self):
        return {k: v for k, v in self.cleaned_data.items() if k not in ("version", "service")}


class RightsFilterForm(forms.Form):
    """Filters of the rights applications' list (issue #13). Sent by POST: the name searched never appears
    in a URL; the pager's buttons belong to the same form, so the filters survive paging."""

    q = forms.CharField(label=_("Name or alias"), required=False, max_length=100)
    statut = forms.ChoiceField(label=_("Status"), required=False)
    type = forms.ChoiceField(label=_("Kind"), required=False)
    dispositif = forms.TypedChoiceField(label=_("Service"), required=False, coerce=int, empty_value=None)
    du = forms.DateField(label=_("Status since, from"), required=False, widget=date_input())
    au = forms.DateField(label=_("to"), required=False, widget=date_input())

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["statut"].choices = [("", _("All but abandoned")), *RightsStatus.choices]
        self.fields["type"].choices = [("", _("All kinds")), *RightsApplicationKind.choices]
        self.fields["dispositif"].choices = [("", _("All my services")), *[(s.pk, s.name) for s in services]]

    def filters(self):
        if not self.is_valid():
            return {}
        d = self.cleaned_data
        return {"status": d["statut"], "kind": d["type"], "service_id": d["dispositif"], "start": d["du"],
                "end": d["au"], "text": d["q"]}
