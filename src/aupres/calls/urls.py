from django.urls import path

from aupres.calls import views

app_name = "calls"

urlpatterns = [
    path("", views.index, name="index"),
    path("pilotage/", views.steering, name="steering"),
    path("enveloppes/nouvelle/", views.envelope_create, name="envelope_create"),
    path("nouvel-appel/", views.call_create, name="call_create"),
    path("<int:call_id>/", views.call_detail, name="call_detail"),
    path("<int:call_id>/lettre/", views.letter, name="letter"),
    path("candidatures/<int:proposal_id>/", views.proposal, name="proposal"),
]
