"""Referral screens: the team's inbox and decisions, the team's intake, the partner's referrals, the
public form, the regional regulation queue and the orientation committee. Rules live in services.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from aupres.accounts.models import AccountKind
from aupres.audit.models import IDENTITY
from aupres.audit.services import record, route_of
from aupres.core import access
from aupres.core.errors import DomainError, Forbidden, NotFound
from aupres.core.forms import add_domain_error
from aupres.core.models import Compartment
from aupres.referrals import duplicates, services
from aupres.referrals.forms import (
    AcceptForm,
    CommitteeForm,
    DeclineForm,
    ForwardForm,
    MergeForm,
    MergeSearchForm,
    ReferralForm,
    WaitForm,
)
from aupres.referrals.models import DeclineReason, Referral, Status
from aupres.services.models import Service


def _audit(request, persons, action, compartments=(), service_id=None):
    record(request.user, persons, action, compartments, "screen", route_of(request), service_id=service_id)


def _named(referrals):
    """The persons named by these referrals (those linked to a person record)."""
    return [r.person_id for r in referrals if r.person_id]


def _value_compartments(values):
    """identity, and the compartments of the referral fields given a value."""
    return {IDENTITY, *(c for f, c in Referral.COMPARTMENT_OF_FIELD.items() if values.get(f))}


def _kind(request, *kinds):
    if request.user.kind not in kinds:
        raise Http404


def fn(*args):
    return fn(*args)


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
    rows = rows.order_by("service_id", "waiting_since", "pk") if status == Status.WAITING else rows[:200]
    positions = services.waiting_positions(list(my_services.values_list("pk", flat=True))) \
        if status == Status.WAITING else {}
    rows = list(rows)
    _audit(request, _named(rows), "list", {IDENTITY})
    return render(request, "referrals/inbox.html", {
        "rows": rows, "status": status, "tabs": [(s, Status(s).label, counts.get(s, 0)) for s in TABS],
        "positions": positions, "my_services": my_services, "service_id": service_id,
        "committees": [s for s in my_services if s.has_orientation_committee],
    })


def _candidates_from(request, values):
    return duplicates.candidates_for(request.user, values)


@require_http_methods(["GET", "POST"])
def intake(request):
    _kind(request, AccountKind.STAFF)
    my_services = Service.objects.filter(pk__in=access.service_ids(request.user)).order_by("name")
    if not my_services:
        raise Http404
    form = ReferralForm(request.POST or None, request.FILES or None, services=my_services)
    candidates = []
    if request.method == "POST":
        candidates = _candidates_from(request, request.POST)
        if form.is_valid():
            person = request.POST.get("person", "")
            try:
                referral = services.create_referral(
                    request.user, form.values(), service_id=form.cleaned_data["service"].pk,
                    person_id=int(person) if person.isdigit() else None, documents=form.documents())
            except DomainError as error:
                add_domain_error(form, error)
            else:
                _audit(request, referral.person_id, "create", _value_compartments(form.values()),
                       service_id=referral.service_id)
                messages.success(request, _("Referral recorded (%(receipt)s).") % {"receipt": referral.receipt})
                return redirect("referrals:detail", referral_id=referral.pk)
    _audit(request, [c.person for c in candidates], "list", {IDENTITY})
    return render(request, "referrals/intake.html", {"form": form, "candidates": candidates,
                                                     "chosen": request.POST.get("person", "")})


@require_POST
def candidates(request):
    """Duplicate candidates for what is typed in the intake form (htmx)."""
    _kind(request, AccountKind.STAFF)
    values = {k: request.POST.get(k, "")[:100] for k in ("alias", "first_name", "last_name", "phone")}
    year = request.POST.get("birth_year", "")
    values["birth_year"] = int(year) if year.isdigit() else None
    found = _candidates_from(request, values)
    _audit(request, [c.person for c in found], "list", {IDENTITY})
    return render(request, "referrals/_candidates.html", {
        "candidates": found, "chosen": request.POST.get("person", ""),
        "searched": any(values[k] for k in ("alias", "first_name", "last_name", "phone"))})


def _detail_context(request, referral, forms=None):
    comps = referral.compartments
    values = {f: getattr(referral, f) for f in ("alias", "first_name", "last_name", "birth_year", "sex")}
    values["phone"] = referral.phone if Compartment.ADMINISTRATIVE in comps else ""
    cands = duplicates.candidates_for(request.user, values) if referral.is_open and not referral.person_id else []
    version = {"version": referral.version}
    forms = forms or {}
    is_head = access.is_head_of_service(request.user, referral.service_id)
    from aupres.places.services import places_for_acceptance, service_has_places

    has_places = referral.is_open and service_has_places(referral.service)
    places = places_for_acceptance(referral) if has_places else []
    merge_cands = []
    if referral.person_id and Compartment.ADMINISTRATIVE in comps:
        # Records that may be the same person as the one linked: each opens the merge screen.
        person = referral.person
        merge_cands = duplicates.find_candidates(
            alias=person.alias, first_name=person.first_name, last_name=person.last_name,
            birth_year=person.birth_year, phone=person.phone, exclude_ids=[person.pk],
            scope=access.visible_persons(request.user, compartment=Compartment.ADMINISTRATIVE), limit=5)
    if referral.person_id:
        _audit(request, referral.person_id, "read", {IDENTITY, *comps}, service_id=referral.service_id)
    else:
        _audit(request, [c.person for c in cands], "list", {IDENTITY})
    if merge_cands:
        _audit(request, [c.person for c in merge_cands], "list", {IDENTITY})
    return {
        "referral": referral, "can_health": Compartment.HEALTH in comps, "can_social": Compartment.SOCIAL in comps,
        "can_admin": Compartment.ADMINISTRATIVE in comps,
        "reasons": services.eligibility(referral.service, referral) if referral.is_open else [],
        "capacity": services.capacity_usage(referral.service), "is_head": is_head,
        "attachments": services.readable_attachments(request.user, referral),
        "hidden_attachments": referral.attachments.count() - len(services.readable_attachments(request.user, referral)),
        "position": services.waiting_positions([referral.service_id]).get(referral.pk),
        "events": referral.events.select_related("by", "service"),
        "accept_form": forms.get("accept") or AcceptForm(initial=version, candidates=cands, places=places),
        "places": places, "has_places": has_places,
        "decline_form": forms.get("decline") or DeclineForm(initial=version),
        "wait_form": forms.get("wait") or WaitForm(initial=version),
        "forward_form": forms.get("forward") or ForwardForm(initial=version),
        "candidates": cands, "merge_candidates": merge_cands,
        "forwarded_to": referral.forwards.select_related("service").first(),
    }


def detail(request, referral_id):
    _kind(request, AccountKind.STAFF)
    referral = services.get_referral(request.user, referral_id)
    return render(request, "referrals/detail.html", _detail_context(request, referral))


ACTIONS = {
    "accept": AcceptForm, "decline": DeclineForm, "wait": WaitForm, "forward": ForwardForm,
}


@require_POST
def decide(request, referral_id, action):
    _kind(request, AccountKind.STAFF)
    if action not in ACTIONS:
        raise Http404
    referral = services.get_referral(request.user, referral_id)
    if action == "accept":
        values = {f: getattr(referral, f) for f in ("alias", "first_name", "last_name", "birth_year", "sex")}
        from aupres.places.services import places_for_acceptance

        form = AcceptForm(request.POST, candidates=duplicates.candidates_for(request.user, values),
                          places=places_for_acceptance(referral) if referral.is_open else [])
    else:
        form = ACTIONS[action](request.POST)
    if form.is_valid():
        data = form.cleaned_data
        new_person = action == "accept" and not referral.person_id and not data["person"]
        try:
            if action == "accept":
                services.accept(request.user, referral, data["version"], person_id=data["person"],
                                override_justification=data["override_justification"], place_id=data["place"])
            elif action == "decline":
                services.decline(request.user, referral, data["version"], reason=data["reason"], note=data["note"])
            elif action == "wait":
                services.put_on_waiting_list(request.user, referral, data["version"])
            else:
                services.forward(request.user, referral, data["version"], service_id=data["service"].pk,
                                 note=data["note"])
        except NotFound:
            raise  # never shown on the form: the middleware answers 404
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if new_person:
                _audit(request, referral.person_id, "create",
                       {IDENTITY, Compartment.ADMINISTRATIVE, Compartment.SOCIAL}, service_id=referral.service_id)
            else:
                _audit(request, referral.person_id, "update", {IDENTITY}, service_id=referral.service_id)
            messages.success(request, {"accept": _("Referral accepted: the follow-up is open."),
                                       "decline": _("Referral declined."),
                                       "wait": _("Put on the waiting list."),
                                       "forward": _("Referral forwarded.")}[action])
            return redirect("referrals:detail", referral_id=referral.pk)
    referral = services.get_referral(request.user, referral_id)
    context = _detail_context(request, referral, {action: form})
    return render(request, "referrals/detail.html", context, status=400)


def attachment(request, referral_id, attachment_id):
    _kind(request, AccountKind.STAFF)
    try:
        doc = services.get_attachment(request.user, referral_id, attachment_id)
    except (NotFound, Forbidden):
        raise Http404 from None
    _audit(request, doc.referral.person_id, "read", {doc.compartment}, service_id=doc.referral.service_id)
    ext = doc.file.name.rsplit(".", 1)[-1]
    return FileResponse(doc.file.open("rb"), content_type=doc.content_type, as_attachment=True,
                        filename=f"{doc.kind}-{doc.pk}.{ext}")


# Merging two records of one person ------------------------------------------------------------------

def _merge_refused(request, error, person_id):
    """A refusal the user can act on, in words (403: not allowed, 400: the same person twice)."""
    return render(request, "referrals/merge_refused.html", {"message": error.message, "person_id": person_id},
                  status=error.status)


def _identity_values(person):
    values = {f: getattr(person, f) for f in ("alias", "first_name", "last_name", "birth_year")}
    values["phone"] = person.phone if Compartment.ADMINISTRATIVE in person.compartments else ""
    return values


@require_http_methods(["GET", "POST"])
def merge_pick(request, person_id):
    """"Merge with…": the records that may be the same person, among those whose administrative compartment
    the user holds; first by the person's own identity, then by what the user types (POST)."""
    _kind(request, AccountKind.STAFF)
    person = access.get_visible_person(request.user, person_id)
    if Compartment.ADMINISTRATIVE not in person.writable_compartments:
        return _merge_refused(request, Forbidden(_(
            "Merging needs the administrative compartment of both persons, through a team that follows each "
            "of them.")), person.pk)
    form = MergeSearchForm(request.POST or None)
    values = _identity_values(person)
    searched = False
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        searched = True
    found = duplicates.find_candidates(
        alias=values.get("alias") or "", first_name=values.get("first_name") or "",
        last_name=values.get("last_name") or "", birth_year=values.get("birth_year"),
        phone=values.get("phone") or "", exclude_ids=[person.pk],
        scope=access.visible_persons(request.user, compartment=Compartment.ADMINISTRATIVE))
    _audit(request, person, "read", {IDENTITY})
    _audit(request, [c.person for c in found], "list", {IDENTITY})
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
        raise  # never shown on the form: the middleware answers 404
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
                raise  # never shown on the form: the middleware answers 404
            except DomainError as error:
                # Show the records as they are now, keep the choice, and ask again.
                form = MergeForm({"keep": data["keep"], "version_first": first.version,
                                  "version_second": second.version}, first=first, second=second)
                form.is_valid()
                add_domain_error(form, error)
                status = error.status
            else:
                # Every record of the absorbed person, in every compartment, now belongs to the one kept.
                _audit(request, [keep.pk, absorb.pk], "update", {IDENTITY, *Compartment.values})
                messages.success(request, _("The two records are merged: %(name)s keeps the history of both.")
                                 % {"name": keep.display_name})
                return redirect("persons:detail", person_id=keep.pk)
        else:
            status = 400
    sides = [duplicates.merge_side(request.user, p) for p in (first, second)]
    for p in (first, second):
        _audit(request, p, "read", {IDENTITY, *(p.compartments & {Compartment.ADMINISTRATIVE, Compartment.SOCIAL})})
    return render(request, "referrals/merge.html", {
        "first": first, "second": second, "sides": sides, "form": form,
        "rows": duplicates.identity_rows(first, second)}, status=status)


