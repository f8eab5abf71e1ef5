from django.contrib import admin

from aupres.services.models import Membership, Operator, Service, ServiceKind, Territory


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["name", "code"]


@admin.register(Operator)
class OperatorAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "territory"]


@admin.register(ServiceKind)
class ServiceKindAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "capacity_unit", "default_capacity"]


class MembershipInline(admin.TabularInline):
    """Read only: teams change through the configuration screens or the API, which check who grants health
    access, journal the change and notify the heads of service (issue #11)."""

    model = Membership
    extra = 0
    can_delete = False
    readonly_fields = ["user", "profession", "etp", "is_coordinating", "is_on_call", "start_date", "end_date",
                       "notified_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "operator", "kind", "capacity", "capacity_unit", "is_active"]
    list_filter = ["kind", "operator"]
    inlines = [MembershipInline]
