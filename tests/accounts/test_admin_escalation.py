"""Staff who may change users or groups cannot make anyone, themselves included,
more than they are: the superuser flag, groups and permissions are a superuser's to
give, and other staff accounts (their passwords above all) a superuser's to change
or delete. docs/production.md, "Changing users does not make staff a superuser"."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from tests.accounts.test_admin import member, staff_with
from tests.accounts.test_avatar_admin import profile_page, profile_page_data, user_page_data

pytestmark = pytest.mark.django_db

User = get_user_model()

EVERY_USER_RIGHT = ("auth.view_user", "auth.change_user", "auth.delete_user")
PASSWORD = "Taken-Over-12345"


def clerk() -> User:
    return User.objects.get(username="clerk")


def permission(name: str) -> Permission:
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def password_page(user) -> str:
    return reverse("admin:auth_user_password_change", args=[user.pk])


def change_page(user) -> str:
    return reverse("admin:auth_user_change", args=[user.pk])


def new_password() -> dict:
    return {"password1": PASSWORD, "password2": PASSWORD, "usable_password": "true"}


# Accounts whose password would give the one who sets it more than they hold.
OTHERS = [
    "superuser",
    "other staff",
    "rights through a group",
    "rights given directly",
    # A superuser may give the group rights at any time: a password set before
    # then would hold them from then on.
    "a group granting nothing yet",
]


def others(kind: str) -> User:
    """An account of `kind`; the last three are not staff (yet: a superuser switched
    their staff status off, or has not switched it on), but hold rights or are
    in a group."""
    if kind == "superuser":
        return User.objects.create_superuser("root", "root@example.com", "x-pass-9")
    user = User.objects.create_user(
        "peer", "peer@example.com", "x-pass-9", is_staff=kind == "other staff"
    )
    if kind == "rights through a group":
        group = Group.objects.create(name="Editors")
        group.permissions.add(permission("catalog.delete_product"))
        user.groups.add(group)
    elif kind == "a group granting nothing yet":
        user.groups.add(Group.objects.create(name="Newsletter"))
    elif kind == "rights given directly":
        user.user_permissions.add(permission("catalog.delete_product"))
    return user


@pytest.mark.parametrize("kind", OTHERS)
def test_staff_who_change_users_cannot_set_the_password_of_an_account_outranking_them(kind):
    client = staff_with(*EVERY_USER_RIGHT)
    target = others(kind)
    assert client.get(password_page(target)).status_code == 403
    assert client.post(password_page(target), new_password()).status_code == 403
    target.refresh_from_db()
    assert not target.check_password(PASSWORD)
    assert target.check_password("x-pass-9")


@pytest.mark.parametrize("kind", OTHERS)
def test_staff_who_change_users_see_an_account_outranking_them_read_only(kind):
    client = staff_with(*EVERY_USER_RIGHT)
    target = others(kind)
    page = client.get(change_page(target))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    data = {**user_page_data(target), "is_active": ""}  # switching the account off
    assert client.post(change_page(target), data).status_code == 403
    target.refresh_from_db()
    assert target.is_active


@pytest.mark.parametrize("kind", OTHERS)
def test_staff_who_delete_users_cannot_delete_an_account_outranking_them(kind):
    client = staff_with(*EVERY_USER_RIGHT, "accounts.delete_profile")
    target = others(kind)
    delete = reverse("admin:auth_user_delete", args=[target.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    # The list's action asks the same of each object it would delete.
    selected = {"action": "delete_selected", "_selected_action": [target.pk, member().pk]}
    changelist = reverse("admin:auth_user_changelist")
    assert client.post(changelist, selected).context["perms_lacking"] == {"user"}
    assert client.post(changelist, {**selected, "post": "yes"}).status_code == 403
    assert User.objects.filter(pk=target.pk).exists()
    assert User.objects.filter(username="lin").exists()  # nothing, not the rest


@pytest.mark.parametrize("whom", ["themselves", "a member"])
def test_staff_who_change_users_cannot_grant_superuser_groups_or_permissions(whom):
    client = staff_with(*EVERY_USER_RIGHT)
    target = clerk() if whom == "themselves" else member()
    group = Group.objects.create(name="Everything")
    group.permissions.set(Permission.objects.all())
    data = {
        **user_page_data(target),
        "is_staff": "on",
        "is_superuser": "on",
        "groups": [group.pk],
        "user_permissions": [permission("auth.change_group").pk],
    }
    page = client.get(change_page(target))
    form = page.context["adminform"].form
    assert {"is_superuser", "groups", "user_permissions"}.isdisjoint(form.fields)
    assert client.post(change_page(target), data).status_code == 302  # the rest is saved
    target.refresh_from_db()
    assert not target.is_superuser
    assert not target.groups.exists()
    rights = {f"{p.content_type.app_label}.{p.codename}" for p in target.user_permissions.all()}
    assert rights == (set(EVERY_USER_RIGHT) if whom == "themselves" else set())


@pytest.mark.parametrize("kind", OTHERS)
def test_staff_who_change_profiles_see_the_profile_of_an_account_outranking_them_read_only(kind):
    """The profile is the account's too: its name is shown as theirs on every page."""
    client = staff_with("accounts.view_profile", "accounts.change_profile")
    target = others(kind)
    page = client.get(profile_page(target.profile))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    data = profile_page_data(target.profile, display_name="Site owner")
    assert client.post(profile_page(target.profile), data).status_code == 403
    target.profile.refresh_from_db()
    assert target.profile.display_name == ""