# Orientation committee -------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def committee(request, service_id):
    _kind(request, AccountKind.STAFF)
    service = Service.objects.filter(pk=service_id, pk__in=access.service_ids(request.user),
                                     has_orientation_committee=True).first()
    if service is None:
        raise Http404
    waiting = list(Referral.objects.filter(service=service, status__in=[Status.COMMITTEE, Status.WAITING])
                   .order_by("received_at"))
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
            decided = Referral.objects.filter(pk__in=[d["referral"] for d in decisions])
            _audit(request, list(decided.exclude(person=None).values_list("person_id", flat=True)), "update",
                   {IDENTITY}, service_id=service.pk)
            messages.success(request, _("Committee meeting recorded."))
            return redirect("referrals:committee", service_id=service.pk)

    _audit(request, _named(waiting), "list", {IDENTITY}, service_id=service.pk)
    return render(request, "referrals/committee.html", {
        "service": service, "form": form, "waiting": waiting, "reasons": DeclineReason.choices,
        "meetings": service.committee_meetings.prefetch_related("referrals")[:10], "post": request.POST,
    })


# Partner ---------------------------------------------------------------------------------------------

def partner_list(request):
    _kind(request, AccountKind.PARTNER)
    rows = list(services.listed_referrals(request.user).select_related("service")[:200])
    _audit(request, _named(rows), "list", {IDENTITY})
    return render(request, "referrals/partner_list.html", {
        "rows": [(r, services.status_label(r)) for r in rows]})


