"""Deleting users in the admin: a profile never goes on its own, and always with its user."""

import json

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from accounts.models import Company, Profile
from tests.accounts.test_avatar_admin import user_page_data
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()


def member(username: str = "lin"):
    return User.objects.create_user(username, f"{username}@example.com", "x-pass-9")


def staff_with(*codenames: str, username: str = "clerk") -> Client:
    """A client logged in as staff holding exactly these permissions ("app.codename")."""
    user = User.objects.create_user(username, "", "x-pass-9", is_staff=True)
    for name in codenames:
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    client = Client()
    client.force_login(user)
    return client


def actions_offered(changelist) -> set[str]:
    form = changelist.context["action_form"]  # None when there is no action at all
    return {value for value, label in form.fields["action"].choices} if form else set()


def delete_page(user) -> str:
    return reverse("admin:auth_user_delete", args=[user.pk])


def test_a_superuser_deletes_a_user_and_the_profile_goes_with_it(admin_client):
    user = member()
    page = admin_client.get(delete_page(user))
    assert page.status_code == 200
    assert page.context["perms_lacking"] == set()
    assert dict(page.context["model_count"]) == {"users": 1, "profiles": 1}  # what goes
    answer = admin_client.post(delete_page(user), {"post": "yes"})
    assert answer.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Profile.objects.filter(user_id=user.pk).exists()


def test_a_superuser_deletes_users_from_the_list(admin_client):
    users = [member("lin"), member("ana")]
    answer = admin_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "delete_selected", "_selected_action": [u.pk for u in users], "post": "yes"},
    )
    assert answer.status_code == 302
    assert not User.objects.filter(pk__in=[u.pk for u in users]).exists()
    assert not Profile.objects.filter(user_id__in=[u.pk for u in users]).exists()


def test_staff_who_may_delete_users_but_not_profiles_are_told_and_delete_nothing():
    client = staff_with("auth.view_user", "auth.delete_user")
    user = member()
    page = client.get(delete_page(user))
    assert page.status_code == 200
    assert page.context["perms_lacking"] == {"profile"}
    assert client.post(delete_page(user), {"post": "yes"}).status_code == 403
    assert Profile.objects.filter(user=user).exists()


def test_staff_who_may_delete_users_and_profiles_delete_a_user():
    client = staff_with("auth.view_user", "auth.delete_user", "accounts.delete_profile")
    user = member()
    assert client.post(delete_page(user), {"post": "yes"}).status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()


