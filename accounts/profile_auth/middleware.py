"""Keep sessions logged in under Django's ModelBackend, and move them onto ours."""

from functools import cache
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY, get_user_model, load_backend
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from accounts.profile_auth.backends import ProfileModelBackend, dotted_path

TARGET = dotted_path(ProfileModelBackend)
# Where this backend lived before it became a unit of its own: sessions still name
# it. Upgraded only while it names nothing (`moved`).
FORMER_PATHS = ("accounts.backends.ProfileModelBackend",)
# The backends ours extends: a session logged in under any of them is upgraded.
EXTENDED = frozenset(
    dotted_path(cls) for cls in ProfileModelBackend.__mro__[1:] if issubclass(cls, ModelBackend)
)


class SessionBackendUpgradeMiddleware:
    """Rewrite a session's stored backend path from ModelBackend to ProfileModelBackend.

    Django stores the dotted path of the backend that logged a user in
    (BACKEND_SESSION_KEY) and loads the user through that backend on every request;
    a path missing from AUTHENTICATION_BACKENDS logs the user out. So, without
    this, switching backends either logs everybody out or, with both listed,
    leaves old sessions on the three-query lookup until they log in again.

    Rewriting is safe because ours subclasses the stored backend: `get_user`
    returns the same user, and Django still verifies the session's password hash.
    The session is written once, on the upgraded request. Place it after
    SessionMiddleware and before AuthenticationMiddleware. It reads the session
    only when the request carries a session cookie; AuthenticationMiddleware reads
    the same (cached) session, so pages that show the user pay no extra query.

    A session whose stored user id the user model's primary key cannot be (a fork
    that changed its key keeps its old sessions) is logged out here too: Django
    raised ValidationError for it on every request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            TARGET in settings.AUTHENTICATION_BACKENDS
            and request.session.session_key
            and _upgradable(request.session.get(BACKEND_SESSION_KEY))
        ):
            request.session[BACKEND_SESSION_KEY] = TARGET
        _log_out_without_a_key(request.session)
        return self.get_response(request)


def _log_out_without_a_key(session) -> None:
    """Django turns a session's stored user id into a primary key before any backend
    sees it, and raised ValidationError on every request of a session whose id could
    not be one; it asks the stored backend for the user where AUTHENTICATION_BACKENDS
    lists it, and raised AttributeError for one that loads no user (a backend that
    only refuses logins). Such a session is logged out instead, as Django does when
    the password changed."""
    if not session.session_key:
        return
    unreadable_id = SESSION_KEY in session and not _is_a_key(session[SESSION_KEY])
    if unreadable_id or not _loads_users(session.get(BACKEND_SESSION_KEY)):
        session.flush()


def _loads_users(stored) -> bool:
    """Whether Django can ask `stored` (a session's backend) for the user: a path
    it does not list, or none, Django itself logs out."""
    if not isinstance(stored, str) or stored not in settings.AUTHENTICATION_BACKENDS:
        return True
    return _has_get_user(stored)


@cache
def _has_get_user(path: str) -> bool:
    return callable(getattr(load_backend(path), "get_user", None))


def _is_a_key(stored) -> bool:
    """Whether the user model's primary key can be `stored` (a session's user id)."""
    try:
        get_user_model()._meta.pk.to_python(stored)
    except (ValidationError, OverflowError):  # int(Infinity), as a session may hold
        return False
    return True


def _upgradable(stored) -> bool:
    # A session may hold anything under the key; a list or a dict cannot be looked
    # up in a set (TypeError), and Django logs out whatever is not a backend's path.
    if not isinstance(stored, str):
        return False
    return stored in EXTENDED or (stored in FORMER_PATHS and moved(stored))


@cache
def moved(path: str) -> bool:
    """Whether `path`, one of FORMER_PATHS, names nothing now, as in this site since
    the backend moved, or names ours (a shim left there). A project with an
    `accounts` app of its own may have a backend there: its sessions are that
    backend's, with its own rules, and one that fails to load (a library missing, a
    setting it refuses, a syntax error) is not ours either: Django logs such a
    session out. Asked once per process."""
    module_path, _, name = path.rpartition(".")
    try:
        module = import_module(module_path)
    except ModuleNotFoundError as error:  # the module itself, or one it imports?
        return error.name is not None and f"{module_path}.".startswith(f"{error.name}.")
    except Exception:
        return False
    found = vars(module)
    if name not in found and "__getattr__" not in found:
        return True  # the module is there, the class is not
    try:
        return getattr(module, name) is ProfileModelBackend
    except Exception:
        return False
