"""Checks of the platform: static files collected, the admin reachable at
ADMIN_URL and, in the release phase, a Redis that takes the app's connection
(errors, so the release phase stops), and the `check --deploy` warning that
mail can leave.

(The media bucket's checks are the media app's: config/media/checks.py.)
"""

import ssl

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.checks import Error, Tags, Warning, register
from django.core.files.storage import FileSystemStorage, storages
from django.db import connections
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.module_loading import import_string

from config import cache, env


@register("static_manifest")
def static_files_are_collected(app_configs, **kwargs):
    """Every page links its stylesheet through the manifest collectstatic writes at
    build: without it (DISABLE_COLLECTSTATIC=1, or a build step that skipped it)
    each page would fail while /healthz still answered. Checked by the commands
    that run system checks (`migrate`, `check`, `runserver`), not by collectstatic,
    which runs only its own: the release phase (`migrate`) stops the deploy before it
    goes live.

    Static files on a bucket (AWS_STATIC_BUCKET_NAME) are looked at in the release
    phase only, reading its manifest once: setting that variable on a built app
    makes a release without a build, so nothing was collected to the bucket."""
    # The class, not the storage: a manifest storage reads its manifest when it is
    # made, which on a bucket is an S3 request.
    backend = import_string(storages.backends["staticfiles"]["BACKEND"])
    if settings.DEBUG or not issubclass(backend, ManifestFilesMixin):
        return []
    if not issubclass(backend, FileSystemStorage):
        return _manifest_on_the_bucket() if env.in_release_phase() else []
    storage = staticfiles_storage
    if storage.exists(storage.manifest_name):
        return []
    return [
        Error(
            f"{storage.path(storage.manifest_name)} does not exist: static files were not "
            "collected, so every page would fail to link its stylesheet.",
            hint="Heroku's build runs `manage.py collectstatic` unless DISABLE_COLLECTSTATIC "
            "is set: unset it (`heroku config:unset DISABLE_COLLECTSTATIC`) and deploy "
            "again, or run collectstatic in your own build step. A config var change makes "
            "a release but no build: after `heroku config:unset AWS_STATIC_BUCKET_NAME`, "
            "whose build collected to the bucket, build again (git commit --allow-empty "
            "-m 'Collect static files' && git push heroku main).",
            id="config.E001",
        )
    ]


# Admin pages the site serves itself, on purpose, at the admin's own path.
ADMIN_PAGES_OF_THE_SITE = {
    # The same form, counting wrong current passwords (accounts/urls.py).
    "password_change": "accounts:admin_password_change",
    # Its done page, refused to the demo's shared logins (accounts/urls.py).
    "password_change_done": "accounts:admin_password_change_done",
    # The admin's logout, with a page for a visit instead of a blank 405 (accounts/urls.py).
    "logout": "accounts:admin_logout",
}


def _manifest_on_the_bucket() -> list[Error | Warning]:
    """E003 when the bucket has no manifest, or one Django cannot read; E004 when S3
    refuses the request (a 301 for a wrong region, or a 4xx: keys it does not know,
    or whose policy names another bucket; no keys; a name or region botocore
    refuses), which the release brought
    if the one before served its pages; W005 when S3 does not answer (an outage
    must not stop a rollback or a config change: its pages would fail the same with
    or without the release); E008 when the manifest is read but Amazon's S3 names
    another region for the bucket than AWS_S3_REGION_NAME, whose host the pages'
    links name."""
    hint = (
        "A config var change makes a release but no build, and collectstatic uploads to "
        "the static bucket at build time: build again (git commit --allow-empty -m "
        "'Collect static files' && git push heroku main). If the build cannot upload "
        "either, check the bucket's name and region (AWS_STATIC_BUCKET_NAME, "
        "AWS_S3_REGION_NAME)."
    )
    # The static bucket's storage is the media unit's (config/media/boto_sessions.py).
    from config.media import versions

    options = storages.backends["staticfiles"].get("OPTIONS", {})
    where = f"staticfiles.json on the static bucket {options.get('bucket_name')!r}"
    try:
        # Made here: it reads the manifest; without one, its files
        # and hash are empty.
        found = bool(staticfiles_storage.hashed_files or staticfiles_storage.manifest_hash)
    except versions.storage_errors() as exc:
        if versions.refused(exc, endpoint=versions.another_servers(options.get("endpoint_url"))):
            message = (
                f"{where}: S3 refused to read it, or cannot be reached as configured "
                f"({type(exc).__name__}: {exc})."
            )
            refused_hint = (
                "Every page would fail to link its stylesheet. Check the bucket's name "
                "and region, AWS_S3_ENDPOINT_URL (its scheme, host and certificate), "
                "and that the keys in AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY may read it (docs/iam/app-policy.json names the "
                "static bucket)."
            )
            return [Error(message, hint=refused_hint, id="config.E004")]
        message = f"{where} could not be read ({type(exc).__name__}: {exc})."
        return [
            Warning(
                message,
                hint="Run `manage.py check` again once S3 answers; if it answers other apps, "
                "check AWS_S3_REGION_NAME and AWS_S3_ENDPOINT_URL.",
                id="config.W005",
            )
        ]
    except ValueError as exc:  # Django's "Couldn't load manifest" (not JSON, an old version)
        return [Error(f"{where} cannot be used: {exc}", hint=hint, id="config.E003")]
    if found:
        elsewhere = versions.region_elsewhere(staticfiles_storage)
        return _in_another_region(options.get("bucket_name"), elsewhere) if elsewhere else []
    message = f"{where} does not exist: every page would fail to link its stylesheet."
    return [Error(message, hint=hint, id="config.E003")]


