"""The session table, with the id of the user each session is logged in as.

Django's session row is a key, the signed data and an expiry: the logged-in
user's id is inside the data, so the user can only be read after the session,
in a statement of its own. This table keeps that id in a column of its own,
written from the data on every save, so that one statement reads the session
and its user, profile and company together (sessions.py).

The column is a hint, never trusted on its own: the user is taken from the join
only when its id is the one the session's data names, and Django still checks
the session's password hash against it. It is no foreign key constraint: a
session saved while its user is deleted is no error, and a session whose user is
gone reads as logged out, as with Django's own table.
"""

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models


class Session(AbstractBaseSession):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )

    class Meta(AbstractBaseSession.Meta):
        db_table = "profile_auth_session"

    @classmethod
    def get_session_store_class(cls):
        from accounts.profile_auth.sessions import SessionStore

        return SessionStore
