from django.urls import path

from aupres.services import views

app_name = "services"
urlpatterns = [
    path("", views.home, name="home"),
    path("organismes/<int:operator_id>/", views.operator_edit, name="operator_edit"),
    path("organismes/<int:operator_id>/nouveau-dispositif/", views.service_create, name="service_create"),
    path("dispositifs/<int:service_id>/", views.service_detail, name="service_detail"),
    path("dispositifs/<int:service_id>/modifier/", views.service_edit, name="service_edit"),
    path("dispositifs/<int:service_id>/equipe/ajouter/", views.membership_add, name="membership_add"),
    path("equipe/<int:membership_id>/", views.membership_edit, name="membership_edit"),
]
