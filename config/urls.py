from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import path

from config import media_admin, media_tour, tour, views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("tour/", tour.TourIndexView.as_view(), name="tour"),
    path("tour/pipenv/", tour.PipenvTourView.as_view(), name="tour-pipenv"),
    path("tour/s3-media/", media_tour.S3MediaTourView.as_view(), name="tour-s3-media"),
    # A page of the admin site (staff only), before the admin's own catch-all patterns.
    path(
        f"{settings.ADMIN_URL}media/versions/",
        admin.site.admin_view(media_admin.media_versions_view),
        name="admin-media-versions",
    ),
    path(settings.ADMIN_URL, admin.site.urls),
]

# Development without a media bucket keeps uploads in MEDIA_ROOT; serve them (DEBUG only).
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
