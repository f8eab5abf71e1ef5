from django.conf import settings
from django.utils.functional import SimpleLazyObject


def aupres(request):
    from aupres.core.access import is_head_of_service

    return {
        "AUPRES_DEMO": settings.DEMO,
        "AUPRES_REQUIRE_2FA": settings.REQUIRE_2FA,
        "AUPRES_IS_HEAD": SimpleLazyObject(lambda: is_head_of_service(getattr(request, "user", None))),
        "AUPRES_EMERGENCY_UNREAD": SimpleLazyObject(lambda: _emergency_unread(request)),
    }


def _emergency_unread(request):
    from aupres.sharing.services import unread_count

    return unread_count(getattr(request, "user", None))
