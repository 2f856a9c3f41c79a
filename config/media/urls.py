"""The admin's media versions page, under ADMIN_URL.

Include it before the admin's own URLs (its catch-all would answer first):
`path("", include("config.media.urls"))`. The URL name is global, like the admin's.
"""

from django.conf import settings
from django.contrib import admin
from django.urls import path
from django.views.decorators.http import require_http_methods

from config.media.admin import media_versions_view

urlpatterns = [
    path(
        f"{getattr(settings, 'ADMIN_URL', 'admin/')}media/versions/",
        # Other methods are a 405 for anyone, as on the admin's own pages: the login
        # redirect of admin_view came first for a visitor not logged in.
        require_http_methods(["GET", "HEAD", "POST"])(admin.site.admin_view(media_versions_view)),
        name="admin-media-versions",
    ),
]
