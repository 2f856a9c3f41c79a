from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from accounts.tour import AuthBackendTourView
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
    path("tour/auth-backend/", AuthBackendTourView.as_view(), name="tour-auth-backend"),
    path("", include("accounts.urls")),
    path("debug/sentry-check", views.sentry_check, name="sentry-check"),
    path(settings.ADMIN_URL, admin.site.urls),
]
# Uploaded media from the local folder in development (an empty list otherwise).
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# A database that does not answer gives a 503 page, any other error the 500 page.
handler500 = "config.views.server_error"
