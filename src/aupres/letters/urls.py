from django.urls import path

from aupres.letters import views

app_name = "letters"
urlpatterns = [
    path("personnes/<int:person_id>/", views.person, name="person"),
    path("personnes/<int:person_id>/pdf/", views.generate, name="generate"),
    path("services/<int:service_id>/modeles/", views.templates, name="templates"),
    path("services/<int:service_id>/modeles/nouveau/", views.template_add, name="template_add"),
    path("modeles/<int:letter_template_id>/", views.template_edit, name="template_edit"),
]
