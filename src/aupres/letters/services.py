"""Letters (issue #17): a service's templates, edited by its head of service; a referral letter or an admission
request generated as a PDF for a person by a member of a team that follows them.

- Templates: listed for the members of the service, created and changed by its head of service (D51). The text
  is a Django template run by a sandboxed Engine (sandbox.py: {% if %} and a few filters; no load, include,
  url, debug…; refused when saved), on a whitelisted context of plain values (letter_context): the person's
  names, birth date and age, the service, the follow-up's dates and referent, the author, the day.
- Generating: the person is visible and followed by one of the user's services (access.require_write: the
  following team, not a consent or an emergency access), the template is one of those services'. The text is
  rendered as plain text, then escaped into the letter's page (no HTML of the template reaches WeasyPrint),
  and the page is printed by the activity report's PDF helper (indicators.reports.render_pdf). Journaled as
  an export of the administrative compartment in the template's service; the PDF is not stored.
"""

from django.template import Context, Engine, TemplateSyntaxError
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from aupres.audit.services import record
from aupres.core import access
from aupres.core.errors import DomainError, NotFound, stale_edit_error
from aupres.core.models import Compartment, StaleEdit
from aupres.followups.models import FollowUp
from aupres.indicators.reports import render_pdf
from aupres.letters.models import LetterKind, LetterTemplate
from aupres.services.models import Service


class SandboxEngine(Engine):
    """Django's engine without its default builtins (defaulttags, defaultfilters, loader_tags): only sandbox.py."""

    default_builtins = []


ENGINE = SandboxEngine(builtins=["aupres.letters.sandbox"], libraries={}, loaders=[], autoescape=False,
                       string_if_invalid="", debug=False)
BODY_LIMIT = 20000
PLACEHOLDERS = ("person.first_name", "person.last_name", "person.alias", "person.birth_date", "person.age",
                "person.sex", "service.name", "service.operator", "followup.opened_on", "followup.referent",
                "author.name", "today")


# Templates ------------------------------------------------------------------------------------------

def compile_body(body):
    """The compiled template, or a DomainError saying what is refused (a tag or filter outside the sandbox)."""
    body = str(body or "")
    if not body.strip():
        raise DomainError(_("Write the text of the letter."), field="body", code="required")
    if len(body) > BODY_LIMIT or "\x00" in body:
        raise DomainError(_("This text is too long."), field="body")
    try:
        return ENGINE.from_string(body)
    except TemplateSyntaxError as error:
        raise DomainError(_("This text uses something letters do not allow: %(error)s") % {"error": error},
                          field="body", code="invalid_template") from None


def _member_service(user, service_id):
    try:
        service_id = int(service_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    if service_id not in access.compartments_by_service(user):
        raise NotFound()
    return Service.objects.get(pk=service_id)


def _managed_service(user, service_id):
    service = _member_service(user, service_id)
    if not access.is_head_of_service(user, service.pk):
        raise NotFound()
    return service


def service_templates(user, service_id):
    """(service, its templates, whether the user edits them): for the members of the service."""
    service = _member_service(user, service_id)
    templates = list(LetterTemplate.objects.filter(service=service))
    return service, templates, access.is_head_of_service(user, service.pk)


def managed_service(user, service_id):
    return _managed_service(user, service_id)


def template_for_edit(user, template_id):
    template = LetterTemplate.objects.select_related("service").filter(pk=template_id).first()
    if template is None:
        raise NotFound()
    _managed_service(user, template.service_id)
    return template


def _clean(title, kind, body):
    title = str(title or "").strip()
    if not title or len(title) > 200:
        raise DomainError(_("Give the template a title (200 characters at most)."), field="title", code="required")
    if kind not in LetterKind.values:
        raise DomainError(_("Unknown kind of letter."), field="kind")
    compile_body(body)
    return title, kind, str(body)


def create_template(user, service_id, title, kind, body):
    service = _managed_service(user, service_id)
    title, kind, body = _clean(title, kind, body)
    return LetterTemplate.objects.create(service=service, title=title, kind=kind, body=body, updated_by=user)


def update_template(user, template_id, version, title, kind, body):
    template = template_for_edit(user, template_id)
    template.title, template.kind, template.body = _clean(title, kind, body)
    template.updated_by = user
    try:
        template.save_versioned(version, update_fields=["title", "kind", "body", "updated_by", "updated_at"])
    except StaleEdit:
        raise stale_edit_error() from None
    return template


# Generating -----------------------------------------------------------------------------------------

def person_for_letters(user, person_id):
    """The person, for a member of a team that follows them (identity: any compartment written)."""
    person = access.get_visible_person(user, person_id)
    access.require_write(person)
    return person


def usable_templates(user, person):
    """The templates of the user's services that follow the person."""
    return list(LetterTemplate.objects.filter(service_id__in=access.following_services_of(user, person))
                .select_related("service"))


def letters_page(user, person_id):
    """The letters screen: the person (named on it: a read, journaled), the templates the user may use and the
    user's services that follow the person (whose templates screens it links to)."""
    person = person_for_letters(user, person_id)
    templates = usable_templates(user, person)
    following = list(Service.objects.filter(pk__in=access.following_services_of(user, person)).order_by("name"))
    record(user, person, "read", {Compartment.ADMINISTRATIVE})
    return person, templates, following


def _name(user):
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def letter_context(person, template, followup, author, today=None):
    """The whitelist: plain values only (strings and dates), never a model, the request or the settings."""
    today = today or timezone.localdate()
    return {
        "person": {"first_name": person.first_name, "last_name": person.last_name, "alias": person.alias,
                   "birth_date": person.birth_date, "age": person.age_label() or "",
                   "sex": str(person.get_sex_display())},
        "service": {"name": template.service.name, "operator": template.service.operator.name},
        "followup": {"opened_on": followup.opened_on if followup else None,
                     "referent": _name(followup.referent) if followup else ""},
        "author": {"name": _name(author)},
        "today": today,
    }


def render_body(template, context):
    return compile_body(template.body).render(Context(context, autoescape=False))


def generate(user, person_id, template_id, followup_id=None):
    """(file name, PDF bytes) of the letter from this template for the person; journaled."""
    person = person_for_letters(user, person_id)
    template = LetterTemplate.objects.select_related("service__operator").filter(
        pk=template_id, service_id__in=access.following_services_of(user, person)).first()
    if template is None:
        raise DomainError(_("Choose a template of one of your services that follows this person."), field="template",
                          code="invalid_template")
    followups = FollowUp.objects.filter(person=person, service_id=template.service_id).select_related("referent")
    if followup_id:
        followup = followups.filter(pk=followup_id).first()
        if followup is None:
            raise DomainError(_("Choose a follow-up of this person by the template's service."), field="followup")
    else:
        followup = followups.order_by("-opened_on", "-pk").first()
    today = timezone.localdate()
    text = render_body(template, letter_context(person, template, followup, user, today))
    html = render_to_string("letters/letter.html", {"template": template, "text": text, "today": today})
    pdf = render_pdf(html)
    record(user, person, "export", {Compartment.ADMINISTRATIVE}, service_id=template.service_id)
    return f"lettre-{template.kind.replace('_', '-')}-{person.pk}-{today:%Y-%m-%d}.pdf", pdf
