"""Referral screens: the team's inbox and decisions, the team's intake, the partner's referrals, the
public form, the regional regulation queue and the orientation committee. Rules live in services.py."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from aupres.accounts.models import AccountKind
from aupres.core import access
from aupres.core.errors import DomainError, Forbidden, NotFound
from aupres.core.forms import add_domain_error, id_param
from aupres.core.models import Compartment
from aupres.core.pages import page_of
from aupres.persons import services as person_services
from aupres.places.services import places_for_acceptance, routable_places, route_to_place, service_has_places
from aupres.referrals import duplicates, services
from aupres.referrals.forms import (
    DOCUMENT_FIELDS,
    AcceptForm,
    CommitteeForm,
    DeclineForm,
    ForwardForm,
    MergeForm,
    MergeSearchForm,
    PublicReferralForm,
    ReferralForm,
    WaitForm,
)
from aupres.referrals.models import DeclineReason, Status, Urgency
from aupres.services.models import Service


def _kind(request, *kinds):
    if request.user.kind not in kinds:
        raise Http404


def home(request):
    kind = request.user.kind
    if kind == AccountKind.PARTNER:
        return redirect("referrals:partner_list")
    if kind == AccountKind.REGULATOR:
        return redirect("referrals:regulation")
    if kind == AccountKind.STAFF:
        return redirect("referrals:inbox")
    raise Http404


# Team: inbox, intake, decisions --------------------------------------------------------------------

TABS = [Status.PENDING, Status.COMMITTEE, Status.WAITING, Status.ACCEPTED, Status.DECLINED, Status.FORWARDED]


def inbox(request):
    _kind(request, AccountKind.STAFF)
    status = request.GET.get("statut", Status.PENDING)
    if status not in Status.values:
        status = Status.PENDING
    my_services = Service.objects.filter(pk__in=access.service_ids(request.user)).order_by("name")
    qs = services.visible_referrals(request.user).select_related("service")
    service_id = request.GET.get("dispositif", "")
    if service_id.isdigit():
        qs = qs.filter(service_id=int(service_id))
    counts = dict.fromkeys(TABS, 0)
    for row in qs.values("status"):
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    rows = qs.filter(status=status)
    if status == Status.WAITING:
        rows = rows.order_by("service_id", "waiting_since", "pk")
    elif status in (Status.PENDING, Status.COMMITTEE):  # what waits: urgency, then age (issue #13)
        rows = services.by_urgency_then_age(rows)
    else:  # decided: the latest decision first
        rows = rows.order_by("-decided_at", "-received_at", "-pk")
    positions = services.waiting_positions(list(my_services.values_list("pk", flat=True))) \
        if status == Status.WAITING else {}
    # The tab's count is the page's total: no count again.
    page = page_of(rows, request.GET.get("page"), 50, total=counts.get(status, 0))
    rows = services.referrals_page(request.user, page.object_list, names_only=True)
    now = timezone.now()
    for r in rows:
        r.days_waiting = services.days_waiting(r, now)
    return render(request, "referrals/inbox.html", {
        "rows": rows, "page": page, "status": status,
        "tabs": [(s, Status(s).label, counts.get(s, 0)) for s in TABS],
        "positions": positions, "my_services": my_services, "service_id": service_id,
        "committees": [s for s in my_services if s.has_orientation_committee],
        "open_tab": status in (Status.PENDING, Status.COMMITTEE, Status.WAITING),
    })


def _candidates_from(request, values):
    return duplicates.candidates_for(request.user, values)


@require_http_methods(["GET", "POST"])
def intake(request):
    """The team's own intake. Chosen documents are kept when the form comes back with errors, as on the
    partner's form (_create_keeping_documents, issue #13)."""
    _kind(request, AccountKind.STAFF)
    my_services = Service.objects.filter(pk__in=access.service_ids(request.user)).order_by("name")
    if not my_services:
        raise Http404
    form = ReferralForm(request.POST or None, request.FILES or None, services=my_services)
    form.announce_document_limits(services.MAX_ATTACHMENT_BYTES, settings.REFERRAL_MAX_MB,
                                  settings.REFERRAL_MAX_ATTACHMENTS)
    candidates = []
    if request.method == "POST":
        candidates = _candidates_from(request, request.POST)
    person = request.POST.get("person", "")
    referral = _create_keeping_documents(request, form, lambda documents: services.create_referral(
        request.user, form.values(), service_id=form.cleaned_data["service"].pk,
        person_id=int(person) if person.isdigit() else None, documents=documents))
    if referral is not None:
        messages.success(request, _("Referral recorded (%(receipt)s).") % {"receipt": referral.receipt})
        return redirect("referrals:detail", referral_id=referral.pk)
    return render(request, "referrals/intake.html", {"form": form, "candidates": candidates, "chosen": person})


