from django.utils.functional import SimpleLazyObject

from aupres.home.navigation import menu


def navigation(request):
    return {"AUPRES_MENU": SimpleLazyObject(lambda: menu(request))}
