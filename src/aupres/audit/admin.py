from django.contrib import admin

from aupres.audit.models import AccessEvent, SignInEvent


@admin.register(AccessEvent)
class AccessEventAdmin(admin.ModelAdmin):
    """Read-only: the trail cannot be edited or deleted through the application."""

    list_display = ("at", "username", "person_id", "service_id", "compartments", "action", "channel", "route")
    list_filter = ("action", "channel")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SignInEvent)
class SignInEventAdmin(admin.ModelAdmin):
    """Read-only, like the access journal: sign-ins through the identity provider (D55)."""

    list_display = ("at", "username", "method", "outcome", "rpps_confirmed")
    list_filter = ("outcome", "method")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
