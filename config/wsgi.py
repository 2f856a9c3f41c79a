"""WSGI entry point: the Procfile's web line serves `config.wsgi:application`.

Django's application is wrapped in the request body limit (config/security/bodylimit.py),
which refuses oversized bodies before anything reads them, and in the charset check
(config/security/charset.py), which refuses a Content-Type naming a charset other than
UTF-8 before Django decodes anything in it; in production, in the router's scheme
(`router_scheme`). Each database connection the app opens
here bounds its statements (DATABASE_STATEMENT_TIMEOUT): web processes only, as no
command loads this module. A config var the settings refuse stops the web line
with the one line the release phase prints (`settings_module.refused`).
"""

import os
import sys

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application
from django.db.backends.signals import connection_created

from config import cache, settings_module
from config.security.bodylimit import BodyLimit
from config.security.charset import Utf8Requests

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# A refused config var stops the web line with the release phase's one line, not a
# traceback through gunicorn's preload (`heroku local`, the line run by hand). Exit
# status 4 is gunicorn's "App failed to load": a worker loading the app (no preload,
# in development) that ends with it stops the master too, where any other status
# had it start the worker again, and again.
APP_LOAD_ERROR = 4


def stop(said: str):
    print(said, file=sys.stderr, flush=True)
    sys.exit(APP_LOAD_ERROR)


if (said := settings_module.refused(os.environ["DJANGO_SETTINGS_MODULE"])) is not None:
    stop(said)
try:
    django_application = get_wsgi_application()
except ImproperlyConfigured as error:
    # A setting refused as the handler loads: a middleware's (the query log's
    # QUERY_LOG), an app's ready(). The same one line; but one raised while
    # handling another error (Django's "Cannot import 'app'" for any ImportError
    # in an app) keeps its traceback, where that error is the news.
    if error.__cause__ is not None or error.__context__ is not None:
        raise
    stop(f"Error: {error}")
application = BodyLimit(Utf8Requests(django_application))


def router_scheme(app):
    """`app` with wsgi.url_scheme read as Django reads the scheme: the router's
    X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER), its first value if it comes twice.

    gunicorn reads no scheme header (config/gunicorn.py: two that disagreed were
    its bare 400 page), so its url_scheme is the router-to-dyno connection's,
    plain HTTP: what reads the environ itself, Sentry's request URL among them,
    said http for every visitor on https. Production alone: in development the
    server is reached directly and the connection's scheme is the one that counts
    (accounts/forms.py's site_origin)."""
    header, secure = settings.SECURE_PROXY_SSL_HEADER

    def with_the_routers_scheme(environ, start_response):
        value = environ.get(header)
        if value is not None:
            first = value.split(",", 1)[0].strip()
            environ["wsgi.url_scheme"] = "https" if first == secure else "http"
        return app(environ, start_response)

    return with_the_routers_scheme


if not settings.DEVELOPMENT:
    application = router_scheme(application)

# Loaded here, before gunicorn forks its workers (preload_app), so they share them:
# redis-py, and botocore's S3 data (config/media/boto_sessions.py).
cache.load_clients()
if apps.is_installed("config.media"):
    from config.media import boto_sessions

    boto_sessions.load_service_data()


def bound_statements(sender, connection, **kwargs):
    """Cancel any statement of this web process that runs longer than
    DATABASE_STATEMENT_TIMEOUT seconds (config/settings.py): set once per
    connection, on the driver's own cursor, so no page's query log shows it."""
    seconds = settings.DATABASE_STATEMENT_TIMEOUT
    if seconds and connection.vendor == "postgresql":
        with connection.connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = %s", [f"{seconds}s"])


connection_created.connect(bound_statements)
