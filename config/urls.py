from django.conf import settings
from django.contrib import admin
from django.urls import path

from config import tour, views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("tour/", tour.TourIndexView.as_view(), name="tour"),
    path("tour/pipenv/", tour.PipenvTourView.as_view(), name="tour-pipenv"),
    path("debug/sentry-check", views.sentry_check, name="sentry-check"),
    path(settings.ADMIN_URL, admin.site.urls),
]

# A database that does not answer gives a 503 page, any other error the 500 page.
handler500 = "config.views.server_error"
