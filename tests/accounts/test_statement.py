"""get_user's statement, compiled once (accounts/profile_auth/statement.py): the
same SQL, rows and instances as the ORM's `users().get(pk=...)`, without compiling."""

from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import F
from django.db.models.functions import Length
from django.db.models.sql.compiler import SQLCompiler

from accounts.models import Profile
from accounts.profile_auth.backends import ProfileModelBackend, user_statement
from accounts.profile_auth.statement import Statement
from config.querylog import record
from tests.factories import CompanyFactory, UserFactory

pytestmark = pytest.mark.django_db


def orm_get(pk):
    """What Django's ORM returns for the backend's query."""
    return ProfileModelBackend().users().get(pk=pk)


def loaded(obj) -> dict:
    """An instance as loaded: its field values, its state, and what it has cached
    (each related instance by its own values, None as None)."""
    if obj is None:
        return None
    fields = {name: value for name, value in vars(obj).items() if name != "_state"}
    return {
        "class": type(obj),
        "fields": fields,
        "db": obj._state.db,
        "adding": obj._state.adding,
        "cached": {name: type(value) for name, value in obj._state.fields_cache.items()},
    }


def relations(user) -> dict:
    """The user and every object the joins cached, as `loaded()` describes them."""
    found = {"user": loaded(user)}
    profile = user._state.fields_cache.get("profile")
    found["profile"] = loaded(profile)
    if profile is not None:
        found["company"] = loaded(profile._state.fields_cache.get("company", "not cached"))
    return found


@pytest.fixture
def users():
    member = UserFactory(profile__company=CompanyFactory(name="Acme Tools"))
    loner = UserFactory(profile__display_name="Ada")  # a profile without a company
    no_profile = UserFactory()
    Profile.objects.filter(user=no_profile).delete()  # a user made before profiles existed
    return [member, loner, no_profile]


def test_instances_and_cached_relations_are_the_orms(users):
    backend = ProfileModelBackend()
    for user in users:
        ours = backend.get_user(user.pk)
        assert relations(ours) == relations(orm_get(user.pk))
    assert relations(backend.get_user(users[0].pk))["company"]["fields"]["name"] == "Acme Tools"


def test_a_user_without_profile_raises_as_the_orm_does(users):
    no_profile = ProfileModelBackend().get_user(users[2].pk)
    with pytest.raises(get_user_model().profile.RelatedObjectDoesNotExist), record() as log:
        no_profile.profile  # noqa: B018
    assert log.count == 0  # the join's miss is cached, as select_related caches it


def test_sends_the_orms_sql_with_the_id_as_parameter(users):
    with record() as log:
        orm_get(users[0].pk)
        ProfileModelBackend().get_user(users[0].pk)
    orm, ours = log.queries
    assert ours.sql == orm.sql
    assert ours.sql.endswith('WHERE "auth_user"."id" = %s LIMIT 21')


def test_compiles_once_and_then_only_runs(users):
    backend = ProfileModelBackend()
    backend.get_user(users[0].pk)
    with mock.patch.object(SQLCompiler, "as_sql", side_effect=AssertionError("compiled")):
        for user in users:
            assert backend.get_user(user.pk).pk == user.pk
        assert backend.get_user(users[0].pk + 1000) is None


def test_an_id_as_sessions_store_it_is_read_as_the_orm_reads_it(users):
    user = ProfileModelBackend().get_user(str(users[0].pk))
    assert (user.pk, type(user.pk)) == (users[0].pk, int)
    with pytest.raises(ValueError, match="expected a number"):
        ProfileModelBackend().get_user("not a number")


def test_a_new_setting_gets_its_own_statement(settings, users):
    ProfileModelBackend().get_user(users[0].pk)
    settings.ACCOUNTS_USER_SELECT_RELATED = ("profile",)
    with record() as log:
        user = ProfileModelBackend().get_user(users[0].pk)
    assert log.queries[0].sql.count("LEFT OUTER JOIN") == 1
    assert "company" not in user.profile._state.fields_cache


PATHS = ("profile", "profile__company")


class NotBanned(ProfileModelBackend):
    """A backend whose query has a parameter of its own: left to the ORM."""

    def users(self):
        return super().users().exclude(username="banned")


class Annotated(ProfileModelBackend):
    def users(self):
        return super().users().annotate(login_name=F("username"))


class Nobody(ProfileModelBackend):
    def users(self):
        return super().users().none()


class InAGroup(ProfileModelBackend):
    """A join that repeats a user once per group: `get()` raises for two."""

    def users(self):
        return super().users().filter(groups__isnull=False)


def test_a_subclass_query_runs_as_its_own(users):
    [member, *_] = users
    assert user_statement(NotBanned, get_user_model(), PATHS, "default") is None
    assert NotBanned().get_user(member.pk).profile.company.name == "Acme Tools"
    member.username = "banned"
    member.save()
    assert NotBanned().get_user(member.pk) is None
    assert user_statement(Annotated, get_user_model(), PATHS, "default") is not None
    assert Annotated().get_user(member.pk).login_name == member.username


def test_a_query_that_matches_nobody_loads_nobody(users):
    assert user_statement(Nobody, get_user_model(), PATHS, "default") is None
    with record() as log:
        assert Nobody().get_user(users[0].pk) is None
    assert log.count == 0  # as the ORM: nothing to ask the database


def test_more_than_one_row_raises_as_the_orm_does(users):
    [member, *_] = users
    member.groups.add(Group.objects.create(name="a"), Group.objects.create(name="b"))
    assert user_statement(InAGroup, get_user_model(), PATHS, "default") is not None
    model = get_user_model()
    with pytest.raises(model.MultipleObjectsReturned):
        InAGroup().users().get(pk=member.pk)
    with pytest.raises(model.MultipleObjectsReturned):
        InAGroup().get_user(member.pk)
    member.groups.remove(Group.objects.get(name="b"))
    assert InAGroup().get_user(member.pk).pk == member.pk
    assert InAGroup().get_user(users[1].pk) is None  # in no group


@pytest.mark.parametrize(
    "make",
    [
        lambda users: users.prefetch_related("groups"),
        lambda users: users.values(),
        lambda users: users.extra(select={"one": "1"}),
        lambda users: users.annotate(name_length=Length("username")),
    ],
    ids=["prefetch", "values", "extra-columns-first", "converter"],
)
def test_queries_it_cannot_run_as_the_orm_does_get_no_statement(make):
    assert Statement.of(make(ProfileModelBackend().users())) is None
