from django.contrib import admin

from aupres.audit.models import AccessEvent


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
