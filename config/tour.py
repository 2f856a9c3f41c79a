"""The techniques tour: an index, and helpers every technique's page uses.

Each technique's page shows the problem, the code that solves it (read from the
real file at request time, so it cannot drift from the code) and live evidence.
"""

import json
import os
from functools import cache
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.views.generic import TemplateView

from config import excerpt

# (slug, title, one-line summary); each slug has a page at /tour/<slug>/.
TECHNIQUES = [
    (
        "pipenv",
        "pipenv and .env",
        "Locked, hashed dependencies; secrets from the environment.",
    ),
    ("static-versioning", "Versioned static assets", "Cache-busting URLs from Heroku config vars."),
    ("prefetch", "Bounded prefetch", "Products and features in SQL that does not grow."),
    ("auth-backend", "Profile-joined auth", "User, profile and company in one query."),
    ("s3-media", "Versioned S3 media", "A deleted upload restored from its bucket versions."),
]

# Variables the app reads (see .env.example). Values are never shown, only whether set.
ENVIRONMENT_VARIABLES = [
    "ENVIRONMENT",
    "DJANGO_SECRET_KEY",
    "DJANGO_SECRET_KEY_FALLBACKS",
    "DATABASE_URL",
    "ALLOWED_HOSTS",
    "ADMIN_URL",
    "QUERY_LOG",
    "PAGE_CACHE_SECONDS",
    "DATABASE_STATEMENT_TIMEOUT",
    "REDIS_URL",
    "REDIS_TLS_URL",
    "STATIC_VERSION",
    "CSS_VERSION",
    "JS_VERSION",
    "SENTRY_DSN",
    "SENTRY_TRACES_SAMPLE_RATE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_S3_REGION_NAME",
    "AWS_S3_ENDPOINT_URL",
    "AWS_MEDIA_BUCKET_NAME",
    "AWS_STATIC_BUCKET_NAME",
    "PORT",
    "WEB_CONCURRENCY",
    "DEMO_HOST",
    "DEMO_S3_DATA",
    "EMAIL_HOST",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "DEFAULT_FROM_EMAIL",
]


@cache
def source_excerpt(relative_path: str, start: str, lines: int = 20) -> dict[str, str | int]:
    """At most `lines` lines of a project file, from the first line containing `start`:
    whole definitions, or a `cut` note saying where the excerpt stops short
    (config/excerpt.py).

    Read once per process: the files ship with the release, and a code change
    restarts the process (gunicorn's reload in development)."""
    path = Path(settings.BASE_DIR) / relative_path
    source = path.read_text()
    text = source.splitlines()
    first = next(i for i, line in enumerate(text) if start in line) + 1
    shown = excerpt.span(relative_path, source, first, lines)
    return {
        "path": relative_path,
        "line": first,
        "last": shown.last,
        "code": "\n".join(text[first - 1 : shown.last]),
        "cut": shown.cut,
    }


@cache
def locked_packages() -> list[dict[str, str | bool]]:
    """Runtime packages of Pipfile.lock, each with the version actually installed."""
    lock = json.loads((Path(settings.BASE_DIR) / "Pipfile.lock").read_text())
    rows = []
    for name, entry in sorted(lock["default"].items()):
        locked = entry.get("version", "").removeprefix("==")
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = ""
        rows.append(
            {
                "name": name,
                "locked": locked,
                "installed": installed,
                "hashes": len(entry.get("hashes", [])),
                "matches": installed == locked,
            }
        )
    return rows


def available_techniques() -> list[tuple[str, str, str]]:
    """TECHNIQUES whose page is wired in the URLconf (`tour-<slug>`): a unit removed
    with its URL line drops out of the home page and the index."""
    found = []
    for technique in TECHNIQUES:
        try:
            reverse(f"tour-{technique[0]}")
        except NoReverseMatch:
            continue
        found.append(technique)
    return found


# The index's count of what it lists: a fork may have dropped a unit's page.
COUNT_WORDS = ("No", "One", "Two", "Three", "Four", "Five")


class TourIndexView(TemplateView):
    template_name = "tour/index.html"

    def get_context_data(self, **kwargs):
        techniques = available_techniques()
        n = len(techniques)
        count = COUNT_WORDS[n] if n < len(COUNT_WORDS) else n
        return super().get_context_data(techniques=techniques, count=count, **kwargs)


class PipenvTourView(TemplateView):
    template_name = "tour/pipenv.html"

    def get_context_data(self, **kwargs):
        packages = locked_packages()
        return super().get_context_data(
            packages=packages,
            all_match=all(row["matches"] for row in packages),
            variables=[(name, bool(os.environ.get(name))) for name in ENVIRONMENT_VARIABLES],
            environment=settings.ENVIRONMENT,
            # What the settings made of it: anything but `development` is production.
            mode="development" if settings.DEVELOPMENT else "production",
            pipfile=source_excerpt("Pipfile", "[packages]", 13),
            settings_excerpt=source_excerpt("config/settings.py", "if DEVELOPMENT:", 7),
            **kwargs,
        )
