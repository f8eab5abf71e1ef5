from django.conf import settings
from django.utils.functional import SimpleLazyObject

from aupres.core.access import is_head_of_service, service_ids
from aupres.core.models import Compartment
from aupres.sharing.services import unread_count


def aupres(request):
    return {
        "AUPRES_DEMO": settings.DEMO,
        "AUPRES_REQUIRE_2FA": settings.REQUIRE_2FA,
        "AUPRES_IS_HEAD": SimpleLazyObject(lambda: is_head_of_service(getattr(request, "user", None))),
        "AUPRES_EMERGENCY_UNREAD": SimpleLazyObject(lambda: _emergency_unread(request)),
        "AUPRES_IS_HEALTH": SimpleLazyObject(lambda: _holds_health(request)),
    }


def _holds_health(request):
    """A health professional of some service: may open an emergency access (sharing app)."""

    return bool(service_ids(getattr(request, "user", None), Compartment.HEALTH))


def _emergency_unread(request):
    return unread_count(getattr(request, "user", None))
