from django import template

from aupres.sharing import services

register = template.Library()


@register.simple_tag(takes_context=True)
def person_sharing(context, person):
    """What the person page shows in its "Sharing" section, for the signed-in user."""
    user = context["request"].user
    return {
        "consents": list(services.person_consents(user, person)[:50]),
        "can_record": services.can_record_consent(user, person),
        "emergency": services.active_emergency(user, person),
    }


@register.simple_tag(takes_context=True)
def emergency_unread(context):
    request = context.get("request")
    return services.unread_count(getattr(request, "user", None)) if request else 0
