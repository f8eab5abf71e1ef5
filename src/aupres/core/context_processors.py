from django.conf import settings


def aupres(request):
    return {"AUPRES_DEMO": settings.DEMO}