@require_POST
def candidates(request):
    """Duplicate candidates for what is typed in the intake form (htmx)."""
    _kind(request, AccountKind.STAFF)
    values = {k: request.POST.get(k, "")[:100] for k in ("alias", "first_name", "last_name", "phone")}
    year = request.POST.get("birth_year", "")
    values["birth_year"] = int(year) if year.isdigit() else None
    found = _candidates_from(request, values)
    return render(request, "referrals/_candidates.html", {
        "candidates": found, "chosen": request.POST.get("person", ""),
        "searched": any(values[k] for k in ("alias", "first_name", "last_name", "phone"))})


def _detail_context(request, referral, forms=None):
    view = services.referral_view(request.user, referral, documents=True)
    values = services.search_values(referral, view)
    cands = duplicates.candidates_for(request.user, values) if referral.is_open and not referral.person_id else []
    version = {"version": referral.version}
    forms = forms or {}
    is_head = access.is_head_of_service(request.user, referral.service_id)

    has_places = referral.is_open and service_has_places(referral.service)
    places = places_for_acceptance(referral) if has_places else []
    merge_cands = []
    if referral.person_id and "administrative" in view:
        # Records that may be the same person as the one linked: each opens the merge screen.
        person = referral.person
        merge_cands = duplicates.merge_candidates(request.user, person, {
            "alias": person.alias, "first_name": person.first_name, "last_name": person.last_name,
            "birth_year": person.birth_year, "phone": person.phone}, limit=5)
    return {
        # The compartments' content is in `view` (services.referral_view), a section absent when not read;
        # `referral` gives the template the facts every addressed team member reads.
        "referral": services.ReferralFacts(referral), "view": view,
        "reasons": services.eligibility(referral.service, referral) if referral.is_open else [],
        "capacity": services.capacity_usage(referral.service), "is_head": is_head,
        "position": services.waiting_positions([referral.service_id]).get(referral.pk),
        "events": referral.events.select_related("by", "service"),
        # « Accepter » links the best match found rather than creating a new record (issue #13).
        "accept_form": forms.get("accept") or AcceptForm(
            initial={**version, "person": cands[0].person.pk} if cands else version, candidates=cands, places=places),
        "places": places, "has_places": has_places,
        "decline_form": forms.get("decline") or DeclineForm(initial=version),
        "wait_form": forms.get("wait") or WaitForm(initial=version),
        "forward_form": forms.get("forward") or ForwardForm(initial=version),
        "candidates": cands, "merge_candidates": merge_cands,
        "forwarded_to": referral.forwards.select_related("service").first(),
    }


def detail(request, referral_id):
    _kind(request, AccountKind.STAFF)
    referral = services.read_referral(request.user, referral_id)
    return render(request, "referrals/detail.html", _detail_context(request, referral))


ACTIONS = {
    "accept": AcceptForm, "decline": DeclineForm, "wait": WaitForm, "forward": ForwardForm,
}


# Decisions that cannot be undone, and the question asked before them.
CONFIRMED = {
    "decline": _lazy("Decline this referral? The sender is told, and the decision cannot be undone."),
    "forward": _lazy("Forward this referral to the chosen service? It leaves your inbox and cannot be taken "
                     "back."),
}


def _shown(form, name):
    """A decision form's value as the user chose it (the label of a choice, the name of a service)."""
    value = form.cleaned_data.get(name)
    field = form.fields[name]
    if hasattr(field, "choices") and not hasattr(value, "pk"):
        return dict(field.choices).get(value, value) or "—"
    return value or "—"


