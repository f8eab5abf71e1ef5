from django.urls import path

from aupres.encounters import views

app_name = "encounters"
urlpatterns = [
    path("", views.index, name="index"),
    path("rencontre/nouvelle/", views.encounter_create, name="encounter_create"),
    path("rencontre/acte/", views.act_row, name="act_row"),
    path("personnes/", views.person_pick, name="person_pick"),
    path("personnes/ligne/", views.person_row, name="person_row"),
    path("personnes/nouvelle-ligne/", views.new_person_row, name="new_person_row"),
    path("maraude/", views.street_round, name="street_round"),
    path("orientations/", views.orientation_list, name="orientations"),
    path("orientations/<int:orientation_id>/", views.orientation_detail, name="orientation"),
    path("personnes/<int:person_id>/orientation/", views.orientation_create, name="orientation_create"),
    path("droits/", views.rights_list, name="rights"),
    path("droits/<int:application_id>/", views.rights_detail, name="rights_application"),
    path("personnes/<int:person_id>/droits/", views.rights_create, name="rights_create"),
    path("actions-collectives/", views.collective_actions, name="collective_actions"),
]
