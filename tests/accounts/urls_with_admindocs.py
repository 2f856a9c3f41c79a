"""The site's URLs with Django's admindocs before them, as a project installing it has."""

from django.urls import include, path

from config.urls import urlpatterns as site

urlpatterns = [path("admin/doc/", include("django.contrib.admindocs.urls")), *site]
