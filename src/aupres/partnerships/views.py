"""The partnerships register of a service (issue #18), reached from the service's page."""

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from aupres.core.errors import DomainError, Forbidden
from aupres.core.forms import add_domain_error
from aupres.partnerships import services
from aupres.partnerships.forms import PartnershipForm


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
