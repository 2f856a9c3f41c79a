"""The catalog app; on start-up it ties catalog saves and deletes to the page cache."""

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from catalog import pagecache
        from catalog.models import Category, Feature, Product

        # Any change to what a list page shows drops the cached pages (catalog/pagecache.py).
        for model in (Category, Product, Feature):
            for signal in (post_save, post_delete):
                signal.connect(
                    pagecache.invalidate, sender=model, dispatch_uid=f"pagecache-{model.__name__}"
                )
