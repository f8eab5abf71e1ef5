"""The product's URLs plus the three route holes of issue #22, for test_route_holes.py only: an unnamed
screen route, an API operation hidden from the schema with no access check, and a named route whose rule
was copy-pasted (ok for every profession) while it returns the medical profile."""

from django.http import HttpResponse
from django.urls import path
from ninja import NinjaAPI

from aupres.core import access
from aupres.persons.models import MedicalProfile
from aupres.urls import urlpatterns as product_urlpatterns


def _profile(person):
    profile = MedicalProfile.objects.filter(person=person).first()
    return " ".join([profile.general_practitioner, profile.allergies, profile.chronic_conditions,
                     profile.current_treatments]) if profile else ""


def medical_profile_without_compartment_check(request, person_id):
    """Visible persons only (404 otherwise), but no access.require(person, HEALTH): the leak."""
    if not request.user.is_authenticated:
        return HttpResponse(status=404)
    return HttpResponse(_profile(access.get_visible_person(request.user, person_id)))


holes_api = NinjaAPI(urls_namespace="holes", docs_url=None, openapi_url=None)


@holes_api.get("/persons/{int:person_id}/secret", include_in_schema=False, auth=None)
def hidden_secret(request, person_id: int):
    return {"profile": _profile(person_id)}


urlpatterns = [
    *product_urlpatterns,
    path("trou/<int:person_id>/", medical_profile_without_compartment_check),  # hole 1: no name
    path("trou-regle/<int:person_id>/", medical_profile_without_compartment_check, name="hole_wrong_rule"),
    path("api/v1/trous/", holes_api.urls),  # hole 2: an operation hidden from the schema
]
