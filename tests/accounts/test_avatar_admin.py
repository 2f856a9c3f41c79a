"""Avatars in the admin, on the local S3 server: uploads on the profile's page and inline
on the user's page, the "File versions" link, and restoring a deleted avatar."""

import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile
from config.media import versions
from config.media.admin import versions_url
from config.media.forms import STORAGE_ERROR_MESSAGE
from tests.accounts.conftest import avatar_url
from tests.conftest import bucket_keys, current_keys, stored_bytes
from tests.factories import PROFILE_FIELDS, UserFactory, image_bytes, stored_as, upload
from tests.processes import http_get

pytestmark = pytest.mark.django_db

AVATAR = image_bytes("PNG", (12, 12))


def profile_page(profile) -> str:
    return reverse("admin:accounts_profile_change", args=[profile.pk])


def user_page(user) -> str:
    return reverse("admin:auth_user_change", args=[user.pk])


def profile_page_data(profile, **fields) -> dict:
    """What the profile's admin page posts: its fields as they are, changed by `fields`."""
    return {"display_name": profile.display_name, "bio": profile.bio, "company": "", **fields}


def user_page_data(user, **profile_fields) -> dict:
    """What the user's admin page posts: the user as it is, and the profile inline."""
    joined = timezone.localtime(user.date_joined)
    last = timezone.localtime(user.last_login) if user.last_login else None
    return {
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": "on",
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
        "last_login_0": last.strftime("%Y-%m-%d") if last else "",
        "last_login_1": last.strftime("%H:%M:%S") if last else "",
        "profile-TOTAL_FORMS": "1",
        "profile-INITIAL_FORMS": "1",
        "profile-MIN_NUM_FORMS": "0",
        "profile-MAX_NUM_FORMS": "1",
        "profile-0-id": user.profile.pk,
        "profile-0-user": user.pk,
        **{f"profile-0-{k}": v for k, v in profile_page_data(user.profile).items()},
        **{f"profile-0-{k}": v for k, v in profile_fields.items()},
    }


def test_upload_on_the_profile_page_stores_the_avatar_and_links_its_versions(
    admin_client, fresh_s3
):
    profile = UserFactory().profile
    data = profile_page_data(profile, avatar=upload("me.png", AVATAR))

    response = admin_client.post(profile_page(profile), data)

    assert response.status_code == 302
    profile.refresh_from_db()
    name = profile.avatar.name
    assert stored_as(name, "avatars/", ".png")
    assert stored_bytes(fresh_s3, name) == AVATAR
    page = admin_client.get(profile_page(profile)).content.decode()
    assert "File versions" in page
    assert f'<a href="{versions_url(name)}">Versions of {name}</a>' in page


def test_upload_inline_on_the_user_page_stores_the_avatar_and_links_its_versions(
    admin_client, fresh_s3
):
    user = UserFactory()
    data = user_page_data(user, display_name="Ada", avatar=upload("me.png", AVATAR))

    response = admin_client.post(user_page(user), data)

    assert response.status_code == 302, response.context["errors"]
    profile = Profile.objects.get(user=user)
    name = profile.avatar.name
    assert profile.display_name == "Ada"
    assert stored_as(name, "avatars/", ".png")
    assert stored_bytes(fresh_s3, name) == AVATAR
    page = admin_client.get(user_page(user)).content.decode()
    assert "File versions" in page
    assert f'<a href="{versions_url(name)}">Versions of {name}</a>' in page


@pytest.mark.parametrize("where", ["profile page", "user page inline"])
def test_a_file_that_is_not_an_image_is_refused_and_never_stored(admin_client, fresh_s3, where):
    user = UserFactory()
    bad = upload("me.png", b"<script>alert(1)</script>")
    if where == "profile page":
        response = admin_client.post(
            profile_page(user.profile), profile_page_data(user.profile, avatar=bad)
        )
    else:
        response = admin_client.post(user_page(user), user_page_data(user, avatar=bad))
    assert response.status_code == 200
    assert "This file is not one" in response.content.decode()
    assert Profile.objects.get(user=user).avatar.name == ""
    assert bucket_keys(fresh_s3) == []


@pytest.mark.parametrize("where", ["profile page", "user page inline"])
def test_storage_failure_is_a_form_error_and_no_row_changes(admin_client, broken_s3, where):
    user = UserFactory(
        first_name="Ada", profile__display_name="Ada L.", profile__avatar="avatars/old.png"
    )
    users, profiles = get_user_model().objects.filter(pk=user.pk), Profile.objects.filter(user=user)
    before = (list(users.values()), list(profiles.values()))
    avatar = upload("me.png", AVATAR)
    if where == "profile page":
        data = profile_page_data(user.profile, display_name="New", avatar=avatar)
        response = admin_client.post(profile_page(user.profile), data)
    else:
        data = {**user_page_data(user, display_name="New", avatar=avatar), "first_name": "New"}
        response = admin_client.post(user_page(user), data)

    assert response.status_code == 200
    assert STORAGE_ERROR_MESSAGE in response.content.decode()
    assert (list(users.values()), list(profiles.values())) == before


