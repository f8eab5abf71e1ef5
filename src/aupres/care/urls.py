from django.urls import path

from aupres.care import views

app_name = "care"
urlpatterns = [
    path("", views.home, name="home"),
    path("services/<int:service_id>/", views.ward, name="ward"),
    path("services/<int:service_id>/indicateurs/", views.figures, name="figures"),
    path("personnes/<int:person_id>/", views.person, name="person"),
    path("personnes/<int:person_id>/probleme/", views.condition_add, name="condition_add"),
    path("personnes/<int:person_id>/prescription/", views.prescription_add, name="prescription_add"),
    path("personnes/<int:person_id>/transmission/", views.transmission_add, name="transmission_add"),
    path("personnes/<int:person_id>/douleur/", views.pain_add, name="pain_add"),
    path("personnes/<int:person_id>/echelles/", views.scale_add, name="scale_add"),
    path("personnes/<int:person_id>/sejour/", views.stay_reason_add, name="stay_reason_add"),
    path("personnes/<int:person_id>/prescription-soins/", views.care_prescription_add, name="care_prescription_add"),
    path("personnes/<int:person_id>/fhir/", views.fhir_export, name="fhir_export"),
    path("personnes/<int:person_id>/reseau/", views.contact_add, name="contact_add"),
    path("prescriptions/<int:prescription_id>/dose/", views.dose, name="dose"),
    path("cim10/", views.icd10_search, name="icd10_search"),
    path("problemes/<int:condition_id>/", views.condition_edit, name="condition_edit"),
    path("prescriptions/<int:prescription_id>/arret/", views.prescription_stop, name="prescription_stop"),
]
