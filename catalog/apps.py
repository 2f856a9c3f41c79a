"""The catalog app; on start-up it ties catalog saves and deletes to the page cache."""

import functools

from django.apps import AppConfig


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

        @functools.cache
        def shows_on_catalog_pages(model) -> bool:
            """A catalog model, or one related to one either way: a fork's review of a
            product, a brand a product names, a many-to-many's table. A model whose
            rows show on no catalog page (a wishlist) says `page_cache_ignores_changes`."""
            if getattr(model, "page_cache_ignores_changes", False):
                return False
            if is_catalog(model):
                return True
            return any(
                field.is_relation and field.related_model and is_catalog(field.related_model)
                for field in model._meta.get_fields(include_hidden=True)
            )

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