@pytest.fixture
def deleted_avatar(client, fresh_s3):
    """A user's avatar uploaded through the profile form, then deleted from the bucket."""
    user = UserFactory()
    client.force_login(user)
    client.post("/accounts/profile/edit/", {**PROFILE_FIELDS, "avatar": upload("me.png", AVATAR)})
    name = Profile.objects.get(user=user).avatar.name
    stale_url = avatar_url(client)
    default_storage.delete(name)  # a slip, or a malicious DELETE with the app's keys
    assert http_get(stale_url).status == 404
    return user, name


def test_staff_restore_a_deleted_avatar_from_the_profile_page(
    client, admin_user, deleted_avatar, fresh_s3
):
    user, name = deleted_avatar
    staff = Client(enforce_csrf_checks=True)
    staff.force_login(admin_user)

    change_page = staff.get(profile_page(user.profile)).content.decode()
    link = html.unescape(re.search(r'<a href="([^"]+)">Versions of ', change_page)[1])
    versions_page = staff.get(link).content.decode()
    assert "delete marker" in versions_page
    # The one restore form, for the version under the marker, with its CSRF token.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', versions_page)[1]
    version_id = re.search(r'name="version_id" value="([^"]+)"', versions_page)[1]
    assert staff.post(link, {"name": name, "version_id": version_id}).status_code == 403

    data = {"csrfmiddlewaretoken": token, "name": name, "version_id": version_id}
    response = staff.post(link, data)

    assert response.status_code == 302
    assert f"Restored {name}" in staff.get(response["Location"]).content.decode()
    current = versions.list_versions(name)[0]
    assert (current.is_latest, current.is_delete_marker) == (True, False)
    assert stored_bytes(fresh_s3, name) == AVATAR
    # The user's profile page shows the avatar again, and its URL downloads the same bytes.
    download = http_get(avatar_url(client))
    assert (download.status, download.body) == (200, AVATAR)


def test_an_upload_named_like_a_deleted_file_takes_a_key_of_its_own(
    client, admin_user, deleted_avatar, fresh_s3
):
    """A key whose current version is a delete marker answers 404 to the storage's
    "is this name taken?": an upload of the same name (phones name every photo
    image.jpg) wrote over it, and restoring the first user's avatar then put it on
    the second user's profile."""
    first, name = deleted_avatar
    other = UserFactory()
    assert other.pk != first.pk
    other_client = Client()
    other_client.force_login(other)
    theirs = image_bytes("PNG", (20, 20))
    other_client.post(
        "/accounts/profile/edit/", {**PROFILE_FIELDS, "avatar": upload("me.png", theirs)}
    )
    their_name = Profile.objects.get(user=other).avatar.name
    assert their_name != name
    assert [v.is_delete_marker for v in versions.list_versions(name)] == [True, False]

    versions.restore(name, versions.list_versions(name)[1].version_id)

    assert stored_bytes(fresh_s3, name) == AVATAR
    assert stored_bytes(fresh_s3, their_name) == theirs
    assert http_get(avatar_url(client)).body == AVATAR
    assert http_get(avatar_url(other_client)).body == theirs


def test_a_user_who_is_not_staff_cannot_see_or_restore_versions(client, deleted_avatar):
    _, name = deleted_avatar
    (version,) = [v for v in versions.list_versions(name) if not v.is_delete_marker]
    url = versions_url(name)
    for response in (
        client.get(url),
        client.post(
            reverse("admin-media-versions"), {"name": name, "version_id": version.version_id}
        ),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    assert not default_storage.exists(name)


def test_an_avatar_on_a_page_shown_again_is_not_left_in_the_bucket(admin_client, fresh_s3):
    """The inline profile stores its avatar while it is checked; an error elsewhere on
    the page (the user's e-mail here) then saves no row. The file stayed, with no
    row to point at it, for good (the lifecycle expires only old versions), and the
    browser's emptied file input made every retry store another."""
    user = UserFactory(email="kept@example.com")
    data = {**user_page_data(user, avatar=upload("me.png", AVATAR)), "email": "not-an-address"}

    response = admin_client.post(user_page(user), data)

    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert Profile.objects.get(user=user).avatar.name == ""
    assert current_keys(fresh_s3) == []