@pytest.mark.parametrize(
    "client_for",
    [
        pytest.param(lambda admin_client: admin_client, id="superuser"),
        pytest.param(
            lambda admin_client: staff_with("accounts.view_profile", "accounts.delete_profile"),
            id="staff who may delete profiles",
        ),
    ],
)
def test_a_profile_cannot_be_deleted_on_its_own(admin_client, client_for):
    """A user without a profile would get a 500 on every profile page."""
    client = client_for(admin_client)
    profile = member().profile
    own_delete_page = reverse("admin:accounts_profile_delete", args=[profile.pk])
    assert client.get(own_delete_page).status_code == 403
    assert client.post(own_delete_page, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:accounts_profile_changelist")
    assert "delete_selected" not in actions_offered(client.get(changelist))
    bulk = {"action": "delete_selected", "_selected_action": [profile.pk], "post": "yes"}
    client.post(changelist, bulk)
    assert Profile.objects.filter(pk=profile.pk).exists()
    change_page = client.get(reverse("admin:accounts_profile_change", args=[profile.pk]))
    assert own_delete_page not in change_page.text


def test_a_company_website_typed_without_its_scheme_is_https(admin_client, recwarn):
    data = {"name": "Acme", "slug": "acme", "website": "acme.example.com"}
    response = admin_client.post(reverse("admin:accounts_company_add"), data)
    assert response.status_code == 302
    assert Company.objects.get(slug="acme").website == "https://acme.example.com"
    assert not [w for w in recwarn if "assume_scheme" in str(w.message)]


# 256 characters, and 254 that become 255 once Django lowercases the domain ("İ" is
# two characters in lower case): the user table holds 254.
OVERLONG_EMAILS = {"256": "a" * 250 + "@x.com", "255 once lowercased": "a" * 248 + "@\u0130.com"}


@pytest.mark.parametrize("email", OVERLONG_EMAILS.values(), ids=OVERLONG_EMAILS)
def test_an_email_longer_than_the_column_is_a_form_error_on_the_user_page(admin_client, email):
    """The admin's user form took both, and PostgreSQL refused the row: a 500."""
    user = UserFactory(email="kept@example.com")
    data = user_page_data(user)
    data["email"] = email
    response = admin_client.post(f"/admin/auth/user/{user.pk}/change/", data)
    assert response.status_code == 200
    assert "at most 254 characters" in response.content.decode()
    user.refresh_from_db()
    assert user.email == "kept@example.com"


@pytest.mark.parametrize(
    "codenames",
    [("accounts.view_profile",), ("accounts.view_profile", "accounts.change_profile")],
    ids=["view", "change"],
)
def test_staff_who_may_not_see_users_are_shown_no_username_on_the_profile_pages(codenames):
    """A profile's admin showed its user's username in its list, its search, its
    page and, for a member without a display name, its title: to staff who may not
    view users, every account's login name, superusers' included. Its history page
    names the staff who changed it only to staff who may see users; so do these."""
    secret = member("root-operator")
    client = staff_with(*codenames)
    changelist = reverse("admin:accounts_profile_changelist")
    change = reverse("admin:accounts_profile_change", args=[secret.profile.pk])
    history = reverse("admin:accounts_profile_history", args=[secret.profile.pk])
    for page in (changelist, change, history):
        response = client.get(page)
        assert response.status_code == 200, page
        assert "root-operator" not in response.content.decode(), page
    # Searching by username finds nothing: the search reads display names alone.
    found = client.get(changelist, {"q": "root-operator"})
    assert found.context["cl"].result_count == 0
    # Staff who may view users see them, as on the users' own pages.
    viewer = staff_with(*codenames, "auth.view_user", username="viewer")
    assert "root-operator" in viewer.get(changelist).content.decode()
    assert viewer.get(changelist, {"q": "root-operator"}).context["cl"].result_count == 1
    assert "root-operator" in viewer.get(change).content.decode()


# django-axes' pages and their records: who tried to log in, or did, and from where.
LOGIN_RECORDS = {
    "accessattempt": lambda **seen: AccessAttempt.objects.create(
        **seen, get_data="", post_data="", failures_since_start=1
    ),
    "accesslog": lambda **seen: AccessLog.objects.create(**seen),
    "accessfailurelog": lambda **seen: AccessFailureLog.objects.create(**seen),
}


@pytest.mark.parametrize("model", LOGIN_RECORDS)
def test_login_records_are_only_for_staff_who_may_see_users(model):
    """django-axes' pages list each username a login named (a password typed into
    the username box too, by a slip of the tab key), superusers' included, with
    the address it came from: to staff holding only their view permission, every
    account's login name, which the rest of the admin shows only to staff who may
    see users."""
    record = LOGIN_RECORDS[model](
        username="root-operator",
        ip_address="203.0.113.7",
        user_agent="Firefox",
        http_accept="text/html",
        path_info="/accounts/login/",
    )
    pages = [
        reverse(f"admin:axes_{model}_changelist"),
        reverse(f"admin:axes_{model}_change", args=[record.pk]),
    ]
    rights = (f"axes.view_{model}", f"axes.change_{model}", f"axes.delete_{model}")
    client = staff_with(*rights)
    for page in pages:
        response = client.get(page)
        assert response.status_code == 403, page
        assert "root-operator" not in response.content.decode(), page
    assert "root-operator" not in client.get(reverse("admin:index")).content.decode()
    viewer = staff_with(*rights, "auth.view_user", username="viewer")
    for page in pages:
        assert "root-operator" in viewer.get(page).content.decode(), page


@pytest.mark.parametrize("editor", ["superuser", "staff who may change users"])
@pytest.mark.parametrize("new_name", ["Root", "ROOT", "rOOt"])
def test_a_user_cannot_be_renamed_to_another_accounts_name_in_another_case(
    admin_client, editor, new_name
):
    """Signup and the add page refuse a username taken in any case; the change page
    took it, and "Root" stood beside the superuser "root" in the lists and logs."""
    User.objects.create_user("root", "", "x-pass-9", is_staff=True, is_superuser=True)
    renamed = member()
    client = (
        admin_client if editor == "superuser" else staff_with("auth.view_user", "auth.change_user")
    )
    data = {**user_page_data(renamed), "username": new_name}
    response = client.post(f"/admin/auth/user/{renamed.pk}/change/", data)
    assert response.status_code == 200
    assert "A user with that username already exists." in response.content.decode()
    renamed.refresh_from_db()
    assert renamed.username == "lin"


def test_a_user_may_be_renamed_to_its_own_name_in_another_case(admin_client):
    renamed = member()
    data = {**user_page_data(renamed), "username": "Lin"}
    response = admin_client.post(f"/admin/auth/user/{renamed.pk}/change/", data)
    assert response.status_code == 302
    renamed.refresh_from_db()
    assert renamed.username == "Lin"


@pytest.mark.parametrize("stored", ["Root", "\uff52\uff4f\uff4f\uff54"])
def test_an_account_already_sharing_its_name_in_another_case_can_still_be_changed(
    admin_client, stored
):
    """Made before the check (or by a command that lacked it): staff could not even
    deactivate it, every save refused its unchanged name. One stored before the forms
    normalised names (full-width "root") is kept as stored: its NFKC form was read as
    a change, and met its twin."""
    member("root")
    twin = member("twin")
    # Renamed behind the model's save, as a row of an older database was written.
    get_user_model().objects.filter(pk=twin.pk).update(username=stored)
    twin.refresh_from_db()
    data = {**user_page_data(twin), "email": "twin@example.com"}
    del data["is_active"]
    response = admin_client.post(f"/admin/auth/user/{twin.pk}/change/", data)
    assert response.status_code == 302
    twin.refresh_from_db()
    assert (twin.username, twin.email, twin.is_active) == (stored, "twin@example.com", False)


@pytest.mark.parametrize(
    ("field", "stored"),
    [
        # Written without the form's checks: create_user(), a fixture, an older database.
        ("username", "john doe"),
        ("username", "a/b"),
        ("username", "x!"),
        # Longer than 150 characters in NFKC, which the form reads a name in.
        ("username", "\ufdfa" * 9),
        ("username", "a" * 140 + "\ufdfa"),
        # Addresses stored before mail had to be able to reach them (docs/accounts.md).
        ("email", "\u212a@example.com"),
        ("email", "m@fa\u00df.de"),
        # Kept byte for byte: the model's clean() writes the domain in lower case, and
        # "\u0130" is two characters then (254 of them stored, 255: a 500).
        ("email", "Ada@EXAMPLE.COM"),
        ("email", "ada@\u0130stanbul.example"),
        ("email", "a" * 72 + "@\u0130" + "b" * 50 + "." + "c" * 60 + "." + "d" * 60 + ".example"),
    ],
)
def test_an_account_whose_stored_value_the_form_refuses_can_still_be_changed(
    admin_client, field, stored
):
    """A value left as it is stays, whatever it is: the field's own checks refused an
    unchanged name or address, and staff could not even deactivate the account."""
    user = member("someone")
    get_user_model().objects.filter(pk=user.pk).update(**{field: stored})
    user.refresh_from_db()
    data = user_page_data(user)
    del data["is_active"]
    other = {"username": "someone-else", "email": "new@example.com"}
    data["email" if field == "username" else "username"] = other[
        "email" if field == "username" else "username"
    ]
    response = admin_client.post(f"/admin/auth/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert getattr(user, field) == stored
    assert user.is_active is False
    # A value changed to one the checks refuse is still refused.
    user.is_active = True
    user.save()
    refused = {"username": "john doe!", "email": "\u212a2@example.com"}[field]
    response = admin_client.post(
        f"/admin/auth/user/{user.pk}/change/", {**user_page_data(user), field: refused}
    )
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors


@pytest.mark.parametrize(
    ("field", "stored", "posted"),
    [
        ("username", "john\n", "john"),
        ("username", "jo\r\nhn", "john"),
        ("email", " \u212a@example.com\n", "\u212a@example.com"),
    ],
)
@pytest.mark.parametrize("twin", [False, True], ids=["alone", "beside its twin"])
def test_a_stored_value_a_browser_posts_otherwise_is_kept_as_stored(
    admin_client, field, stored, posted, twin
):
    """A browser posts a text field's value without its line breaks, an e-mail
    field's without outer whitespace: such a stored value came back changed, and the
    account was renamed without anyone asking, or refused beside the account that
    has the name it came back as."""
    if twin:
        member("john")
    user = member("someone")
    get_user_model().objects.filter(pk=user.pk).update(**{field: stored})
    user.refresh_from_db()
    data = {**user_page_data(user), field: posted}
    del data["is_active"]
    response = admin_client.post(f"/admin/auth/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert (getattr(user, field), user.is_active) == (stored, False)
    # The admin's history says what changed: not the field that was kept.
    entry = LogEntry.objects.filter(object_id=str(user.pk)).latest("pk")
    [changed] = json.loads(entry.change_message)
    label = {"username": "Username", "email": "Email address"}[field]
    assert "Active" in changed["changed"]["fields"]
    assert label not in changed["changed"]["fields"]


@pytest.mark.parametrize("name", ["demo-staff", "Demo-Member", "DEMO-STAFF"])
def test_the_admin_neither_gives_nor_renames_to_a_name_the_demo_keeps(admin_client, name):
    """Signup refuses them in any case: an account of that name is taken for the
    demo's shared login, and the seed would make the shared one beside it."""
    renamed = member()
    data = {**user_page_data(renamed), "username": name}
    response = admin_client.post(f"/admin/auth/user/{renamed.pk}/change/", data)
    assert response.status_code == 200
    assert "kept for the demo" in response.content.decode()
    added = {"username": name, "password1": "x-long-pass-9", "password2": "x-long-pass-9"}
    response = admin_client.post("/admin/auth/user/add/", {**added, "usable_password": "true"})
    assert response.status_code == 200
    assert "kept for the demo" in response.content.decode()
    assert list(User.objects.filter(username__iexact=name)) == []
