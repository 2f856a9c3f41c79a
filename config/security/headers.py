"""Response headers the site adds itself: a Permissions-Policy on every response,
`Cache-Control: private` on every response rendered for a logged-in user, and
the methods a form page answers (`form_methods_only`).

- `PermissionsPolicyMiddleware` (before SecurityMiddleware, so its HTTPS
  redirect and its 400 for a host not allowed get it, and static files too)
  sends `settings.PERMISSIONS_POLICY`, a mapping of browser feature to allowed
  origins; an empty list denies the feature to every origin,
  frames included, so injected or framed code cannot ask for the camera.
- `CSPMiddleware` is django-csp's, leaving every one of DEBUG's own error pages
  without the policy: django-csp leaves the 404 and 500 alone, and Django's debug
  page for a 400 (a NUL in a parameter, a host not allowed) got the policy, which
  blocked its inline style, script and handlers. `DebugPageReporter`
  (DEFAULT_EXCEPTION_REPORTER) marks the request that page answers.
- `PrivateCacheMiddleware` marks the response private when the request's session
  holds a logged-in user: shared caches (a proxy, a CDN) must never keep a page
  that shows one user's name, forms or CSRF token for the next visitor. It reads
  the session only when the request carried a session cookie, and then the
  session is already loaded (SessionBackendUpgradeMiddleware), so it costs no
  query and adds no `Vary: Cookie` to anonymous pages.
"""

from csp import middleware as csp
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import SuspiciousOperation
from django.http import QueryDict
from django.urls import URLResolver
from django.utils.cache import patch_cache_control
from django.views import debug
from django.views.decorators.http import require_http_methods

# A form page is read (GET, HEAD) and submitted (POST); anything else, PUT, OPTIONS,
# TRACE or PROPFIND, is a 405 listing these. Class-based views would otherwise
# answer OPTIONS, and FormView treats PUT as POST; function views answer anything.
form_methods_only = require_http_methods(["GET", "HEAD", "POST"])


def wrap_views(urls, wrap):
    """`urls` (an include's patterns, or its (patterns, app, namespace) tuple, as
    `admin.site.urls` gives them) with each pattern's view replaced by
    `wrap(pattern)`, in place: `admin.site.urls` builds its patterns afresh on each
    read, so wrapping them where config/urls.py includes them is safe."""
    patterns = urls[0] if isinstance(urls, tuple) else urls
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            wrap_views(pattern.url_patterns, wrap)
        else:
            pattern.callback = wrap(pattern)
    return urls


def with_form_methods_only(urls):
    """`urls` with every view wrapped in `form_methods_only` (see wrap_views).

    For the admin, whose every page is read or submitted: its login and password
    pages are function views, and its change forms treat PUT as a GET.
    """
    return wrap_views(urls, lambda pattern: form_methods_only(pattern.callback))


def permissions_policy() -> str:
    """The header's value: `camera=(), microphone=(), ...`."""
    return ", ".join(
        f"{feature}=({' '.join(origins)})"
        for feature, origins in settings.PERMISSIONS_POLICY.items()
    )


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.value = permissions_policy()

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.value)
        return response


class PrivateCacheMiddleware:
    """Cache-Control: private on a response for a logged-in user, and on one that
    used the visitor's CSRF token (a form page: signup, a password reset), which
    is theirs alone whoever they are: a shared cache would give it to the next."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        logged_in = session is not None and session.session_key and session.get(SESSION_KEY)
        if logged_in or used_a_csrf_token(request, response):
            patch_cache_control(response, private=True)
        return response


def used_a_csrf_token(request, response) -> bool:
    """Whether the response carries the visitor's CSRF token: get_token() flags the
    request for CsrfViewMiddleware to set the cookie, further out; a view under
    csrf_protect (Django's login and password views) has set it already, and
    cleared the flag."""
    return bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE")) or (
        settings.CSRF_COOKIE_NAME in response.cookies
    )


class DebugPageReporter(debug.ExceptionReporter):
    """DEFAULT_EXCEPTION_REPORTER: Django's, marking the request its HTML answers
    (DEBUG's page for an error, whatever its status). A query or form of more
    fields than Django reads (TooManyFieldsSent) is shown without them: the page
    listing them raised the error it reported again, which escaped every handler."""

    def get_traceback_data(self):
        if self.request is not None:
            for name in ("GET", "POST"):
                try:
                    getattr(self.request, name)  # parsed here, and kept
                except SuspiciousOperation:
                    setattr(self.request, name, QueryDict())
        return super().get_traceback_data()

    def get_traceback_html(self):
        if self.request is not None:
            self.request.debug_page = True
        return super().get_traceback_html()


class CSPMiddleware(csp.CSPMiddleware):
    def process_response(self, request, response):
        if settings.DEBUG and getattr(request, "debug_page", False):
            return response
        return super().process_response(request, response)
