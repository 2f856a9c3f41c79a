from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from accounts.profile_auth.tour import AuthBackendTourView
from catalog.tour import PrefetchTourView
from config import tour, views
from config.media import tour as media_tour
from config.security import adminrelations, staffonly
from config.security.headers import form_methods_only, with_form_methods_only
from config.static_versioning import tour as static_versioning_tour

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    # Answered by views.HealthzMiddleware before the session; here for reverse().
    path(views.HEALTHZ_PATH.removeprefix("/"), views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path("tour/", tour.TourIndexView.as_view(), name="tour"),
    path("tour/pipenv/", tour.PipenvTourView.as_view(), name="tour-pipenv"),
    path(
        "tour/static-versioning/",
        static_versioning_tour.StaticVersioningTourView.as_view(),
        name="tour-static-versioning",
    ),
    path("tour/prefetch/", PrefetchTourView.as_view(), name="tour-prefetch"),
    path("tour/auth-backend/", AuthBackendTourView.as_view(), name="tour-auth-backend"),
    path("tour/s3-media/", media_tour.S3MediaTourView.as_view(), name="tour-s3-media"),
    path("", include("catalog.urls")),
    path("", include("accounts.urls")),
    path("debug/sentry-check", views.sentry_check, name="sentry-check"),
    # A page of the admin site (staff only), before the admin's own catch-all patterns.
    path("", include("config.media.urls")),
    # The admin's "view on site" shortcut, for staff the model's admin shows the object.
    path(
        f"{settings.ADMIN_URL}r/<str:content_type_id>/<path:object_id>/",
        form_methods_only(admin.site.admin_view(staffonly.view_on_site)),
        name="admin-view-on-site",
    ),
    # The admin's pages answer GET, HEAD and POST only, as the site's forms do; its
    # history and delete pages, like its change pages, check permission before the
    # object; a parameter naming a relation's reverse side is refused, not a 500.
    path(
        settings.ADMIN_URL,
        with_form_methods_only(
            staffonly.with_object_pages_checked(
                adminrelations.with_relation_names_checked(admin.site.urls)
            )
        ),
    ),
]
# Development without a media bucket keeps uploads in MEDIA_ROOT; serve them (DEBUG only).
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# A database that does not answer gives a 503 page, any other error the 500 page.
handler500 = "config.views.server_error"
# Django's 400, 403 and 404 pages, which stay 4xx for a body Django cannot read.
handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
