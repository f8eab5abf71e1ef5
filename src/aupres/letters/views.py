"""Screens of the letters: a person's letters (pick a template, download the PDF), a service's templates."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from aupres.core.errors import DomainError, Forbidden, NotFound
from aupres.core.forms import add_domain_error
from aupres.letters import services
from aupres.letters.forms import TemplateForm


def person(request, person_id):
    # NotFound and Forbidden: the middleware answers 404 and 403 (core.middleware).
    found, templates, following = services.letters_page(request.user, person_id)
    return render(request, "letters/person.html", {"person": found, "templates": templates, "services": following})


@require_POST
def generate(request, person_id):
    try:
        name, pdf = services.generate(request.user, person_id, request.POST.get("template"),
                                      request.POST.get("followup") or None)
    except (NotFound, Forbidden):
        raise  # the middleware answers 404 and 403; never shown as a message on the person's page
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("letters:person", person_id)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def templates(request, service_id):
    service, found, can_edit = services.service_templates(request.user, service_id)
    return render(request, "letters/templates.html", {"service": service, "templates": found, "can_edit": can_edit,
                                                      "placeholders": services.PLACEHOLDERS})


def _form_page(request, form, save, context, status=200):
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
            status = error.status
        else:
            messages.success(request, _("The letter template is saved."))
            return redirect("letters:templates", context["service"].pk)
    elif request.method == "POST":
        status = 400
    return render(request, "letters/template_form.html", {"form": form, "placeholders": services.PLACEHOLDERS,
                                                          **context}, status=status)


@require_http_methods(["GET", "POST"])
def template_add(request, service_id):
    service = services.managed_service(request.user, service_id)
    form = TemplateForm(request.POST if request.method == "POST" else None)
    return _form_page(request, form, lambda d: services.create_template(request.user, service.pk, d["title"],
                                                                        d["kind"], d["body"]),
                      {"service": service, "template": None})


@require_http_methods(["GET", "POST"])
def template_edit(request, letter_template_id):
    template = services.template_for_edit(request.user, letter_template_id)
    initial = {"title": template.title, "kind": template.kind, "body": template.body, "version": template.version}
    form = TemplateForm(request.POST if request.method == "POST" else None, initial=initial)
    return _form_page(request, form, lambda d: services.update_template(
        request.user, template.pk, d["version"] or template.version, d["title"], d["kind"], d["body"]),
        {"service": template.service, "template": template})
