"""The /tour/static-versioning/ page: the live versions (from the context processor,
`static_versions`), the URLs this page links, what they look like once deployed,
and the code that resolves them. Needs the site's tour templates."""

import fnmatch
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import HashedFilesMixin, staticfiles_storage
from django.core.files.base import ContentFile
from django.views.generic import TemplateView

from config.static_versioning import MANIFEST_SOURCE, resolve
from config.static_versioning.templatetags.versioned_static import versioned_static
from config.tour import source_excerpt

ASSETS = ["css/site.css", "js/site.js"]
# The config var Heroku sets on a dyno (runtime-dyno-build-metadata lab), as an example
# of a deployed commit when this process has none (a local demo).
EXAMPLE_ENVIRON = {"HEROKU_BUILD_COMMIT": "2f9c4e1a7b3d5c6e8f0a1b2c3d4e5f6a7b8c9d0e"}


def deployed_url(path: str) -> str:
    """The URL a deploy links for `path`: the name collectstatic gives it plus `?v=` from
    Heroku's config vars, computed by the code a deploy runs.

    With DEBUG on, the manifest storage links the unhashed name and any staticfiles.json
    on disk may be stale, so the name is worked out from the file's current content
    (`collected_name`); where collectstatic would stop at the file, that is what this
    says. The version is this process's where a config var or a commit variable
    gives it; where only the manifest or the fallback would, a deploy's commit
    (EXAMPLE_ENVIRON) comes first, as on Heroku."""
    storage = staticfiles_storage
    if not settings.DEBUG or not isinstance(storage, HashedFilesMixin):
        return versioned_static(path)  # a deployed process: what its pages really link
    version = settings.STATIC_ASSET_VERSIONS.for_path(path)
    if version.source in (MANIFEST_SOURCE, "default"):
        version = resolve(EXAMPLE_ENVIRON).for_path(path)
    try:
        name = collected_name(path)
    except ValueError as error:  # a file it names is missing, text not UTF-8, a loop
        return f"none: collectstatic would stop here ({error})"
    # The base class's url(): the hashed name as it is, under STATIC_URL.
    return f"{super(HashedFilesMixin, storage).url(name)}?v={version.value}"


def collected_name(name: str, seen: tuple[str, ...] = (), done: dict | None = None) -> str:
    """The name collectstatic gives the file `name` (a query after it kept, as the
    storage keeps one): a hash of its content once the storage has rewritten the
    references in it (a stylesheet's url() and @import, source maps) to the
    collected names of the files they name, found the same way. As the storage's
    post-processing does, with its own patterns, converter and hash, from the file
    the finders find, never from a STATIC_ROOT that may be stale or empty.
    `seen`: the files naming this one; `done`: content already rewritten."""
    storage = staticfiles_storage
    path = urlsplit(unquote(name)).path.strip()  # as the storage's hashed_name reads it
    done = {} if done is None else done
    if path in seen:
        raise ValueError(f"{path} names itself, through {' and '.join(seen)}")
    if path not in done:
        found = finders.find(path)
        if found is None:
            raise ValueError(f"the file {path!r} could not be found")
        with open(found, "rb") as source:
            content = source.read()
        rewrites = [
            rewrite
            for extension, patterns in storage._patterns.items()
            if fnmatch.fnmatchcase(path, extension)
            for rewrite in patterns
        ]
        if rewrites:
            text = content.decode()  # as post-processing reads it: UTF-8, or it stops
            names = CollectedNames((*seen, path), done)
            for pattern, template in rewrites:
                text = pattern.sub(storage.url_converter(path, names, template), text)
            content = text.encode()
        done[path] = content
    return storage.hashed_name(name, ContentFile(done[path]))


class CollectedNames(dict):
    """The names the storage's converter looks files up in (post-processing's
    `hashed_files`), each worked out by `collected_name`."""

    def __init__(self, seen: tuple[str, ...], done: dict):
        super().__init__()
        self.seen = seen
        self.done = done

    def get(self, name, default=None):
        return collected_name(name, self.seen, self.done)


class StaticVersioningTourView(TemplateView):
    """The live asset versions come from the context processor (`static_versions`)."""

    template_name = "tour/static_versioning.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            storage=settings.STORAGES["staticfiles"]["BACKEND"],
            debug=settings.DEBUG,
            example_commit=EXAMPLE_ENVIRON["HEROKU_BUILD_COMMIT"],
            assets=[(path, versioned_static(path), deployed_url(path)) for path in ASSETS],
            resolve_excerpt=source_excerpt(
                "config/static_versioning/__init__.py", "def resolve(", 14
            ),
            tag_excerpt=source_excerpt(
                "config/static_versioning/templatetags/versioned_static.py",
                "@register.simple_tag",
                20,
            ),
            **kwargs,
        )
