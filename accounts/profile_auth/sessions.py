"""The session engine that reads a session and its logged-in user in one statement.

Django reads a logged-in request's session, then its user: two statements on
every page, since the user's id is inside the session's signed data. This
engine's table (models.py) keeps the id in a column, so the session's row is
read with its user, profile and company joined: the backend's paths
(`ACCOUNTS_USER_SELECT_RELATED`) below `user`, a statement compiled once
(statement.py) and then only run.

The backend takes that user instead of running its own statement
(`ProfileModelBackend.get_user`), only for the request whose session read it
(`SessionUserMiddleware` names that session) and only when the user's id is the
one the session's data names: the column is a hint written from the data on
every save, never trusted on its own. Django then checks the session's password
hash against that user, as always. Everywhere else (a backend whose query this
join would not give, a session read before this middleware, a user deleted
since) the backend runs its own statement, as before.

Settings: `SESSION_ENGINE = "accounts.profile_auth.sessions"` and the middleware
(docs/accounts.md, "One statement for the session and the user").
"""

from contextvars import ContextVar
from functools import cache

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.backends import db
from django.core.exceptions import ValidationError
from django.db import router
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.profile_auth.statement import Statement

# The session of the request being answered, named by SessionUserMiddleware.
current_session: ContextVar["SessionStore | None"] = ContextVar("current_session", default=None)


class SessionStore(db.SessionStore):
    # What the last read of this session joined: (the paths below `user`, the user or None).
    _read_with = None

    @classmethod
    def get_model_class(cls):
        from accounts.profile_auth.models import Session

        return Session

    def _get_session_from_db(self):
        """The unexpired session of this key with its user joined, or None: what
        Django's lookup returns, plus the user."""
        paths = joined_paths(tuple(settings.AUTHENTICATION_BACKENDS))
        using = router.db_for_read(self.model)
        statement = session_statement(self.model, paths, using)
        try:
            if statement is None:
                session = (
                    sessions_with_users(self.model, paths).using(using).get(pk=self.session_key)
                )
            else:
                session = statement.get(self.session_key)
        except self.model.DoesNotExist:
            session = None
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None
            self._read_with = None
            return None
        self._read_with = None if paths is None else (paths, session.user)
        return session

    def user_read_with_it(self, user_id, paths):
        """The user this session's read joined, if its id is `user_id` and it was
        joined along `paths`; else None."""
        if self._read_with is None:
            return None
        read_paths, user = self._read_with
        if user is None or read_paths != paths or user.pk != user_id:
            return None
        return user

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        session.user_id = user_id_in(data)
        return session

    def cycle_key(self):
        # Login and a password change come through here: the user read with the
        # session may no longer be the one it is logged in as.
        self._read_with = None
        super().cycle_key()

    def flush(self):
        self._read_with = None
        super().flush()


def user_id_in(data):
    """The primary key of the user `data` (a session's) is logged in as, or None."""
    stored = data.get(SESSION_KEY)
    if stored is None:
        return None
    try:
        return get_user_model()._meta.pk.to_python(stored)
    except ValidationError:
        return None


def joined_paths(backends: tuple[str, ...]) -> tuple[str, ...] | None:
    """The backend's paths below the user (its select_related) while a
    ProfileModelBackend is configured; else None: the user is not joined."""
    from accounts.profile_auth.backends import ProfileModelBackend, select_related_paths

    classes = [backend_class(path) for path in backends]
    if not any(isinstance(cls, type) and issubclass(cls, ProfileModelBackend) for cls in classes):
        return None
    return select_related_paths()


@cache
def backend_class(path: str) -> type | None:
    """The class a backend's dotted path names; None where none (Django says so at login)."""
    try:
        return import_string(path)
    except ImportError:
        return None


def sessions_with_users(model, paths: tuple | None):
    if paths is None:
        return model.objects.all()
    return model.objects.select_related("user", *(f"user__{path}" for path in paths))


@cache
def session_statement(model, paths: tuple | None, using: str) -> Statement | None:
    """The statement of `sessions_with_users(...).get(pk=key)`, compiled once per
    session model, paths and database (None: the ORM runs it)."""
    return Statement.of(sessions_with_users(model, paths).using(using))
