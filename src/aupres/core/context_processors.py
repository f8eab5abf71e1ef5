from django.conf import settings
from django.utils.functional import SimpleLazyObject


def aupres(request):
    from aupres.core.access import is_head_of_service

    return {
        "AUPRES_DEMO": settings.DEMO,
        "AUPRES_REQUIRE_2FA": settings.REQUIRE_2FA,
        "AUPRES_IS_HEAD": SimpleLazyObject(lambda: is_head_of_service(getattr(request, "user", None))),
    }