def _send(request, user, template, public=False):
    active = Service.objects.filter(is_active=True).order_by("name")
    form = ReferralForm(request.POST or None, request.FILES or None, services=active, territories=True,
                        public=public, documents=not public)
    if request.method == "POST" and form.is_valid():
        if public:
            if not services.public_rate(services.client_ip(request)):
                add_domain_error(form, services.rate_limited_error())
                return render(request, template, {"form": form}, status=429)
            if form.cleaned_data.get("website"):
                return render(request, "referrals/receipt.html", {"receipt": services.decoy_receipt()})
        service, territory = form.cleaned_data.get("service"), form.cleaned_data.get("territory")
        try:
            referral = services.create_referral(user, form.values(), service_id=service.pk if service else None,
                                                territory_id=territory.pk if territory else None,
                                                documents=[] if public else form.documents())
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if public:
                return render(request, "referrals/receipt.html", {"receipt": referral.receipt})
            messages.success(request, _("Referral sent (%(receipt)s).") % {"receipt": referral.receipt})
            return redirect("referrals:partner_list")
    return render(request, template, {"form": form})


@require_http_methods(["GET", "POST"])
def partner_new(request):
    _kind(request, AccountKind.PARTNER)
    return _send(request, request.user, "referrals/send.html")


@login_not_required
@require_http_methods(["GET", "POST"])
def public_new(request):
    return _send(request, None, "referrals/public.html", public=True)


