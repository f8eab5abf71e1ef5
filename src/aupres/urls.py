from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from aupres.api import api

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="persons:caseload", permanent=False), name="home"),
    path("compte/", include("aupres.accounts.urls")),
    path("personnes/", include("aupres.persons.urls")),
    path("configuration/", include("aupres.services.urls")),
    path("orientations/", include("aupres.referrals.urls")),
    path("suivis/", include("aupres.followups.urls")),
    path("activite/", include("aupres.encounters.urls")),
    path("indicateurs/", include("aupres.indicators.urls")),
    path("journal/", include("aupres.audit.urls")),
    path("partage/", include("aupres.sharing.urls")),
    path("places/", include("aupres.places.urls")),
    path("terrain/", include("aupres.field.urls")),
    path("soins/", include("aupres.care.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
