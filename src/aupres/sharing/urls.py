from django.urls import path

from aupres.sharing import views

app_name = "sharing"
urlpatterns = [
    path("personnes/<int:person_id>/consentement/", views.consent_add, name="consent_add"),
    path("consentements/<int:consent_id>/retrait/", views.consent_withdraw, name="consent_withdraw"),
    path("urgence/", views.emergency, name="emergency"),
    path("urgence/notifications/", views.notifications, name="notifications"),
    path("urgence/notifications/lues/", views.notifications_read, name="notifications_read"),
]