class _NotYet(Exception):  # noqa: N818 - not an error: the decision waits for its confirmation
    pass


def _decision(user, referral, action, data):
    if action == "accept":
        services.accept(user, referral, data["version"], person_id=data["person"],
                        override_justification=data["override_justification"], place_id=data["place"])
    elif action == "decline":
        services.decline(user, referral, data["version"], reason=data["reason"], note=data["note"])
    elif action == "wait":
        services.put_on_waiting_list(user, referral, data["version"])
    else:
        services.forward(user, referral, data["version"], service_id=data["service"].pk, note=data["note"])


@require_POST
def decide(request, referral_id, action):
    _kind(request, AccountKind.STAFF)
    if action not in ACTIONS:
        raise Http404
    referral = services.get_referral(request.user, referral_id)
    if action == "accept":
        # The candidates the detail page offered (the phone compared too, where the user reads it).
        values = services.search_values(referral, services.referral_view(request.user, referral))
        form = AcceptForm(request.POST, candidates=duplicates.candidates_for(request.user, values),
                          places=places_for_acceptance(referral) if referral.is_open else [])
    else:
        form = ACTIONS[action](request.POST)
    if form.is_valid():
        data = form.cleaned_data
        confirming = action in CONFIRMED and request.POST.get("confirmed") != "1"
        try:
            # An irreversible decision is confirmed on a page of its own, which works without JavaScript
            # (issue #13), once every rule is checked: the decision runs, then is rolled back (_NotYet).
            # With JavaScript, the form's data-confirm dialog sets `confirmed` and skips that page.
            with transaction.atomic():
                _decision(request.user, referral, action, data)
                if confirming:
                    raise _NotYet
        except _NotYet:
            return render(request, "referrals/confirm.html", {
                "referral": services.read_referral(request.user, referral_id), "action": action, "form": form,
                "question": CONFIRMED[action],
                "values": [(form[name].label, _shown(form, name)) for name in form.fields if name != "version"]})
        except NotFound:
            raise  # a DomainError too: kept from the handler below, so DomainErrorMiddleware answers 404
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, {"accept": _("Referral accepted: the follow-up is open."),
                                       "decline": _("Referral declined."),
                                       "wait": _("Put on the waiting list."),
                                       "forward": _("Referral forwarded.")}[action])
            return redirect("referrals:detail", referral_id=referral.pk)
    referral = services.read_referral(request.user, referral_id)
    context = _detail_context(request, referral, {action: form})
    return render(request, "referrals/detail.html", context, status=400)


def attachment(request, referral_id, attachment_id):
    _kind(request, AccountKind.STAFF)
    try:
        doc = services.read_attachment(request.user, referral_id, attachment_id)
    except (NotFound, Forbidden):
        raise Http404 from None
    ext = doc.file.name.rsplit(".", 1)[-1]
    return FileResponse(doc.file.open("rb"), content_type=doc.content_type, as_attachment=True,
                        filename=f"{doc.kind}-{doc.pk}.{ext}")


# Merging two records of one person ------------------------------------------------------------------

def _merge_refused(request, error, person_id):
    """A refusal the user can act on, in words (403: not allowed, 400: the same person twice)."""
    return render(request, "referrals/merge_refused.html", {"message": error.message, "person_id": person_id},
                  status=error.status)


def _identity_values(user, person):
    view = person_services.person_view(user, person, records=False)
    values = {f: view["identity"][f] for f in ("alias", "first_name", "last_name", "birth_year")}
    values["phone"] = view["administrative"]["phone"] if "administrative" in view else ""
    return values


@require_http_methods(["GET", "POST"])
def merge_pick(request, person_id):
    """"Merge with…": the records that may be the same person, among those whose administrative compartment
    the user holds; first by the person's own identity, then by what the user types (POST)."""
    _kind(request, AccountKind.STAFF)
    person = person_services.read_identity(request.user, person_id)
    if Compartment.ADMINISTRATIVE not in person.writable_compartments:
        return _merge_refused(request, Forbidden(_(
            "Merging needs the administrative compartment of both persons, through a team that follows each "
            "of them.")), person.pk)
    form = MergeSearchForm(request.POST or None)
    values = _identity_values(request.user, person)
    searched = False
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        searched = True
    found = duplicates.merge_candidates(request.user, person, values)
    return render(request, "referrals/merge_pick.html", {
        "person": person, "form": form, "candidates": found, "searched": searched})


