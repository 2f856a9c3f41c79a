"""The /tour/static-versioning/ page: the live versions (from the context processor,
`static_versions`), the URLs this page links, what they look like once deployed,
and the code that resolves them. Needs the site's tour templates."""

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import HashedFilesMixin, staticfiles_storage
from django.core.files import File
from django.views.generic import TemplateView

from config.static_versioning import resolve
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
    on disk may be stale, so the name is hashed from the file's current content with
    the storage's own `hashed_name` (what collectstatic's post-processing calls; the
    same result for files without url() references to rewrite, which ours are)."""
    storage = staticfiles_storage
    if not settings.DEBUG or not isinstance(storage, HashedFilesMixin):
        return versioned_static(path)  # a deployed process: what its pages really link
    with open(finders.find(path), "rb") as source:
        name = storage.hashed_name(path, File(source))
    version = resolve(EXAMPLE_ENVIRON).for_path(path).value
    # The base class's url(): the hashed name as it is, under STATIC_URL.
    return f"{super(HashedFilesMixin, storage).url(name)}?v={version}"


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
