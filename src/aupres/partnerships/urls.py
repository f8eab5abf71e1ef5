from django.urls import path

from aupres.partnerships import views

app_name = "partnerships"

urlpatterns = [
    path("dispositifs/<int:service_id>/", views.register, name="register"),
    path("<int:partnership_id>/convention/", views.document, name="document"),
]
