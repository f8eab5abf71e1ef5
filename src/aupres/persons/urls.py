from django.urls import path

from aupres.persons import views

app_name = "persons"
urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("recherche/", views.search, name="search"),
    path("nouvelle/", views.person_create, name="create"),
    path("<int:person_id>/", views.person_detail, name="detail"),
    path("<int:person_id>/modifier/", views.person_edit, name="edit"),
    path("<int:person_id>/lieu-de-vie/", views.living_situation_add, name="living_situation_add"),
    path("<int:person_id>/droits/", views.right_add, name="right_add"),
    path("<int:person_id>/sante/", views.medical_profile_edit, name="medical_profile"),
    path("<int:person_id>/notes/", views.note_add, name="note_add"),
    path("menages/", views.household_list, name="households"),
    path("menages/ligne/", views.household_member_row, name="household_member_row"),
    path("menages/nouveau/", views.household_create, name="household_create"),
    path("menages/<int:household_id>/", views.household_detail, name="household_detail"),
]
