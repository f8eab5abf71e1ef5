from django.urls import path

from aupres.followups import views

app_name = "followups"
urlpatterns = [
    path("<int:followup_id>/", views.detail, name="detail"),
    path("<int:followup_id>/etape/", views.transition, name="transition"),
    path("<int:followup_id>/allegement/", views.lighten, name="lighten"),
    path("<int:followup_id>/evaluations/nouvelle/", views.assessment_add, name="assessment_add"),
    path("<int:followup_id>/bilan-de-sante/", views.health_check_add, name="health_check_add"),
    path("<int:followup_id>/projet/", views.plan_add, name="plan_add"),
    path("<int:followup_id>/objectifs/nouveau/", views.objective_add, name="objective_add"),
    path("<int:followup_id>/objectifs/<int:objective_id>/", views.objective_edit, name="objective_edit"),
    path("<int:followup_id>/bilan-des-objectifs/", views.evaluation_add, name="evaluation_add"),
]
