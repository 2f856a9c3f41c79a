"""Another URLconf a request may be given (`request.urlconf`, another host's, say):
product pages under items/ (tests/config/test_kept_keys.py)."""

from django.urls import include, path

from catalog import urls as catalog_urls
from catalog import views
from catalog.kept import marks_kept
from config.urls import urlpatterns as site

catalog = [
    path("products/", catalog_urls.product_list, name="product_list"),
    path("items/<slug:slug>/", marks_kept(views.ProductDetailView.as_view()), name="product"),
    path("categories/<slug:slug>/", catalog_urls.product_list, name="category"),
]
urlpatterns = [
    path("", include((catalog, "catalog"))),
    *(p for p in site if getattr(p, "urlconf_module", None) is not catalog_urls),
]
