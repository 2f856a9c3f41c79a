"""Registers the system check on ACCOUNTS_USER_SELECT_RELATED (see backends.py)."""

from django.apps import AppConfig
from django.core import checks


class ProfileAuthConfig(AppConfig):
    name = "accounts.profile_auth"
    label = "profile_auth"
    verbose_name = "Profile-joined auth"

    def ready(self):
        from accounts.profile_auth.backends import check_select_related_paths

        checks.register(check_select_related_paths)
