from django.utils.functional import SimpleLazyObject

from aupres.home.navigation import menu


def navigation(request):
    """The menu's entries; AUPRES_MENU_MORE: those shown under « Plus » (issue #13)."""
    items = SimpleLazyObject(lambda: menu(request))
    return {"AUPRES_MENU": items,
            "AUPRES_MENU_MORE": SimpleLazyObject(lambda: [item for item in items if item.more])}
