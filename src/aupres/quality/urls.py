from django.urls import path

from aupres.quality import views

app_name = "quality"

urlpatterns = [
    path("", views.index, name="index"),
    path("referentiel/", views.referential, name="referential"),
    path("referentiel/<int:criterion_id>/", views.criterion_edit, name="criterion_edit"),
    path("referentiel/axes/<int:axis_id>/", views.axis_edit, name="axis_edit"),
    path("operateurs/<int:operator_id>/referentiel/", views.operator_referential, name="operator_referential"),
    path("operateurs/<int:operator_id>/referentiel/<int:criterion_id>/", views.wording_edit, name="wording_edit"),
    path("dispositifs/<int:service_id>/<int:year>/", views.assessment, name="assessment"),
    path("dispositifs/<int:service_id>/<int:year>/criteres/<int:criterion_id>/", views.assess, name="assess"),
    path("dispositifs/<int:service_id>/<int:year>/synthese/", views.summary, name="summary"),
    path("dispositifs/<int:service_id>/<int:year>/participation/", views.participation, name="participation"),
    path("dispositifs/<int:service_id>/plan/", views.plan, name="plan"),
    path("actions/<int:quality_action_id>/", views.action, name="action"),
    path("dispositifs/<int:service_id>/evenements/", views.events, name="events"),
    path("evenements/<int:event_id>/", views.event, name="event"),
    path("evenements/<int:event_id>/declaration.pdf", views.declaration, name="declaration"),
]
