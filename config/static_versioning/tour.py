"""The /tour/static-versioning/ page: the live versions (from the context processor,
`static_versions`) and the code that resolves them. Needs the site's tour templates."""

from django.conf import settings
from django.views.generic import TemplateView

from config.tour import source_excerpt


class StaticVersioningTourView(TemplateView):
    """The live asset versions come from the context processor (`static_versions`)."""

    template_name = "tour/static_versioning.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            storage=settings.STORAGES["staticfiles"]["BACKEND"],
            resolve_excerpt=source_excerpt(
                "config/static_versioning/__init__.py", "def resolve(", 13
            ),
            tag_excerpt=source_excerpt(
                "config/static_versioning/templatetags/versioned_static.py",
                "@register.simple_tag",
                6,
            ),
            **kwargs,
        )
