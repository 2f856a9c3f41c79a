"""Connects the receiver that gives every user a profile, and the system check
on the auth backend's select_related paths."""

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.db.models.signals import post_save


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from accounts.backends import check_select_related_paths
        from accounts.profiles import create_profile

        post_save.connect(
            create_profile, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts.profile"
        )
        checks.register(check_select_related_paths)
