"""The partnerships register of a service (issue #18), reached from the service's page."""

from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from aupres.core.errors import DomainError, Forbidden
from aupres.core.forms import add_domain_error
from aupres.partnerships import services
from aupres.partnerships.forms import EndForm, PartnershipForm


@require_http_methods(["GET", "POST"])
def register(request, service_id):
    service = services.readable_service(request.user, service_id)
    manage = services.can_manage(request.user, service)
    form = PartnershipForm(request.POST or None, request.FILES or None) if manage else None
    if request.method == "POST" and not manage:
        raise Forbidden(_("Only a head of service of this operator keeps its partnerships."))
    if form is not None and form.is_bound and form.is_valid():
        try:
            services.add(request.user, service, form.values(), form.cleaned_data.get("document"))
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Partnership recorded."))
            return redirect("partnerships:register", service_id=service.pk)
    return render(request, "partnerships/register.html", {
        "service": service, "partnerships": services.partnerships(request.user, service), "form": form})


def document(request, partnership_id):
    partnership = services.get_document(request.user, partnership_id)
    return FileResponse(partnership.document.open("rb"), content_type="application/pdf", as_attachment=True,
                        filename=f"convention-{partnership.pk}.pdf")


@require_http_methods(["GET", "POST"])
def partnership(request, partnership_id):
    """One partnership: change it, or end it (a date and a reason); the team reads it."""
    item = services.get_partnership(request.user, partnership_id)
    manage = services.can_manage(request.user, item.service)
    what = request.POST.get("what")
    if request.method == "POST" and not manage:
        raise Forbidden(_("Only a head of service of this operator keeps its partnerships."))
    form = end_form = None
    if manage:
        initial = {name: getattr(item, name) for name in services.EDITABLE}
        form = PartnershipForm(request.POST if what == "edit" else None, request.FILES if what == "edit" else None,
                               initial={**initial, "version": item.version})
        end_form = EndForm(request.POST if what == "end" else None, initial={"version": item.version})
    for bound, save in ((form, lambda d: services.update(request.user, item.pk, form.values(), d.get("version") or 0,
                                                         d.get("document"))),
                        (end_form, lambda d: services.end(request.user, item.pk, d["ends_on"], d["end_reason"],
                                                          d["version"]))):
        if bound is not None and bound.is_bound and bound.is_valid():
            try:
                save(bound.cleaned_data)
            except DomainError as error:
                add_domain_error(bound, error)
            else:
                messages.success(request, _("Partnership saved."))
                return redirect("partnerships:partnership", partnership_id=item.pk)
    return render(request, "partnerships/partnership.html", {"item": item, "form": form, "end_form": end_form})


def register_pdf(request, service_id):
    service = services.readable_service(request.user, service_id)
    pdf = services.register_pdf(request.user, service)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="partenariats-{service.pk}.pdf"'
    return response
