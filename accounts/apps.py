"""Connects the receivers that give every user a profile, keep a username one
account's in any case, record a login's time, and keep only failed logins counted."""

from django.apps import AppConfig
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_save, pre_save


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from accounts.profiles import create_profile, record_last_login
        from accounts.throttles import give_back_login_counts
        from accounts.usernames import one_account_per_key

        post_save.connect(
            create_profile, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts.profile"
        )
        pre_save.connect(
            one_account_per_key, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts.usernames"
        )
        # In place of Django's update_last_login, under its dispatch_uid, whichever
        # app is ready first: django.contrib.auth, when first, has connected it, so
        # it is taken off; when second, it connects nothing under a uid in use. As
        # Django's, only for a user model whose last_login is a field.
        user_logged_in.disconnect(dispatch_uid="update_last_login")
        if isinstance(getattr(get_user_model(), "last_login", None), DeferredAttribute):
            user_logged_in.connect(record_last_login, dispatch_uid="update_last_login")
        # A login's failure counts are taken before its password is checked
        # (accounts/throttles.py): one that succeeds gives them back.
        user_logged_in.connect(give_back_login_counts, dispatch_uid="accounts.login_failures")
