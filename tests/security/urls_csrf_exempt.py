"""The site's URLconf and a view a fork might add: a webhook that reads its own body."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as site_patterns


@csrf_exempt
def webhook(request):
    return HttpResponse(str(len(request.body)))


urlpatterns = [path("webhook/", webhook), *site_patterns]
