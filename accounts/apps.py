"""Connects the receivers that give every user a profile and count failed logins
per account."""

from django.apps import AppConfig
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db.models.signals import post_save


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from accounts.profiles import create_profile
        from accounts.throttles import count_login_failure

        post_save.connect(
            create_profile, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts.profile"
        )
        user_login_failed.connect(count_login_failure, dispatch_uid="accounts.login_failures")
