"""Site-wide views: home, /healthz, robots.txt, the 400/403/404, 500/503 and CSRF
failure pages, and the staff-only Sentry check."""

import logging
import sys

from django.conf import settings
from django.db import Error, connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import decorator_from_middleware, method_decorator
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from catalog.kept import kept_html, marks_kept
from catalog.models import Product
from config import database, env
from config.security.headers import form_methods_only
from config.security.staffonly import superuser_only
from config.tour import available_techniques

logger = logging.getLogger(__name__)

# Seconds a client (or a monitor) is asked to wait before retrying while the
# database is unreachable: about what a Heroku Postgres failover takes.
RETRY_AFTER_SECONDS = 30


@method_decorator(marks_kept, name="dispatch")  # the footer then says why it ran no query
class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        # The same for every visitor: rendered once per catalog change (catalog/kept.py).
        content = kept_html(self.request, "_home.html", self.content_context)
        return super().get_context_data(content=content, **kwargs)

    @staticmethod
    def content_context() -> dict:
        # Two queries whatever the catalog's size: the products, then their features.
        latest = Product.objects.published().for_list().sorted_by("newest").with_features()[:4]
        return {"latest_products": latest, "techniques": available_techniques()}


HEALTHZ_PATH = "/healthz"


class HealthzMiddleware:
    """/healthz answered before the session middleware (config/settings.py): a
    monitor or a browser that sends its session cookie had the session read first,
    and with the database down got the site's HTML 503 in place of the JSON. The
    host is checked as CommonMiddleware, further in, would check it; the answer's
    Content-Length is config/head.py's, which gives every answer one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info != HEALTHZ_PATH:
            return self.get_response(request)
        request.get_host()  # DisallowedHost, the 400 page, for a host not allowed
        return healthz(request)


@never_cache
@require_safe
def healthz(request):
    """200 when the database answers a trivial query, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Error as error:  # OperationalError when unreachable, InterfaceError when dropped
        # The reason (refused, timed out, TLS required but not offered) for the log.
        reason = env.libpq_said(str(error), getattr(settings, "DATABASE_URL", ""))
        logger.warning("healthz: database unavailable: %s", reason)
        response = JsonResponse({"database": "unavailable"}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return JsonResponse({"database": "ok"})


ROBOTS_TXT = "User-agent: *\nDisallow: /accounts/\nDisallow: /debug/\n"


@require_safe
def robots_txt(request):
    """Keep crawlers off the account and debug pages. Not the admin: a Disallow line
    would publish a custom ADMIN_URL to anyone; its pages ask not to be indexed
    themselves (templates/admin/base_site.html). No template, and no database for a
    visitor without a session cookie (with one, the middleware reads the session):
    also the cheapest Django response this app can give, which the load benchmark
    uses as its ceiling."""
    return HttpResponse(ROBOTS_TXT, content_type="text/plain")


def server_error(request):
    """handler500: a database out of reach, or refusing writes for now, is a 503 "try
    again", anything else a 500.

    Django calls it for any exception a view, a template or a middleware let
    through, with the exception still being handled (so `sys.exc_info()` has it).
    Neither page touches the database or the request: both are rendered without
    context processors from templates that extend nothing that could fail.
    """
    if database.unavailable(sys.exc_info()[1]):
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        add_never_cache_headers(response)
        return response
    return HttpResponseServerError(render_to_string("500.html"))


class _ErrorPageCsrf(CsrfViewMiddleware):
    """What Django's `requires_csrf_token` gives its error pages (a CSRF token for
    the header's logout form, and its cookie), without checking the request's own
    token: for a POST that check reads the body, and a body Django could not read
    the first time (a form declared in any charset but UTF-8) raises the same
    error again inside the error page, which turns a 400 into a 500."""

    def process_view(self, request, callback, callback_args, callback_kwargs):
        return None


error_page_csrf = decorator_from_middleware(_ErrorPageCsrf)
# Django's own 400, 403 and 404 views (their templates, their context), each
# under error_page_csrf instead of requires_csrf_token.
bad_request = error_page_csrf(defaults.bad_request.__wrapped__)
permission_denied = error_page_csrf(defaults.permission_denied.__wrapped__)
page_not_found = error_page_csrf(defaults.page_not_found.__wrapped__)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a plain 403 page; the reason goes to the log, not the page."""
    return render(request, "403_csrf.html", status=403)


class SentryCheckError(Exception):
    """Raised on purpose by the Sentry check page."""


@superuser_only
@form_methods_only
def sentry_check(request):
    """Superusers only: a button that raises an error, to see it arrive in Sentry after
    a deploy.

    Sentry's setup guide asks for such a view; it gives anyone else a 404 (not a
    redirect to the admin login, which would reveal ADMIN_URL), staff without the
    superuser flag included (each click is an event, against the project's quota),
    and a superuser only the 500 page.
    """
    if request.method == "POST":
        raise SentryCheckError("Raised on purpose from the Sentry check page.")
    return render(request, "debug/sentry_check.html", {"enabled": bool(settings.SENTRY_DSN)})
