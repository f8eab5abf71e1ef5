from django.urls import path

from aupres.indicators import views

app_name = "indicators"
urlpatterns = [
    path("", views.home, name="home"),
    path("dispositifs/<int:service_id>/", views.service_dashboard, name="service"),
    path("organismes/<int:operator_id>/", views.operator_dashboard, name="operator"),
    path("territoire/", views.funder_view, name="funder"),
    path("territoire/<slug:code>/", views.funder_table, name="funder_table"),
    path("besoins/", views.needs_view, name="needs"),
    path("export/<str:scope>/<int:scope_id>.<str:fmt>", views.export, name="export"),
    path("dispositifs/<int:service_id>/transmettre/", views.submit, name="submit"),
    path("dispositifs/<int:service_id>/budget/", views.budget, name="budget"),
    path("dispositifs/<int:service_id>/rapport/<int:year>/", views.report, name="report"),
    path("dispositifs/<int:service_id>/rapport/<int:year>/apercu/", views.report_preview, name="report_preview"),
    path("dispositifs/<int:service_id>/rapport/<int:year>/generer/", views.report_generate, name="report_generate"),
    path("rapports/<int:generation_id>/etat/", views.report_status, name="report_status"),
    path("rapports/<int:generation_id>/fichier/", views.report_file, name="report_file"),
]