@require_http_methods(["GET", "POST"])
def merge(request, person_id, other_person_id):
    """Side by side, then the merge: the user picks the record to keep; every piece of history of both
    records ends on it (duplicates.merge_persons)."""
    _kind(request, AccountKind.STAFF)
    first = access.get_visible_person(request.user, person_id)
    second = access.get_visible_person(request.user, other_person_id)
    try:
        duplicates.check_merge(request.user, first, second)
    except NotFound:
        raise  # a DomainError too: kept from the handler below, so DomainErrorMiddleware answers 404
    except DomainError as error:
        return _merge_refused(request, error, first.pk)
    form = MergeForm(request.POST or None, first=first, second=second)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            keep, absorb = (first, second) if data["keep"] == first.pk else (second, first)
            try:
                duplicates.merge_persons(request.user, keep, absorb, versions={
                    first.pk: data["version_first"], second.pk: data["version_second"]})
            except NotFound:
                raise  # a DomainError too: kept from the handler below, so DomainErrorMiddleware answers 404
            except DomainError as error:
                # Show the records as they are now, keep the choice, and ask again.
                form = MergeForm({"keep": data["keep"], "version_first": first.version,
                                  "version_second": second.version}, first=first, second=second)
                form.is_valid()
                add_domain_error(form, error)
                status = error.status
            else:
                messages.success(request, _("The two records are merged: %(name)s keeps the history of both.")
                                 % {"name": keep.display_name})
                return redirect("persons:detail", person_id=keep.pk)
        else:
            status = 400
    sides = [duplicates.merge_side(request.user, p) for p in (first, second)]
    return render(request, "referrals/merge.html", {
        "first": first, "second": second, "sides": sides, "form": form,
        "rows": duplicates.identity_rows(request.user, first, second)}, status=status)