def test_staff_who_change_profiles_still_edit_members_and_their_own():
    client = staff_with("accounts.view_profile", "accounts.change_profile")
    for user in (member(), clerk()):
        data = profile_page_data(user.profile, display_name="Renamed")
        assert client.post(profile_page(user.profile), data).status_code == 302
        user.profile.refresh_from_db()
        assert user.profile.display_name == "Renamed"


def test_staff_who_change_users_still_manage_members_and_their_own_password():
    client = staff_with(*EVERY_USER_RIGHT, "auth.add_user")
    added = client.post(
        reverse("admin:auth_user_add"),
        {"username": "newcomer", "usable_password": "false", "password1": "", "password2": ""},
    )
    assert added.status_code == 302
    assert User.objects.filter(username="newcomer").exists()
    someone = member()
    assert client.post(password_page(someone), new_password()).status_code == 302
    someone.refresh_from_db()
    assert someone.check_password(PASSWORD)
    assert client.post(password_page(clerk()), new_password()).status_code == 302
    assert clerk().check_password(PASSWORD)


def test_staff_who_change_groups_cannot_give_a_group_permissions():
    client = staff_with("auth.view_group", "auth.change_group", "auth.add_group")
    ours = Group.objects.create(name="Clerks")
    clerk().groups.add(ours)
    change = reverse("admin:auth_group_change", args=[ours.pk])
    wanted = [permission("auth.change_user").pk]
    assert "permissions" not in client.get(change).context["adminform"].form.fields
    client.post(change, {"name": "Clerks", "permissions": wanted})
    add = reverse("admin:auth_group_add")
    client.post(add, {"name": "New", "permissions": wanted})
    assert not ours.permissions.exists()
    assert not Permission.objects.filter(group__name="New").exists()
    assert not clerk().has_perm("auth.change_user")


def test_staff_who_delete_groups_cannot_delete_one_that_grants_rights():
    """Deleting it takes its rights from everyone in it: a superuser's to do."""
    client = staff_with("auth.view_group", "auth.delete_group")
    granting = Group.objects.create(name="Editors")
    granting.permissions.add(permission("catalog.change_product"))
    others("other staff").groups.add(granting)
    empty = Group.objects.create(name="Newsletter")
    delete = reverse("admin:auth_group_delete", args=[granting.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    selected = {"action": "delete_selected", "_selected_action": [granting.pk, empty.pk]}
    changelist = reverse("admin:auth_group_changelist")
    assert client.post(changelist, selected).context["perms_lacking"] == {"group"}
    assert client.post(changelist, {**selected, "post": "yes"}).status_code == 403
    assert set(Group.objects.values_list("name", flat=True)) == {"Editors", "Newsletter"}
    assert User.objects.get(username="peer").has_perm("catalog.change_product")
    # A group that grants nothing is theirs to delete.
    removed = client.post(reverse("admin:auth_group_delete", args=[empty.pk]), {"post": "yes"})
    assert removed.status_code == 302
    assert not Group.objects.filter(name="Newsletter").exists()


def test_a_superuser_still_grants_everything_and_changes_other_staff(admin_client):
    target = others("other staff")
    group = Group.objects.create(name="Clerks")
    data = {
        **user_page_data(target),
        "is_staff": "on",
        "is_superuser": "on",
        "groups": [group.pk],
        "user_permissions": [permission("auth.change_group").pk],
    }
    assert admin_client.post(change_page(target), data).status_code == 302
    target.refresh_from_db()
    assert target.is_superuser
    assert list(target.groups.all()) == [group]
    assert admin_client.post(password_page(target), new_password()).status_code == 302
    change = reverse("admin:auth_group_change", args=[group.pk])
    wanted = [permission("auth.change_user").pk]
    assert admin_client.post(change, {"name": "Clerks", "permissions": wanted}).status_code == 302
    assert group.permissions.filter(pk__in=wanted).exists()
