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
    model = Membership
    extra = 0


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "operator", "kind", "capacity", "capacity_unit", "is_active"]
    list_filter = ["kind", "operator"]
    inlines = [MembershipInline]
