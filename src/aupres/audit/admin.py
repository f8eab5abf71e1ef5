from django.contrib import admin

from aupres.audit.models import AccessEvent, SignInEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """A journal shown read-only: it cannot be added to, edited or deleted through the application."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAdmin):
    """Read-only: the trail cannot be edited or deleted through the application."""

    list_display = ("at", "username", "person_id", "service_id", "compartments", "action", "channel", "route")
    list_filter = ("action", "channel")
    date_hierarchy = "at"


@admin.register(SignInEvent)
class SignInEventAdmin(ReadOnlyAdmin):
    """Read-only, like the access journal: sign-ins through the identity provider (D55)."""

    list_display = ("at", "username", "method", "outcome", "rpps_confirmed")
    list_filter = ("outcome", "method")
    date_hierarchy = "at"
