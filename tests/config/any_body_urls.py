"""A fork's view that reads a POST body other than a form (JSON from a script, an empty
POST from an htmx button), marked as config/security/formdata.py asks
(tests/config/test_error_pages.py)."""

import json

from django.http import JsonResponse
from django.urls import path

from config.security.formdata import takes_any_body
from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as site


@takes_any_body
def rate(request):
    if request.method != "POST":
        return JsonResponse({"error": "POST only"}, status=405)
    sent = json.loads(request.body or b"{}")
    return JsonResponse({"stars": sent.get("stars")})


@takes_any_body
def echo_form(request):
    """A marked view that also takes a form (htmx sends its form's fields)."""
    return JsonResponse({"bio": request.POST.get("bio")})


@takes_any_body
async def rate_async(request):
    return JsonResponse({"stars": json.loads(request.body or b"{}").get("stars")})


urlpatterns = [
    path("rate/", rate),
    path("form/", echo_form),
    path("rate-async/", rate_async),
    *site,
]
