"""The catalog app; on start-up it ties catalog saves and deletes to the page cache."""

from pathlib import Path

from django.apps import AppConfig, apps
from django.conf import settings

# A model's class attribute that says whether its changes show on catalog pages,
# where the rule below guesses wrong: True for a review joined by a generic foreign
# key, or a photo of a review; False for a wishlist.
SHOWN = "shown_on_catalog_pages"


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from catalog import pagecache
        from catalog.models import Category, Feature, Product

        catalog = {Category, Product, Feature}

        def is_catalog(model) -> bool:
            # Through a proxy model too (a fork's FeaturedProduct), or a model that
            # inherits a catalog table (a DigitalProduct): Django sends their saves
            # with them alone as sender, never for the catalog row they write.
            opts = model._meta
            return opts.concrete_model in catalog or not catalog.isdisjoint(opts.all_parents)

        def shows_on_catalog_pages(model) -> bool:
            """A catalog model; one with a relation to one (a fork's review of a
            product, a many-to-many's table); or one of the project's own apps that
            one points at (a brand a product names: not Django's User, which every
            login saves). A model's `shown_on_catalog_pages` says otherwise, a
            many-to-many's table's that of the model declaring the field."""
            declared = getattr(model._meta.auto_created or model, SHOWN, None)
            if declared is not None:
                return declared
            if is_catalog(model):
                return True
            for field in model._meta.get_fields(include_hidden=True):
                if not (
                    field.is_relation and field.related_model and is_catalog(field.related_model)
                ):
                    continue
                # Its own relation to the catalog; or the catalog's to it, from a model
                # of the project's own apps.
                if field.concrete or is_project_model(model):
                    return True
            return False

        def changed(sender, **kwargs):
            if shows_on_catalog_pages(sender):
                pagecache.invalidate(**kwargs)

        def related_changed(sender, action, **kwargs):
            # A many-to-many's rows added or removed: no save of either side is sent.
            if action in ("post_add", "post_remove", "post_clear"):
                changed(sender, **kwargs)

        # Any change to what a catalog page shows drops the cached pages and kept parts
        # (catalog/pagecache.py).
        for signal in (post_save, post_delete):
            signal.connect(changed, weak=False, dispatch_uid="pagecache")
        m2m_changed.connect(related_changed, weak=False, dispatch_uid="pagecache")


def is_project_model(model) -> bool:
    """Whether `model` is of an app in the project's own folder, not an installed
    package's (Django's User, a library's)."""
    path = Path(apps.get_app_config(model._meta.app_label).path)
    return path.is_relative_to(settings.BASE_DIR) and "site-packages" not in path.parts
