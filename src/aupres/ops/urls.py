from django.urls import path

from aupres.ops import views

app_name = "ops"
urlpatterns = [
    path("health/", views.health_view, name="health"),
    path("metrics/", views.metrics_view, name="metrics"),
]
