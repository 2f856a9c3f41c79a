from django.conf import settings
from django.contrib import admin
from django.urls import path

from config import tour, views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path("tour/", tour.TourIndexView.as_view(), name="tour"),
    path("tour/pipenv/", tour.PipenvTourView.as_view(), name="tour-pipenv"),
    path(
        "tour/static-versioning/",
        tour.StaticVersioningTourView.as_view(),
        name="tour-static-versioning",
    ),
    path(settings.ADMIN_URL, admin.site.urls),
]