def _in_another_region(bucket: str, elsewhere: tuple[str, str]) -> list[Error]:
    """E008 for `versions.elsewhere()`'s answer: on Amazon's S3 botocore follows S3's
    redirect, so collectstatic and the manifest's read succeed, while the pages'
    links, on the configured region's host, are not served."""
    found, signs_for = elsewhere
    return [
        Error(
            f"The static bucket {bucket!r} is in {found}, not {signs_for}, whose host the "
            "pages' links to their stylesheet and scripts name: S3 answers them for a "
            "bucket elsewhere with a redirect a browser cannot follow, or refuses them.",
            hint=f"Set the buckets' region: heroku config:set AWS_S3_REGION_NAME={found}",
            id="config.E008",
        )
    ]


@register("urls")
def admin_is_at_its_url(app_configs, **kwargs):
    """ADMIN_URL is matched after the site's own pages (config/urls.py), so one of
    their paths (`products/`, `accounts/`) would hide an admin page (its index, its
    login, a model's list) behind a page of the site, out of reach."""
    from django.contrib import admin

    names = ["index", "login", "logout", "password_change", "password_change_done"] + [
        f"{model._meta.app_label}_{model._meta.model_name}_{page}"
        for model in admin.site._registry
        for page in ("changelist", "add")
    ]
    for name in names:
        try:
            path = reverse(f"admin:{name}")
        except NoReverseMatch:  # a URLconf without the admin: nothing to reach
            return []
        try:
            match = resolve(path)
        except Resolver404:
            match = None
        expected = ADMIN_PAGES_OF_THE_SITE.get(name, f"admin:{name}")
        if match is None or match.view_name != expected:
            found = f"the page {match.view_name!r}" if match else "nothing"
            return [
                Error(
                    f"ADMIN_URL is {env.shown(settings.ADMIN_URL)}: at {env.clipped(path)} the "
                    f"site finds {found}, "
                    f"not {expected!r}, which would be out of reach.",
                    hint="Give ADMIN_URL a path of its own, one no page of the site starts "
                    "with (heroku config:set ADMIN_URL=backstage).",
                    id="config.E002",
                )
            ]
    return []


@register(deploy=True)
def password_reset_mail_has_a_server(app_configs, **kwargs):
    """Django's password reset logs a failed send and still tells the visitor "sent":
    without an SMTP server, nobody learns that no mail ever leaves."""
    smtp = settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
    if smtp and settings.EMAIL_HOST in ("localhost", "127.0.0.1", "::1"):
        return [
            Warning(
                f"EMAIL_HOST is {settings.EMAIL_HOST!r}: a dyno runs no mail server, so "
                "password reset mail is never sent (each attempt is only logged).",
                hint="Set EMAIL_HOST, EMAIL_HOST_USER and EMAIL_HOST_PASSWORD to any SMTP "
                "service's (README, Config vars).",
                id="config.W004",
            )
        ]
    return []


