"""The site's URLconf as it is with ADMIN_URL=products/: the admin after the site's pages."""

from django.contrib import admin
from django.urls import path

from config.urls import urlpatterns as site_patterns

urlpatterns = [p for p in site_patterns if getattr(p, "namespace", None) != "admin"]
urlpatterns.append(path("products/", admin.site.urls))
