"""A fork's view that reads a POST body other than a form (JSON from a script, an empty
POST from an htmx button), marked as config/security/formdata.py asks
(tests/config/test_error_pages.py)."""

import json

from django.http import JsonResponse
from django.urls import path

from config.security.formdata import takes_any_body
from config.urls import urlpatterns as site


@takes_any_body
def rate(request):
    if request.method != "POST":
        return JsonResponse({"error": "POST only"}, status=405)
    sent = json.loads(request.body or b"{}")
    return JsonResponse({"stars": sent.get("stars")})


urlpatterns = [path("rate/", rate), *site]
