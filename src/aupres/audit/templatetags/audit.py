from django import template

from aupres.audit import services

register = template.Library()


@register.simple_tag(takes_context=True)
def person_accesses(context, person, limit=10):
    """The latest accesses to a person's record (who, when, what kind), for the person's page."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return services.person_accesses(user, person, limit)


@register.simple_tag(takes_context=True)
def can_export(context, person):
    request = context.get("request")
    try:
        services.exportable_person(request.user, person.pk)
    except Exception:  # noqa: BLE001 - any refusal means no button
        return False
    return True
