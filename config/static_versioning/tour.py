"""The /tour/static-versioning/ page: the live versions (from the context processor,
`static_versions`), the URLs this page links, what they look like once deployed,
and the code that resolves them. Needs the site's tour templates."""

import fnmatch

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
    (`collected_name`). The version is this process's where a config var or a
    commit variable gives it; where only the manifest or the fallback would, a
    deploy's commit (EXAMPLE_ENVIRON) comes first, as on Heroku."""
    storage = staticfiles_storage
    if not settings.DEBUG or not isinstance(storage, HashedFilesMixin):
        return versioned_static(path)  # a deployed process: what its pages really link
    version = settings.STATIC_ASSET_VERSIONS.for_path(path)
    if version.source in (MANIFEST_SOURCE, "default"):
        version = resolve(EXAMPLE_ENVIRON).for_path(path)
    # The base class's url(): the hashed name as it is, under STATIC_URL.
    return f"{super(HashedFilesMixin, storage).url(collected_name(path))}?v={version.value}"


def collected_name(path: str, seen: tuple[str, ...] = ()) -> str:
    """The name collectstatic gives `path`: a hash of its content once the storage has
    rewritten the references in it (a stylesheet's url() and @import, source maps) to
    the collected names of the files they name, found the same way. As the storage's
    post-processing does, with the storage's own patterns, converter and hash."""
    storage = staticfiles_storage
    with open(finders.find(path), "rb") as source:
        content = source.read()
    rewrites = [
        rewrite
        for extension, patterns in storage._patterns.items()
        if fnmatch.fnmatchcase(path, extension) and path not in seen
        for rewrite in patterns
    ]
    if rewrites:
        text = content.decode()
        names = CollectedNames((*seen, path))
        for pattern, template in rewrites:
            text = pattern.sub(storage.url_converter(path, names, template), text)
        content = text.encode()
    return storage.hashed_name(path, ContentFile(content))


class CollectedNames(dict):
    """The names the storage's converter looks files up in (post-processing's
    `hashed_files`), each worked out from the file the finders find, not from a
    STATIC_ROOT that may be stale or empty. A file that names one naming it back
    (which collectstatic refuses after its passes) is hashed as it is."""

    def __init__(self, seen: tuple[str, ...]):
        super().__init__()
        self.seen = seen

    def get(self, name, default=None):
        if finders.find(name) is None:
            return default  # the storage's own lookup, and its error, as collectstatic's
        return collected_name(name, self.seen)


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