# Orientation committee -------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def committee(request, service_id):
    _kind(request, AccountKind.STAFF)
    service = Service.objects.filter(pk=service_id, pk__in=access.service_ids(request.user),
                                     has_orientation_committee=True).first()
    if service is None:
        raise Http404
    waiting = services.committee_waiting(request.user, service)
    form = CommitteeForm(request.POST or None, initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        decisions = []
        for r in waiting:
            decision = request.POST.get(f"decision_{r.pk}", "")
            if decision in services.COMMITTEE_DECISIONS:
                decisions.append({"referral": r.pk, "version": r.version, "decision": decision,
                                  "strategy": request.POST.get(f"strategy_{r.pk}", "")[:5000],
                                  "reason": request.POST.get(f"reason_{r.pk}", ""),
                                  "note": request.POST.get(f"note_{r.pk}", "")[:2000],
                                  "override_justification": request.POST.get(f"override_{r.pk}", "")[:2000]})
        try:
            services.record_committee_meeting(request.user, service, decisions=decisions, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Committee meeting recorded."))
            return redirect("referrals:committee", service_id=service.pk)

    return render(request, "referrals/committee.html", {
        "service": service, "form": form, "waiting": waiting, "reasons": DeclineReason.choices,
        "meetings": service.committee_meetings.prefetch_related("referrals")[:10], "post": request.POST,
    })


# Partner ---------------------------------------------------------------------------------------------

def partner_list(request):
    _kind(request, AccountKind.PARTNER)
    qs = services.listed_referrals(request.user).select_related("service").order_by("-received_at", "-pk")
    status = request.GET.get("statut", "")
    if status in Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    rows = services.referrals_page(request.user, page.object_list, names_only=True)
    return render(request, "referrals/partner_list.html", {
        "rows": [(r, services.status_label(r), services.sender_label(r)) for r in rows], "page": page,
        "status": status, "statuses": Status.choices})


def _send(request, user, template):
    """The partner's referral form (the public form is public_new). Chosen documents are kept when the form
    comes back with errors (_keep_documents); sent through htmx, the upload shows its progress."""
    active = Service.objects.filter(is_active=True).order_by("name")
    form = ReferralForm(request.POST or None, request.FILES or None, services=active, territories=True,
                        initial=services.partner_defaults(user))
    form.announce_document_limits(services.MAX_ATTACHMENT_BYTES, settings.REFERRAL_MAX_MB,
                                  settings.REFERRAL_MAX_ATTACHMENTS)
    referral = _create_keeping_documents(request, form, lambda documents: services.create_referral(
        user, form.values(), service_id=form.cleaned_data["service"].pk if form.cleaned_data.get("service") else None,
        territory_id=form.cleaned_data["territory"].pk if form.cleaned_data.get("territory") else None,
        documents=documents))
    if referral is not None:
        messages.success(request, _("Referral sent (%(receipt)s).") % {"receipt": referral.receipt})
        if request.htmx:
            return HttpResponseClientRedirect(reverse("referrals:partner_list"))
        return redirect("referrals:partner_list")
    return render(request, template, {"form": form})


def _create_keeping_documents(request, form, create):
    """One round of a referral form with documents (the team's intake, the partner's form): every error at
    once (_checked), the documents chosen kept for the next round (_keep_documents); when all is right,
    create(documents) makes the referral from the kept copies, which then go. Returns the referral or None
    (the form, with its errors and kept files, is to be shown again)."""
    if request.method != "POST":
        _keep_documents(request, form)
        return None
    ok = _checked(form)
    kept = _keep_documents(request, form)
    if not ok or form.errors:
        return None
    documents = [(DOCUMENT_FIELDS[name], services.open_kept(info)) for name, info in kept.items()]
    try:
        referral = create(documents)
    except DomainError as error:
        add_domain_error(form, error)
        return None
    finally:
        for _doc_kind, upload in documents:
            upload.close()
    _forget_documents(request, form.upload_token)
    return referral


SESSION_UPLOADS = "referral_uploads"


def _keep_documents(request, form):
    """The documents chosen on this form (its upload token), kept across rounds (issue #13): a new file is
    checked and kept (or refused beside its field), a kept one stays unless « remove » is ticked. Sets
    form.upload_token and form.kept_files; returns {field: kept file}."""
    store = request.session.get(SESSION_UPLOADS, {})
    token = request.POST.get("upload_token", "")
    if token not in store:
        token = token if services.UPLOAD_TOKEN.match(token) and request.method == "POST" else \
            services.new_upload_token()
    kept = dict(store.get(token, {}))
    if request.method == "POST":
        for name, kind in DOCUMENT_FIELDS.items():
            if name not in form.fields:
                continue
            if request.POST.get(f"remove_{name}") and name in kept:
                services.drop_kept(kept.pop(name))
            upload = request.FILES.get(name)
            if upload is None or form.has_error(name):
                continue
            try:
                info = services.keep_upload(kind, token, name, upload)
            except DomainError as error:
                form.add_error(name, str(error.message))
            else:
                if name in kept:
                    services.drop_kept(kept[name])
                kept[name] = info
        store = {**store, token: kept}
        request.session[SESSION_UPLOADS] = dict(list(store.items())[-5:])  # a few forms open at once
    form.upload_token = token
    form.kept_files = [(name, form.fields[name].label, info) for name, info in kept.items()]
    return kept


def _forget_documents(request, token):
    store = request.session.get(SESSION_UPLOADS, {})
    for info in store.pop(token, {}).values():
        services.drop_kept(info)
    request.session[SESSION_UPLOADS] = store


def _checked(form):
    """Field checks and the referral's rules both run, so every error shows at once (issue #13)."""
    valid = form.is_valid()
    if not form.is_bound:  # an empty POST: nothing to check the rules on
        return False
    return not _all_value_errors(form) and valid


def _all_value_errors(form):
    """Every rule the values break, each beside its field, at once (issue #13). True when there was one.

    Runs on what the fields could clean; a field already in error keeps its own message only."""
    errors = [e for e in services.referral_value_errors(form.values()) if not form.has_error(e.field)]
    for error in errors:
        add_domain_error(form, error)
    return bool(errors)


@require_http_methods(["GET", "POST"])
def partner_new(request):
    _kind(request, AccountKind.PARTNER)
    return _send(request, request.user, "referrals/send.html")


@login_not_required
@require_http_methods(["GET", "POST"])
def public_new(request):
    """The public form, for a passer-by (issue #13): every broken rule shown at once beside its field."""
    form = PublicReferralForm(request.POST or None)
    if request.method == "POST" and form.is_bound:
        valid = form.is_valid()
        values = form.values()
        errors = [e for e in [*services.referral_value_errors(values), *services.callback_errors(values)]
                  if not form.has_error(e.field)]
        for error in errors:
            add_domain_error(form, error)
        if valid and not errors:
            if not services.public_rate(services.client_ip(request)):
                add_domain_error(form, services.rate_limited_error())
                return render(request, "referrals/public.html", {"form": form}, status=429)
            if form.cleaned_data.get("website"):
                return render(request, "referrals/receipt.html", {"receipt": services.decoy_receipt()})
            try:
                referral = services.create_referral(None, values, territory_id=form.cleaned_data["territory"].pk)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                return render(request, "referrals/receipt.html", {"receipt": referral.receipt})
    return render(request, "referrals/public.html", {"form": form})


# Regional regulation -----------------------------------------------------------------------------------

def regulation(request):
    _kind(request, AccountKind.REGULATOR)
    filters = {"territory_id": id_param(request.GET.get("territoire")),
               "urgency": request.GET.get("urgence", ""), "receipt": request.GET.get("numero", "")[:12]}
    qs = services.filter_referrals(services.visible_referrals(request.user).select_related("territory"), **filters)
    page = Paginator(services.by_urgency_then_age(qs), 50).get_page(request.GET.get("page"))
    rows = services.referrals_page(request.user, page.object_list, names_only=True)
    now = timezone.now()
    for r in rows:
        r.days_waiting = services.days_waiting(r, now)
    return render(request, "referrals/regulation.html", {
        "rows": rows, "page": page, "filters": filters, "territories": services.regulation_territories(request.user),
        "urgencies": Urgency.choices,
    })


@require_http_methods(["GET", "POST"])
def regulation_detail(request, referral_id):
    _kind(request, AccountKind.REGULATOR)
    referral = services.read_referral(request.user, referral_id)
    error = None
    if request.method == "POST":
        service_id, version = request.POST.get("service", ""), request.POST.get("version", "")
        place_id = request.POST.get("place", "")
        try:
            if place_id.isdigit() and version.isdigit():  # routed to one place of a service (aupres.places)
                route_to_place(request.user, referral, int(version), place_id=int(place_id),
                               note=request.POST.get("note", "")[:2000])
            elif not (service_id.isdigit() and version.isdigit()):
                raise DomainError(_("Choose a service."), field="service")
            else:
                services.route(request.user, referral, int(version), service_id=int(service_id),
                               note=request.POST.get("note", "")[:2000])
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("Referral routed."))
            return redirect("referrals:regulation")

    suggestions = services.suggest_services(referral, limit=8)
    free_places = [(s.service, places) for s in suggestions
                   if (places := routable_places(request.user, referral, s.service))]
    return render(request, "referrals/regulation_detail.html", {
        "referral": referral, "suggestions": suggestions, "error": error,
        "age": referral.age_label(), "free_places": free_places})



# Probable duplicates found by the sweep: the heads of service's review queue ------------------------------

def duplicate_queue(request):
    """The pairs the sweep takes for one person, among the records the head of service sees: « même
    personne » opens the merge screen, « personnes différentes » is remembered."""
    _kind(request, AccountKind.STAFF)
    rows = duplicates.review_queue(request.user)
    return render(request, "referrals/duplicate_queue.html", {
        "rows": [(pair, a, b, ", ".join(str(duplicates.REASONS[r]) for r in pair.reasons if r in duplicates.REASONS))
                 for pair, a, b in rows]})


@require_http_methods(["POST"])
def duplicate_different(request, pair_id):
    _kind(request, AccountKind.STAFF)
    duplicates.mark_different(request.user, pair_id)
    messages.success(request, _("Noted: these two records are different persons; they will not be proposed again."))
    return redirect("referrals:duplicate_queue")
