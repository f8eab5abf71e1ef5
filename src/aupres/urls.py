from django.contrib import admin
from django.urls import include, path

from aupres.api import api
from aupres.home import views as home_views

urlpatterns = [
    path("", home_views.home, name="home"),  # each kind of account lands on its own work (issue #13)
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
    path("import/", include("aupres.imports.urls")),
    path("appels/", include("aupres.calls.urls")),
    path("partenariats/", include("aupres.partnerships.urls")),
    path("lettres/", include("aupres.letters.urls")),
    path("qualite/", include("aupres.quality.urls")),
    path("ops/", include("aupres.ops.urls")),
    path("", include("aupres.customfields.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
