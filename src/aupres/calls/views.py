"""Screens of calls for projects (issue #18): the funder's calls, envelopes and steering page; the
operators' letters of intent and applications. Reached from « Appels à projets » in both menus."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from aupres.calls import services
from aupres.calls.forms import AnswerForm, CallForm, DecisionForm, EnvelopeForm, ProposalForm, QuestionForm
from aupres.calls.models import OPEN_STAGES, Stage
from aupres.core.errors import DomainError, Forbidden
from aupres.core.forms import add_domain_error


def _require_user(user):
    if not services.can_use(user):
        raise Forbidden(_("Calls for projects are for funders and heads of service."))


def index(request):
    user = request.user
    _require_user(user)
    funder = services.is_funder(user)
    return render(request, "calls/index.html", {
        "funder": funder, "calls": services.visible_calls(user),
        "envelopes": services.envelopes(user), "proposals": services.visible_proposals(user)})


@require_http_methods(["GET", "POST"])
def envelope_create(request):
    services.require_funder(request.user)
    form = EnvelopeForm(request.POST or None)
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        try:
            services.create_envelope(request.user, d["measure"], d["year"], d["amount"], d["funder"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Envelope created."))
            return redirect("calls:index")
    return render(request, "calls/form.html", {"form": form, "title": _("New funding envelope")})


@require_http_methods(["GET", "POST"])
def call_create(request):
    user = request.user
    services.require_funder(user)
    form = CallForm(request.POST or None, envelopes=services.envelopes(user), kinds=services.kinds(),
                    territories=services.territories_for(user))
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        try:
            call = services.publish_call(user, {**d, "rules": form.rules()}, d["kinds"], d["territories"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Call published."))
            return redirect("calls:call_detail", call_id=call.pk)
    return render(request, "calls/form.html", {"form": form, "title": _("Publish a call for projects")})


def call_detail(request, call_id):
    user = request.user
    call = services.get_call(user, call_id)
    return render(request, "calls/call.html", {
        "call": call, "manages": services.manages_call(user, call), "open": services.deadlines_open(call),
        "can_file": bool(services.operator_ids(user)), "proposals": services.proposals_of_call(user, call),
        "rules": [services.call_rules.describe(r) for r in call.rules],
        "envelope_lines": services.envelope_lines(call.envelope) if services.manages_call(user, call) else []})


def _proposal_form(request, user, call, data=None, initial=None):
    return ProposalForm(data, initial=initial, operators=services.operators_of(user), kinds=call.kinds.all(),
                        territories=services.territories_for(user).filter(pk__in=services.call_territory_reach(call)),
                        services=services.operator_services(user))


@require_http_methods(["GET", "POST"])
def letter(request, call_id):
    user = request.user
    call = services.get_call(user, call_id)
    if not services.operator_ids(user):
        raise Forbidden(_("Only a head of service files for an operator."))
    operators = services.operators_of(user)
    form = _proposal_form(request, user, call, request.POST or None,
                          initial={"operator": operators.first().pk if operators.count() == 1 else None})
    if form.is_bound and form.is_valid():
        try:
            proposal = services.file_letter(user, call, form.cleaned_data["operator"], form.values(),
                                            list(form.cleaned_data["territories"]))
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Letter of intent filed."))
            return redirect("calls:proposal", proposal_id=proposal.pk)
    return render(request, "calls/letter.html", {"form": form, "call": call})


@require_http_methods(["GET", "POST"])
def proposal(request, proposal_id):
    user = request.user
    p = services.get_proposal(user, proposal_id)
    applicant = services.is_applicant(user, p)
    decider = services.manages_call(user, p.call)
    can_edit = applicant and p.stage in OPEN_STAGES
    can_decide = decider and p.stage in OPEN_STAGES
    what = request.POST.get("what")
    form = decision = None
    if can_edit:
        form = _proposal_form(request, user, p.call, request.POST if what == "application" else None,
                              initial=ProposalForm.initial_from(p))
        form.fields["operator"].disabled = True
    if can_decide:
        decision = DecisionForm(request.POST if what == "decision" else None, kinds=p.call.kinds.all(),
                                initial={"version": p.version, "target_caseload": p.estimated_caseload,
                                         "granted_amount": p.requested_amount})
    if request.method == "POST" and what in ("question", "answer"):
        return _thread_post(request, user, p, what, form=form, decision=decision, applicant=applicant,
                            decider=decider)
    if request.method == "POST" and not ((what == "application" and form) or (what == "decision" and decision)):
        raise Forbidden(_("You cannot change this application."))
    if form is not None and form.is_bound and form.is_valid():
        try:
            services.file_application(user, p, form.values(), list(form.cleaned_data["territories"]),
                                      form.cleaned_data.get("version") or p.version)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Application filed."))
            return redirect("calls:proposal", proposal_id=p.pk)
    if decision is not None and decision.is_bound and decision.is_valid():
        d = decision.cleaned_data
        try:
            if d["decision"] == "accept":
                services.accept(user, p, d["granted_amount"], d["target_caseload"], d["version"], kind=d["kind"],
                                service_name=d["service_name"])
            else:
                services.refuse(user, p, d["refusal_reason"], d["version"])
        except DomainError as error:
            add_domain_error(decision, error)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("calls:proposal", proposal_id=p.pk)
    return _render_proposal(request, p, form=form, decision=decision, applicant=applicant, decider=decider)


def _render_proposal(request, p, *, form=None, decision=None, applicant=False, decider=False, question_form=None,
                     answer_form=None):
    thread = services.questions(p)
    if decider and question_form is None and p.stage in (Stage.APPLICATION, Stage.QUESTIONS):
        question_form = QuestionForm()
    return render(request, "calls/proposal.html", {
        "p": p, "form": form, "decision": decision, "applicant": applicant, "decider": decider,
        "reasons": services.eligibility(p), "team": _team(p), "thread": thread, "question_form": question_form,
        "can_answer": applicant and p.stage == Stage.QUESTIONS, "answer_form": answer_form,
        "history": services.history(p)})


def _thread_post(request, user, p, what, **page):
    """A question of the funder, or an answer of the operator, on the application's thread."""
    if what == "question":
        if not page["decider"]:
            raise Forbidden(_("Only the funder of the call asks questions on its applications."))
        form = QuestionForm(request.POST)
        if form.is_valid():
            try:
                services.ask(user, p, form.cleaned_data["question"])
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Question sent to the operator."))
                return redirect("calls:proposal", proposal_id=p.pk)
        return _render_proposal(request, p, question_form=form, **page)
    if not page["applicant"]:
        raise Forbidden(_("Only a head of service of this operator answers for it."))
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.answer(user, p, form.cleaned_data["question_id"], form.cleaned_data["answer"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Answer sent to the funder."))
            return redirect("calls:proposal", proposal_id=p.pk)
    return _render_proposal(request, p, answer_form=form, **page)


def _team(p):
    labels = dict(services.Profession.choices)
    return [(labels.get(k, k), v) for k, v in (p.planned_team or {}).items()]


def steering(request):
    user = request.user
    services.require_funder(user)
    rows = services.steering(user)
    return render(request, "calls/steering.html", {"rows": rows, "envelopes": services.envelopes(user)})
