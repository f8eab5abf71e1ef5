from django.urls import path

from aupres.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.journal, name="journal"),
    path("personnes/<int:person_id>/export.pdf", views.person_export_pdf, name="person_export_pdf"),
]
