"""Letters under /api/v1/ (issue #17): a service's templates (head of service edits), a letter as a PDF."""

import datetime

from django.http import HttpResponse
from ninja import Field, Router, Schema
from ninja.responses import Status as Reply

from aupres.letters import services
from aupres.letters.models import LetterKind

router = Router(tags=["letters"])
ID = {"ge": 1, "le": 2**62}


class TemplateIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    kind: LetterKind
    body: str = Field(..., min_length=1, max_length=services.BODY_LIMIT)


class TemplatePatch(TemplateIn):
    version: int = Field(..., ge=1, le=2**31)


class TemplateOut(Schema):
    id: int
    service_id: int
    title: str
    kind: LetterKind
    body: str
    version: int
    updated_at: datetime.datetime


class LetterIn(Schema):
    template: int = Field(..., **ID)
    followup: int | None = Field(None, **ID)


@router.get("/services/{int:service_id}/letter-templates", response=list[TemplateOut],
            summary="The service's letter templates (its members)")
def list_templates(request, service_id: int):
    _service, found, _can_edit = services.service_templates(request.user, service_id)
    return found


@router.post("/services/{int:service_id}/letter-templates", response={201: TemplateOut},
             summary="Add a letter template (head of service); placeholders such as {{ person.first_name }}")
def create_template(request, service_id: int, payload: TemplateIn):
    return Reply(201, services.create_template(request.user, service_id, payload.title, payload.kind, payload.body))


@router.patch("/letter-templates/{int:letter_template_id}", response=TemplateOut,
              summary="Change a letter template (head of service)")
def update_template(request, letter_template_id: int, payload: TemplatePatch):
    return services.update_template(request.user, letter_template_id, payload.version, payload.title, payload.kind,
                                    payload.body)


@router.post("/persons/{int:person_id}/letters", summary="A letter for the person from a template, as a PDF")
def generate(request, person_id: int, payload: LetterIn):
    name, pdf = services.generate(request.user, person_id, payload.template, payload.followup)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
