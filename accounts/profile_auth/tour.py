"""The tour page of the profile-joined auth backend: the problem, the code, the evidence.

Not part of the portable unit: it shows this site's Profile and Company, and uses
the site's tour templates and the query log (docs/accounts.md, "Use it in your project").
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.urls import reverse
from django.views.generic import TemplateView

from accounts.models import Company, Profile
from accounts.profile_auth.backends import ProfileModelBackend
from accounts.profiles import profile_of
from config.querylog import Query, QueryLog, record
from config.tour import source_excerpt


def touches_user_tables(query: Query) -> bool:
    """Whether a query reads the user, profile or company tables."""
    models = (get_user_model(), Profile, Company)
    return any(f'"{model._meta.db_table}"' in query.sql for model in models)


def load_with(backend_class: type[ModelBackend], user_id) -> QueryLog:
    """The queries a backend's get_user runs, plus reading the profile's company as a page does."""
    with record() as log:
        user = backend_class().get_user(user_id)
        getattr(user.profile.company, "name", None)  # what the profile page reads
    return log


class AuthBackendTourView(TemplateView):
    template_name = "tour/auth_backend.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        context = {
            # The first use of request.user: the session and user lookups run here.
            "logged_in": user.is_authenticated,
            "backend_code": source_excerpt(
                "accounts/profile_auth/backends.py", "    def users(self):", 8
            ),
            "middleware_code": source_excerpt(
                "accounts/profile_auth/middleware.py", "    def __call__", 9
            ),
            "settings_code": source_excerpt("config/settings.py", "AUTHENTICATION_BACKENDS = ", 13),
        }
        if user.is_authenticated:
            log = getattr(self.request, "query_log", None)
            context["query_log_on"] = log is not None
            if log is not None:
                queries = [(query, touches_user_tables(query)) for query in log.queries]
                context["request_queries"] = queries
                context["user_query_count"] = sum(touches for _, touches in queries)
            # After the page's own queries are read: a user made without a profile
            # gets it now (accounts/profiles.py), for the links and comparison below.
            profile_of(user)
            # The company is picked by the admin's autocomplete, which lists companies
            # only to staff who may view them.
            if (
                user.is_staff
                and user.has_perm("accounts.change_profile")
                and (
                    user.has_perm("accounts.view_company")
                    or user.has_perm("accounts.change_company")
                )
            ):
                context["profile_admin_url"] = reverse(
                    "admin:accounts_profile_change", args=[user.profile.pk]
                )
            context["comparison"] = [
                (backend_class.__name__, load_with(backend_class, user.pk))
                for backend_class in (ModelBackend, ProfileModelBackend)
            ]
        return super().get_context_data(**context, **kwargs)
