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
        from django.apps import apps

        # Every model is registered by now: the project's, a fork's, its packages'.
        watch(apps.get_models(include_auto_created=True))


def watch(models) -> None:
    """Tie the saves and deletes of those of `models` whose changes show on catalog
    pages (shows_on_catalog_pages) to the page cache (catalog/pagecache.py), which
    any such change drops with the kept parts.

    Model by model, not one receiver for every sender: a delete signal with a
    receiver for its model makes Django read each row and delete them 100 at a time,
    where it deletes in one statement otherwise (the daily `clearsessions` read
    every expired session into memory)."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for model in models:
        if shows_on_catalog_pages(model):
            for signal in (post_save, post_delete):
                signal.connect(_changed, sender=model, weak=False, dispatch_uid="pagecache")
            # A many-to-many's rows added or removed (its table is the sender): no save
            # of either side is sent.
            m2m_changed.connect(
                _related_changed, sender=model, weak=False, dispatch_uid="pagecache"
            )


def _changed(sender, **kwargs):
    from catalog import pagecache

    pagecache.invalidate(**kwargs)


def _related_changed(sender, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        _changed(sender, **kwargs)


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