# Regional regulation -----------------------------------------------------------------------------------

def regulation(request):
    _kind(request, AccountKind.REGULATOR)
    rows = list(services.visible_referrals(request.user).select_related("territory").order_by("received_at"))
    _audit(request, _named(rows), "list", {IDENTITY})
    return render(request, "referrals/regulation.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
def regulation_detail(request, referral_id):
    _kind(request, AccountKind.REGULATOR)
    referral = services.get_referral(request.user, referral_id)
    error = None
    if request.method == "POST":
        service_id, version = request.POST.get("service", ""), request.POST.get("version", "")
        place_id = request.POST.get("place", "")
        try:
            if place_id.isdigit() and version.isdigit():  # routed to one place of a service (aupres.places)
                from aupres.places.services import route_to_place

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
            _audit(request, referral.person_id, "update", {IDENTITY})
            messages.success(request, _("Referral routed."))
            return redirect("referrals:regulation")
    _audit(request, referral.person_id, "read", {IDENTITY})
    from aupres.places.services import routable_places

    suggestions = services.suggest_services(referral, limit=8)
    free_places = [(s.service, places) for s in suggestions
                   if (places := routable_places(request.user, referral, s.service))]
    return render(request, "referrals/regulation_detail.html", {
        "referral": referral, "suggestions": suggestions, "error": error,
        "age": referral.age(), "free_places": free_places})



# Probable duplicates found by the sweep: the heads of service's review queue ------------------------------

def duplicate_queue(request):
    """The pairs the sweep takes for one person, among the records the head of service sees: « même
    personne » opens the merge screen, « personnes différentes » is remembered."""
    _kind(request, AccountKind.STAFF)
    rows = duplicates.review_queue(request.user)
    _audit(request, [p.pk for _pair, a, b in rows for p in (a, b)], "list", {IDENTITY})
    return render(request, "referrals/duplicate_queue.html", {
        "rows": [(pair, a, b, ", ".join(str(duplicates.REASONS[r]) for r in pair.reasons if r in duplicates.REASONS))
                 for pair, a, b in rows]})


@require_http_methods(["POST"])
def duplicate_different(request, pair_id):
    _kind(request, AccountKind.STAFF)
    pair = duplicates.mark_different(request.user, pair_id)
    _audit(request, [pair.first_person_id, pair.second_person_id], "update", {IDENTITY})
    messages.success(request, _("Noted: these two records are different persons; they will not be proposed again."))
    return redirect("referrals:duplicate_queue")
