from django.db import Error, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from catalog.models import Product


class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        # Two queries whatever the catalog's size: the products, then their features.
        latest = Product.objects.published().for_list().sorted_by("newest").with_features()[:4]
        return super().get_context_data(latest_products=latest, **kwargs)


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
