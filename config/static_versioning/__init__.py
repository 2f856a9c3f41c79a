"""Static versioning: cache-busting versions for static asset URLs, taken from config
vars at start-up.

Public API (settings lines in docs/static-versioning.md, "Use it in your project"):
`resolve(os.environ, manifest=...)` for the `STATIC_ASSET_VERSIONS` setting, the
`{% versioned_static %}` template tag (`{% load versioned_static %}`), the
`versions` context processor, and `cache_hashed_files_for_a_year` for
`WHITENOISE_ADD_HEADERS_FUNCTION`. An installed app (for its template tag) that
depends on Django alone, but for two modules nothing else here imports:
`middleware.py` (WhiteNoise's middleware, answering one-byte ranges) needs
WhiteNoise, and `tour.py` is this site's tour page.

WhiteNoise already puts a hash of each file's content in its name, which is all a
browser that honours `Cache-Control: immutable` needs. A version from the
environment covers the rest: clients and proxies that ignore cache headers,
assets referenced outside templates, copies on a CDN. Every stylesheet and
script URL the site's templates link carries `?v=<version>` for its kind (see
`{% versioned_static %}` in templatetags/versioned_static.py), and the version
changes on a config var change or a deploy, with no code change.

The first of these that is set wins, for each kind of asset:

1. `CSS_VERSION` for stylesheets, `JS_VERSION` for scripts;
2. `STATIC_VERSION`;
3. the deployed commit: `HEROKU_BUILD_COMMIT`, `HEROKU_SLUG_COMMIT`, `SOURCE_VERSION`;
4. a hash of the collected static manifest (staticfiles.json), which changes
   whenever any collected file does;
5. `dev`.

Settings resolve them once (`STATIC_ASSET_VERSIONS`); a config var with characters
unsafe in a URL stops start-up with ImproperlyConfigured naming the variable. A
commit variable is never refused: a commit's whole hash gives its first 7
characters; any other version gives itself followed by the manifest's hash
(`main-1a2b3c4d5e6f`), as the same version may come with every deploy, or 12 hex
digits of a hash of both when that is not 1 to 64 of the safe characters.
"""

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Characters that need no escaping anywhere in a URL, and a length that keeps it short.
SAFE_VERSION = re.compile(r"[A-Za-z0-9._-]{1,64}")
# As long as `git log --oneline` and Heroku's dashboard show it, so it can be matched.
COMMIT_LENGTH = 7
# A commit's whole hash as git writes it (SHA-1, or SHA-256 in a SHA-256 repository),
# as Heroku sets it. Shorter runs of hex digits may be other versions (20240601).
COMMIT_HASH = re.compile(r"[0-9a-fA-F]{40}|[0-9a-fA-F]{64}")
MANIFEST_SOURCE = "staticfiles.json"
KIND_VARIABLES = {"css": "CSS_VERSION", "js": "JS_VERSION"}
# Heroku's names for the commit a dyno runs (HEROKU_BUILD_COMMIT with the
# runtime-dyno-build-metadata lab, HEROKU_SLUG_COMMIT with the older
# runtime-dyno-metadata lab) and for the one being built (SOURCE_VERSION).
COMMIT_VARIABLES = ("HEROKU_BUILD_COMMIT", "HEROKU_SLUG_COMMIT", "SOURCE_VERSION")
KIND_OF_SUFFIX = {".css": "css", ".js": "js", ".mjs": "js"}
ONE_YEAR = 365 * 24 * 60 * 60
# For every hashed static file, served by WhiteNoise or stored on a static bucket.
IMMUTABLE_CACHE_CONTROL = f"max-age={ONE_YEAR}, public, immutable"


@dataclass(frozen=True)
class Version:
    value: str
    # The variable it came from, MANIFEST_SOURCE, or "default".
    source: str

    @property
    def origin(self) -> str:
        """The kind of source, in words (the tour page shows it)."""
        if self.source in COMMIT_VARIABLES:
            return "the deployed commit or version"
        if self.source == MANIFEST_SOURCE:
            return "a hash of the collected files' manifest"
        if self.source == "default":
            return "nothing set: the fallback"
        return "a config var"


@dataclass(frozen=True)
class AssetVersions:
    css: Version
    js: Version
    # Every other kind of asset (images, fonts).
    other: Version

    def for_path(self, path: str) -> Version:
        """The version for a static path, chosen by its kind (its suffix; a query or
        fragment after it, `?#iefix`, is not part of it)."""
        path = path.partition("#")[0].partition("?")[0]
        kind = KIND_OF_SUFFIX.get(PurePosixPath(path).suffix.lower(), "other")
        return getattr(self, kind)


