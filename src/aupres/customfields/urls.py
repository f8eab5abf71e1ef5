from django.urls import path

from aupres.customfields import views

app_name = "customfields"
urlpatterns = [
    path("configuration/dispositifs/<int:service_id>/champs/", views.definitions, name="definitions"),
    path("configuration/dispositifs/<int:service_id>/champs/nouveau/", views.definition_add, name="definition_add"),
    path("configuration/champs/<int:field_id>/", views.definition_edit, name="definition_edit"),
    path("suivis/<int:followup_id>/champs/", views.followup_values, name="followup_values"),
    path("indicateurs/champs/<int:field_id>/", views.indicator, name="indicator"),
]
