"""The catalog app; on start-up it ties the saves and deletes of the catalog, and of
the models related to it (shows_on_catalog_pages), to the page cache."""

from django.apps import AppConfig
from django.contrib.auth import get_user_model

from config.apps import is_project_model

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


def is_catalog(model) -> bool:
    """Category, Product or Feature; through a proxy model too (a fork's
    FeaturedProduct), or a model that inherits a catalog table (a DigitalProduct):
    Django sends their saves with them alone as sender, never for the catalog row
    they write."""
    from catalog.models import Category, Feature, Product

    opts = model._meta
    catalog = {Category, Product, Feature}
    return opts.concrete_model in catalog or not catalog.isdisjoint(opts.all_parents)


def shows_on_catalog_pages(model) -> bool:
    """A catalog model; one whose rows belong to catalog rows (a fork's review of a
    product, the rows of a generic relation on one, a many-to-many's table); or one
    of the project's own apps that catalog rows point at (a brand a product names),
    but never the user model, which every login saves. A model's
    `shown_on_catalog_pages` says otherwise, a many-to-many's table's that of the
    model declaring the field."""
    declared = getattr(model._meta.auto_created or model, SHOWN, None)
    if isinstance(declared, bool):  # a field of that name is no answer
        return declared
    if is_catalog(model):
        return True
    for field in model._meta.get_fields(include_hidden=True):
        related = field.related_model if field.is_relation else None
        if related is None or not is_catalog(related):
            continue
        if field.concrete or field.many_to_one:  # its rows belong to catalog rows
            return True
        if is_project_model(model) and model is not get_user_model():
            return True  # catalog rows point at it
    return False