def _from_variable(environ: Mapping[str, str], name: str) -> Version | None:
    """The variable's value if set and not blank; a value unsafe in a URL stops start-up."""
    value = environ.get(name, "").strip()
    if not value:
        return None
    if not SAFE_VERSION.fullmatch(value):
        raise ImproperlyConfigured(
            f"{name} must be 1 to 64 of the characters A-Z a-z 0-9 . _ - "
            f"(it goes into every static URL as ?v=), got {_shown(value)}."
        )
    return Version(value, name)


def _shown(value: str) -> str:
    """`value` for an error message: its first 40 characters, should it be longer (a
    file pasted into a config var made a message, the release phase's one line, as
    long). As config/env.py shows one: a copy, so this app stands alone."""
    return repr(value) if len(value) <= 40 else f"{value[:40]!r}... ({len(value)} characters)"


def _from_commit(environ: Mapping[str, str], name: str, files: str | None) -> Version | None:
    """A commit variable's version; None when it is unset or blank. `files`: the
    manifest's hash (manifest_hash), if there is one.

    Heroku sets these, not the operator: a commit's hash gives its first
    COMMIT_LENGTH characters. Any other version (a Build API source names any as
    SOURCE_VERSION, which the build reads) may be the same on every deploy ("main"),
    so the manifest's hash goes with it: itself and that hash when safe in a URL,
    else 12 hex digits of a hash of both. Stopping on one failed the build, and the
    way out, STATIC_VERSION, outlasted it and hid every later commit; cutting one to
    7 characters gave every build of a month one version; taking one as it was kept
    ?v=main over every later deploy's files."""
    value = environ.get(name, "").strip()
    if not value:
        return None
    if COMMIT_HASH.fullmatch(value):
        return Version(value[:COMMIT_LENGTH], name)
    version = value if files is None else f"{value}-{files}"
    if SAFE_VERSION.fullmatch(version):
        return Version(version, name)
    # surrogateescape: a variable holding bytes that are not UTF-8 reaches Python so.
    digest = hashlib.sha256(version.encode("utf-8", "surrogateescape")).hexdigest()
    return Version(digest[:12], name)


def manifest_hash(manifest: Path | None) -> str | None:
    """12 hex digits of the collected files' manifest, which changes with any of
    them; None where nothing was collected (or a static bucket holds it).

    Of its files and their hashed names, sorted: collectstatic writes them in the
    order it found them, which a new build's folder may change with no file
    changed, and every URL then changed too (a cache miss for every visitor). A
    manifest that is not collectstatic's JSON is hashed as it is."""
    if manifest is None or not manifest.is_file():
        return None
    content = manifest.read_bytes()
    try:
        paths = json.loads(content)["paths"]
        content = json.dumps(sorted(paths.items())).encode()
    except (ValueError, TypeError, KeyError, AttributeError):
        pass
    return hashlib.sha256(content).hexdigest()[:12]


def resolve(environ: Mapping[str, str], manifest: Path | None = None) -> AssetVersions:
    """Each kind's version from `environ` (os.environ at start-up) and the manifest file."""
    files = manifest_hash(manifest)
    base = _from_variable(environ, "STATIC_VERSION")
    if base is None:
        commits = (_from_commit(environ, name, files) for name in COMMIT_VARIABLES)
        base = next(filter(None, commits), None)
    if base is None and files is not None:
        base = Version(files, MANIFEST_SOURCE)
    base = base or Version("dev", "default")
    per_kind = {
        kind: _from_variable(environ, name) or base for kind, name in KIND_VARIABLES.items()
    }
    return AssetVersions(**per_kind, other=base)


def versions(request) -> dict[str, AssetVersions]:
    """Context processor: `{{ static_versions.css.value }}` and friends in every template."""
    return {"static_versions": settings.STATIC_ASSET_VERSIONS}


def cache_hashed_files_for_a_year(headers, path: str, url: str) -> None:
    """WHITENOISE_ADD_HEADERS_FUNCTION: a one-year lifetime for hashed files.

    WhiteNoise sends ten years with `immutable`; one year is the value RFC 8246
    shows and the longest HTTP/1.1 (RFC 2616) advised, and is what this project
    documents. Files without a hash in their name keep WhiteNoise's short max-age.
    """
    if "immutable" in headers.get("Cache-Control", ""):
        headers["Cache-Control"] = IMMUTABLE_CACHE_CONTROL