@register(Tags.database)
def database_takes_the_apps_connection(app_configs, databases=None, **kwargs):
    """Where Django's database checks run (`migrate`, so the release line; `check
    --database`): the app's own connection, made once. A value libpq refuses (an
    option of DATABASE_URL such as ?target_session_attrs=read_write, a PG* config
    var, a server without the TLS production requires) or a database that does not
    answer stopped the release with a traceback of some 90 lines: now one error
    (config.E007) in the driver's words, which name no password. So does a database
    that connects but cannot serve the app (`unusable_because`)."""
    errors = []
    for alias in databases or []:
        try:
            problem = unusable_because(connections[alias])
        except Exception as error:  # the driver's, Django's ImproperlyConfigured: any
            url = getattr(settings, "DATABASE_URL", "")
            reason = env.libpq_said(str(error), url) or type(error).__name__
            problem = f"refused the app's connection: {reason}"
        if problem:
            errors.append(
                Error(
                    f"The database {alias!r} {problem}",
                    hint="Check DATABASE_URL's options and any PG* config vars; if the "
                    "database is down, run the command again once it answers (on Heroku, a "
                    "new release runs the release phase again: a push, a config var change).",
                    id="config.E007",
                )
            )
    return errors


def unusable_because(connection) -> str | None:
    """Why the app cannot use this database though it connects, or None.

    A Heroku Postgres follower (a hot standby), or `default_transaction_read_only`
    set on a role or in PGOPTIONS, answers every read and refuses every write: the
    release passed, and every form was a 500. A `search_path` naming no schema that
    exists found none of the tables: pages were 500s while /healthz said 200."""
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:  # the driver's: no query log
        cursor.execute("SELECT current_schema(), current_setting('transaction_read_only')")
        schema, read_only = cursor.fetchone()
    if read_only == "on":
        return "cannot serve the app: it takes no writes (a follower, or read-only by default)"
    if schema is None:
        return "cannot serve the app: its search_path names no schema that exists"
    return None


@register("caches")
def redis_takes_the_apps_connection(app_configs, **kwargs):
    """In the release phase, with the caches on Redis: each server of the URL (Django
    reads from the replicas) is asked a GET through the app's own client. A refusal
    (a password, a database number, an option, a certificate check, a user not
    allowed the app's keys) fails every cache call for as long as the config stays,
    and the throttles then count nothing, as they do through an outage: that stops
    the deploy (config.E006). A server that does not answer is a warning
    (config.W007): pages and counts already survive an outage."""
    on_redis = [
        alias
        for alias, config in settings.CACHES.items()
        if config.get("BACKEND") in cache.REDIS_BACKENDS
    ]
    if not on_redis or not env.in_release_phase():
        return []
    from django.core.cache import caches
    from redis import exceptions

    alias = caches[on_redis[0]]
    client = alias._cache  # Django's RedisCacheClient: its servers, pool class, options
    refused = silent = None
    for server in client._servers:
        try:
            pool = client._pool_class.from_url(server, **client._pool_options)
            client._client(connection_pool=pool).get(alias.make_and_validate_key("release"))
        except (exceptions.ConnectionError, exceptions.TimeoutError, OSError) as error:
            if isinstance(error, exceptions.AuthenticationError) or refused_by_config(error):
                refused = error
            else:
                silent = error
        except (exceptions.RedisError, ValueError, TypeError) as error:  # an answer, or an option
            refused = error
    if refused is not None:
        return [
            Error(
                f"Redis refused the app's connection: {env.clipped(str(refused))}",
                hint="Check REDIS_URL / REDIS_TLS_URL: its password, its database number (0 "
                "to the server's count less one), its options (Heroku's servers present "
                "self-signed certificates, which ssl_cert_reqs=required refuses) and its "
                "user's rights. Heroku's add-on sets them itself: `heroku config:unset` a "
                "value you set over them.",
                id="config.E006",
            )
        ]
    if silent is not None:
        return [
            Warning(
                f"Redis did not answer: {type(silent).__name__}. The release goes on: "
                "pages render and the throttles let requests through until it answers "
                "(a rediss:// URL to a server without TLS fails like this too).",
                id="config.W007",
            )
        ]
    return []


def refused_by_config(error: BaseException) -> bool:
    """Whether `error`, or one it was raised from, is the client's own TLS settings
    refusing: a certificate check failing, a file it cannot read, a cipher it has
    not. A connection closed mid-handshake (a restart, a failover) is not."""
    closed = (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLSyscallError)
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ssl.SSLError) and not isinstance(seen, closed):
            return True
        if isinstance(seen, FileNotFoundError | PermissionError | IsADirectoryError):
            return True
        if "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
