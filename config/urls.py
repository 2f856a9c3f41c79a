from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from catalog.tour import PrefetchTourView
from config import tour, views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("tour/", tour.TourIndexView.as_view(), name="tour"),
    path("tour/pipenv/", tour.PipenvTourView.as_view(), name="tour-pipenv"),
    path("tour/prefetch/", PrefetchTourView.as_view(), name="tour-prefetch"),
    path("", include("catalog.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]
