from django.conf import settings
from django.db import Error, connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView


class HomeView(TemplateView):
    template_name = "home.html"


@never_cache
@require_safe
def healthz(request):
    """200 when the database answers a trivial query, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Error:  # OperationalError when unreachable, InterfaceError when dropped
        return JsonResponse({"database": "unavailable"}, status=503)
    return JsonResponse({"database": "ok"})


@require_safe
def robots_txt(request):
    """Keep crawlers out of the admin. No database, no template: also the cheapest
    Django response this app can give, which the load benchmark uses as its ceiling."""
    return HttpResponse(
        f"User-agent: *\nDisallow: /{settings.ADMIN_URL}\n", content_type="text/plain"
    )
