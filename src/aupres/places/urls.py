from django.urls import path

from aupres.places import views

app_name = "places"

urlpatterns = [
    path("", views.index, name="index"),
    path("service/<int:service_id>/", views.board, name="board"),
    path("service/<int:service_id>/nouvelle-place/", views.place_new, name="place_new"),
    path("service/<int:service_id>/admission/", views.admit, name="admit"),
    path("place/<int:place_id>/", views.place_calendar, name="place_calendar"),
    path("place/<int:place_id>/modifier/", views.place_edit, name="place_edit"),
    path("sejour/<int:stay_id>/", views.stay_detail, name="stay"),
    path("sejour/<int:stay_id>/<str:action>/", views.stay_action, name="stay_action"),
    path("regional/", views.regional, name="regional"),
    path("regional/evolution/", views.regional_over_time, name="regional_over_time"),
    path("service/<int:service_id>/registre/", views.attendance, name="attendance"),
    path("parc/", views.park_index, name="park"),
    path("parc/nouveau/", views.apartment_new, name="apartment_new"),
    path("parc/<int:apartment_id>/", views.apartment, name="apartment"),
    path("parc/photo/<int:photo_id>/", views.photo, name="photo"),
    path("parc/<int:apartment_id>/modifier/", views.apartment_edit, name="apartment_edit"),
    path("parc/sinistre/<int:incident_id>/modifier/", views.incident_edit, name="incident_edit"),
    path("parc/role-gestion-locative/", views.property_roles, name="property_roles"),
]
