from django.urls import path

from aupres.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:batch_id>/correspondance/", views.mapping, name="mapping"),
    path("<int:batch_id>/", views.batch, name="batch"),
    path("<int:batch_id>/etat/", views.status, name="status"),
    path("<int:batch_id>/importer/", views.run, name="run"),
    path("<int:batch_id>/annuler/", views.undo, name="undo"),
]
