"""The catalog app; on start-up it ties catalog saves and deletes to the page cache."""

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from catalog import pagecache
        from catalog.models import Category, Feature, Product

        catalog = {Category, Product, Feature}

        def changed(sender, **kwargs):
            # Through a proxy model too (a fork's FeaturedProduct), or a model that
            # inherits a catalog table (a DigitalProduct): Django sends their saves
            # with them alone as sender, never for the catalog row they write.
            opts = sender._meta
            if opts.concrete_model in catalog or not catalog.isdisjoint(opts.all_parents):
                pagecache.invalidate(**kwargs)

        # Any change to what a list page shows drops the cached pages (catalog/pagecache.py).
        for signal in (post_save, post_delete):
            signal.connect(changed, weak=False, dispatch_uid="pagecache")
