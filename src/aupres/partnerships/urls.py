from django.urls import path

from aupres.partnerships import views

app_name = "partnerships"

urlpatterns = [
    path("dispositifs/<int:service_id>/", views.register, name="register"),
    path("dispositifs/<int:service_id>/registre.pdf", views.register_pdf, name="register_pdf"),
    path("<int:partnership_id>/", views.partnership, name="partnership"),
    path("<int:partnership_id>/convention/", views.document, name="document"),
]
