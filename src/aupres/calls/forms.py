from django import forms
from django.utils.translation import gettext_lazy as _

from aupres.calls.models import ExistingProject, ExtensionKind
from aupres.core.forms import date_input
from aupres.indicators.models import FunderKind
from aupres.services.models import Profession

CHECKBOXES = forms.CheckboxSelectMultiple


class EnvelopeForm(forms.Form):
    measure = forms.CharField(label=_("Measure"), max_length=120,
                              help_text=_("For example « Ségur de la santé, mesure 27 »."))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    funder = forms.ChoiceField(label=_("Funder"), choices=FunderKind.choices, initial=FunderKind.HEALTH_AGENCY)
    amount = forms.DecimalField(label=_("Amount (€)"), min_value=0, max_digits=12, decimal_places=2)


class CallForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False,
                                  max_length=20_000)
    envelope = forms.ModelChoiceField(label=_("Funding envelope"), queryset=None)
    kinds = forms.ModelMultipleChoiceField(label=_("Kinds of service sought"), queryset=None, widget=CHECKBOXES)
    territories = forms.ModelMultipleChoiceField(label=_("Territories concerned"), queryset=None,
                                                 widget=CHECKBOXES)
    letter_deadline = forms.DateField(label=_("Letters of intent until"), widget=date_input())
    application_deadline = forms.DateField(label=_("Applications until"), widget=date_input())
    rule_health = forms.BooleanField(label=_("Rule: a doctor, nurse or midwife in the planned team"), required=False,
                                     initial=True)
    rule_kind = forms.BooleanField(label=_("Rule: the service envisaged is a kind sought"), required=False,
                                   initial=True)
    rule_territories = forms.BooleanField(label=_("Rule: the territories are those of the call"), required=False,
                                          initial=True)
    rule_mediation = forms.BooleanField(label=_("Rule: an alliance with a health mediation actor"),
                                        required=False)
    rule_min_etp = forms.DecimalField(label=_("Rule: at least this many ETP in the planned team"), required=False,
                                      min_value=0, max_digits=5, decimal_places=2)

    def __init__(self, *args, envelopes, kinds, territories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["envelope"].queryset = envelopes
        self.fields["kinds"].queryset = kinds
        self.fields["territories"].queryset = territories

    def rules(self):
        d = self.cleaned_data
        out = []
        if d.get("rule_health"):
            out.append({"code": "team_includes", "professions": [Profession.DOCTOR, Profession.NURSE,
                                                                 Profession.MIDWIFE]})
        if d.get("rule_kind"):
            out.append({"code": "kind_sought"})
        if d.get("rule_territories"):
            out.append({"code": "territories_in_call"})
        if d.get("rule_mediation"):
            out.append({"code": "mediation_alliance"})
        if d.get("rule_min_etp"):
            out.append({"code": "min_team_etp", "value": str(d["rule_min_etp"])})
        return out


class ProposalForm(forms.Form):
    """The fields of seed 003 (annex 1), in its order."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    operator = forms.ModelChoiceField(label=_("Operator"), queryset=None)
    organisation_status = forms.CharField(label=_("Legal status"), max_length=200)
    experience = forms.CharField(label=_("Experience with the health of the most deprived"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000)
    authorisations = forms.CharField(label=_("Authorisations (e.g. residential medico-social care)"),
                                     required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000)
    kind = forms.ModelChoiceField(label=_("Service envisaged"), queryset=None, required=False,
                                  empty_label=_("Undecided"))
    existing_project = forms.ChoiceField(label=_("Existing project?"), choices=ExistingProject.choices)
    extension = forms.ChoiceField(label=_("What changes"), choices=ExtensionKind.choices, required=False)
    existing_service = forms.ModelChoiceField(label=_("Service it extends"), queryset=None, required=False)
    persons_concerned = forms.CharField(label=_("Persons concerned"), widget=forms.Textarea(attrs={"rows": 3}),
                                        max_length=10_000)
    territories = forms.ModelMultipleChoiceField(label=_("Territories concerned"), queryset=None,
                                                 widget=CHECKBOXES)
    nature = forms.CharField(label=_("Nature of the proposal (approach, care, social support)"),
                             widget=forms.Textarea(attrs={"rows": 4}), max_length=20_000)
    mediation_alliance = forms.CharField(label=_("Alliance with a health mediation actor"), required=False,
                                         widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000)
    estimated_caseload = forms.IntegerField(label=_("Estimated active caseload"), min_value=1, max_value=100_000)
    partnerships_written = forms.CharField(label=_("Partnerships agreed in writing"), required=False,
                                           widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000)
    partnerships_planned = forms.CharField(label=_("Partnerships planned"), required=False,
                                           widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000)
    requested_amount = forms.DecimalField(label=_("Amount requested (€ per year)"), required=False, min_value=0,
                                          max_digits=12, decimal_places=2,
                                          help_text=_("Required to file the application."))

    def __init__(self, *args, operators, kinds, territories, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["operator"].queryset = operators
        self.fields["kind"].queryset = kinds
        self.fields["territories"].queryset = territories
        self.fields["existing_service"].queryset = services
        for value, label in Profession.choices:
            self.fields[f"etp_{value}"] = forms.DecimalField(
                label=_("Planned ETP: %(profession)s") % {"profession": label}, required=False, min_value=0,
                max_value=99, max_digits=5, decimal_places=2)

    def team_fields(self):
        return [self[f"etp_{value}"] for value in Profession.values]

    def values(self):
        d = self.cleaned_data
        values = {k: d[k] for k in ("organisation_status", "experience", "authorisations", "kind",
                                    "existing_project", "extension", "existing_service", "persons_concerned",
                                    "nature", "mediation_alliance", "estimated_caseload", "partnerships_written",
                                    "partnerships_planned", "requested_amount")}
        values["extension"] = values["extension"] or ""
        values["planned_team"] = {p: str(d[f"etp_{p}"]) for p in Profession.values if d.get(f"etp_{p}")}
        return values

    @classmethod
    def initial_from(cls, proposal):
        initial = {name: getattr(proposal, name) for name in (
            "organisation_status", "experience", "authorisations", "existing_project", "extension",
            "persons_concerned", "nature", "mediation_alliance", "estimated_caseload", "partnerships_written",
            "partnerships_planned", "requested_amount")}
        initial.update(operator=proposal.operator_id, kind=proposal.kind_id, version=proposal.version,
                       existing_service=proposal.existing_service_id,
                       territories=[t.pk for t in proposal.territories.all()])
        initial.update({f"etp_{p}": etp for p, etp in (proposal.planned_team or {}).items()})
        return initial


class DecisionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                 choices=[("accept", _("Accept")), ("refuse", _("Refuse"))])
    granted_amount = forms.DecimalField(label=_("Amount granted (€ per year)"), required=False, min_value=0,
                                        max_digits=12, decimal_places=2)
    target_caseload = forms.IntegerField(label=_("Target active caseload"), required=False, min_value=1,
                                         max_value=100_000)
    kind = forms.ModelChoiceField(label=_("Kind of the service created"), queryset=None, required=False,
                                  help_text=_("Only when the application left it undecided."))
    service_name = forms.CharField(label=_("Name of the service created"), max_length=200, required=False)
    refusal_reason = forms.CharField(label=_("Reason of the refusal"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 3}), max_length=5_000)

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = kinds


class QuestionForm(forms.Form):
    question = forms.CharField(label=_("Your question to the operator"), widget=forms.Textarea(attrs={"rows": 3}),
                               max_length=5_000)


class AnswerForm(forms.Form):
    question_id = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    answer = forms.CharField(label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 3}), max_length=20_000)
