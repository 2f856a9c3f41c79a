"""The profile-joined authentication backend and the system check of its setting."""

from functools import cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core import checks
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import router

from accounts.profile_auth.statement import Statement

DEFAULT_SELECT_RELATED = ("profile", "profile__company")
SETTING = "ACCOUNTS_USER_SELECT_RELATED"


def select_related_paths() -> tuple[str, ...]:
    return tuple(getattr(settings, SETTING, DEFAULT_SELECT_RELATED))


class ProfileModelBackend(ModelBackend):
    """ModelBackend whose `get_user` loads the user with its profile and company in one query.

    Django calls `get_user` on every request of a logged-in user (through
    `request.user`). The stock backend fetches the user row alone, so a page that
    shows `user.profile.company.name` pays two more queries, on every page whose
    header shows the profile. This backend follows the relations named in
    `settings.ACCOUNTS_USER_SELECT_RELATED` (default: profile, profile__company)
    with `select_related`: one query instead of three.

    The cost: one LEFT OUTER JOIN per path on every request, and a wider row that
    carries every column of the joined tables (the profile's bio included) even on
    pages that never show them. Keep the paths to what most pages use.

    The query is compiled once and then only run (statement.py): the same SQL,
    without the ORM's work of building it on every request.

    Authentication is ModelBackend's, untouched: inactive users are refused (here
    too, through `user_can_authenticate`), an unknown username still runs the
    password hasher so timing does not reveal it, and permissions work as before.
    """

    def users(self):
        """The query `get_user` runs, with the joins: one row per user.

        Compiled once per backend class, user model, paths and database: an
        override must build the same query every time, from nothing else."""
        users, paths = get_user_model()._default_manager.all(), select_related_paths()
        # With no path, select_related() would follow every foreign key: none named, none joined.
        return users.select_related(*paths) if paths else users

    def get_user(self, user_id):
        try:
            user = self.lookup(user_id)
        except ObjectDoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def lookup(self, user_id):
        """What `self.users().get(pk=user_id)` returns or raises, from a statement
        compiled once (statement.py); the ORM's own where there is none."""
        model = get_user_model()
        using = router.db_for_read(model)
        statement = user_statement(type(self), model, select_related_paths(), using)
        return statement.get(user_id) if statement else self.users().get(pk=user_id)

    async def aget_user(self, user_id):
        try:
            user = await self.users().aget(pk=user_id)
        except ObjectDoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


@cache
def user_statement(backend: type, model: type, paths: tuple, using: str) -> Statement | None:
    """`backend().users()`'s statement on the database `using` (None: the ORM runs
    it), kept per key. A query that names its own database keeps it."""
    users = backend().users()
    if users._db is None:  # the router's choice, made once for this key
        users = users.using(using)
    return Statement.of(users) if users.model is model and users.db == using else None


def dotted_path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _path_problem(model, path: str) -> str | None:
    """Why `path` cannot be followed by select_related from `model`, or None."""
    for name in path.split("__"):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return f"{model._meta.label} has no field or relation named {name!r}"
        single_valued = field.many_to_one or field.one_to_one
        if not field.is_relation or not single_valued or field.related_model is None:
            return (
                f"{model._meta.label}.{name} is not a foreign key or one-to-one relation, "
                "so select_related cannot follow it"
            )
        model = field.related_model
    return None


def check_select_related_paths(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """System check: every path in the setting follows single-valued relations from the user."""
    hint = (
        f"{SETTING} must be a list or tuple of relation paths from the user model, "
        "each a chain of foreign-key or one-to-one names joined by '__', "
        f"for example {DEFAULT_SELECT_RELATED!r}."
    )
    paths = getattr(settings, SETTING, DEFAULT_SELECT_RELATED)
    if not isinstance(paths, list | tuple) or not all(isinstance(p, str) for p in paths):
        return [checks.Error(f"{SETTING} is {paths!r}.", hint=hint, id="accounts.E001")]
    errors = []
    for path in paths:
        problem = _path_problem(get_user_model(), path)
        if problem:
            errors.append(
                checks.Error(f"{SETTING} has {path!r}: {problem}.", hint=hint, id="accounts.E002")
            )
    return errors
