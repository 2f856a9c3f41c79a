"""Avatars on the versioned media bucket through the profile form, over HTTP to local S3."""

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from accounts.models import Profile
from config.local import s3 as locals3
from config.media import versions
from config.media.forms import STORAGE_ERROR_MESSAGE
from tests.accounts.conftest import avatar_url, while_the_form_is_checked
from tests.conftest import bucket_keys, stored_bytes
from tests.factories import (
    CompanyFactory,
    UserFactory,
    image_bytes,
    png_declaring,
    stored_as,
    upload,
)
from tests.processes import http_get

pytestmark = pytest.mark.django_db

EDIT = "/accounts/profile/edit/"


@pytest.fixture
def user(client, fresh_s3):
    user = UserFactory(profile__display_name="Ada L.")
    client.force_login(user)
    return user


def test_upload_lands_in_the_bucket_and_the_profile_page_links_it_presigned(client, user, fresh_s3):
    content = image_bytes("JPEG")
    # A JPEG whose name and content type say otherwise: the file is judged by its content.
    avatar = upload("me.png", content, "text/html")
    response = client.post(EDIT, {"bio": "", "display_name": "Ada L.", "avatar": avatar})

    assert response.status_code == 302
    name = Profile.objects.get(user=user).avatar.name
    assert stored_as(name, "avatars/", ".jpg")
    # The object, read with boto3 straight from the bucket: named and typed by its content.
    assert stored_bytes(fresh_s3, name) == content
    head = fresh_s3.client().head_object(Bucket=locals3.MEDIA_BUCKET, Key=name)
    assert head["ContentType"] == "image/jpeg"
    # The page links a presigned URL on the bucket, which downloads the same bytes.
    url = avatar_url(client)
    assert url.startswith(f"{fresh_s3.endpoint_url}/{locals3.MEDIA_BUCKET}/{name}?")
    assert "X-Amz-Signature=" in url
    download = http_get(url)
    assert (download.status, download.body) == (200, content)
    headers = {name.lower(): value for name, value in download.headers.items()}
    assert headers["content-type"] == "image/jpeg"


def test_an_image_just_under_5_mb_goes_through_the_whole_request(client, user, fresh_s3):
    content = image_bytes("PNG") + bytes(5 * 2**20 - 1_000)
    response = client.post(
        EDIT, {"bio": "", "display_name": "Ada L.", "avatar": upload("big.png", content)}
    )
    assert response.status_code == 302
    # The picture is stored, not what followed it in the file.
    name = Profile.objects.get(user=user).avatar.name
    assert stored_as(name, "avatars/", ".png")
    assert stored_bytes(fresh_s3, name) == image_bytes("PNG")


@pytest.mark.parametrize(
    ("file", "error"),
    [
        (upload("me.png", b"<script>alert(1)</script>"), "This file is not one"),
        (upload("me.png", image_bytes("TIFF")), "This file is not one"),
        (upload("me.png", png_declaring(40_000, 40_000)), "too large in pixels"),
        (upload("me.png", b"\x89PNG" + bytes(5 * 1024 * 1024)), "may be at most 5,242,880"),
    ],
    ids=["text-named-png", "tiff", "decompression-bomb", "over-5-mb"],
)
def test_a_refused_file_is_a_form_error_and_never_stored(client, user, fresh_s3, file, error):
    response = client.post(EDIT, {"bio": "", "display_name": "New name", "avatar": file})
    assert response.status_code == 200
    assert error in response.content.decode()
    profile = Profile.objects.get(user=user)
    assert (profile.display_name, profile.avatar.name) == ("Ada L.", "")
    assert bucket_keys(fresh_s3) == []


LONG_NAMES = {
    "over 150 characters": "Screenshot 2026-11-30 at 10.41.07 " + "very long name " * 10 + ".png",
    # Windows' longest name, 255 UTF-16 units: 765 bytes of UTF-8, which browsers send
    # as they are. Linux's names are at most 255 bytes.
    "255 of 写": "写" * 255,
}


@pytest.mark.parametrize("name", LONG_NAMES.values(), ids=LONG_NAMES)
def test_a_long_file_name_is_not_refused(client, user, fresh_s3, name):
    """Uploads are renamed (config/media/uploads.py, stored_name): the name a browser
    sends has no limit of the form's own."""
    assert len(name) > 150
    response = client.post(
        EDIT, {"bio": "", "display_name": "Ada L.", "avatar": upload(name, image_bytes("PNG"))}
    )
    assert response.status_code == 302
    stored = Profile.objects.get(user=user).avatar.name
    assert stored_as(stored, "avatars/", ".png")
    assert bucket_keys(fresh_s3) == [stored]


def test_the_uploaded_files_name_is_never_shown(client, user, fresh_s3):
    """A device's name for a photo may say who is in it; an avatar's URL is on its
    company's page for anyone, and in the admin for staff."""
    company = CompanyFactory(slug="acme")
    Profile.objects.filter(user=user).update(company=company)
    avatar = upload("Jane Doe passport scan.png", image_bytes("PNG"))
    assert (
        client.post(EDIT, {"bio": "", "display_name": "Ada L.", "avatar": avatar}).status_code
        == 302
    )
    for page in ("/companies/acme/", "/accounts/profile/"):
        shown = Client().get(page) if page.startswith("/companies") else client.get(page)
        assert shown.status_code == 200
        for word in ("Jane", "passport", "scan"):
            assert word not in shown.content.decode(), (page, word)
    assert stored_as(Profile.objects.get(user=user).avatar.name, "avatars/", ".png")


def test_a_file_spooled_to_disk_with_a_very_long_extension_is_a_form_error(client, user, fresh_s3):
    """Above 5 MiB Django writes the upload to a temporary file named after its
    extension (config/security/uploadhandlers.py): 240 characters of it failed."""
    big = upload("a." + "x" * 240, b"\x89PNG" + bytes(5 * 1024 * 1024 + 4096))
    response = client.post(EDIT, {"bio": "", "display_name": "Ada L.", "avatar": big})
    assert response.status_code == 200
    assert "an image may be at most 5,242,880" in response.content.decode()
    assert bucket_keys(fresh_s3) == []


def test_a_good_image_is_not_stored_while_another_field_is_wrong(client, user, fresh_s3):
    avatar = upload("me.png", image_bytes("PNG"))
    response = client.post(EDIT, {"bio": "", "display_name": "x" * 101, "avatar": avatar})
    assert response.status_code == 200
    assert "Ensure this value has at most 100 characters" in response.content.decode()
    assert Profile.objects.get(user=user).avatar.name == ""
    assert bucket_keys(fresh_s3) == []


def test_replacing_keeps_the_old_file_and_deleting_it_lays_a_delete_marker(client, user, fresh_s3):
    first, second = image_bytes("PNG", (8, 8)), image_bytes("PNG", (16, 16))
    client.post(EDIT, {"bio": "", "display_name": "Ada L.", "avatar": upload("me.png", first)})
    old_name = Profile.objects.get(user=user).avatar.name
    client.post(EDIT, {"bio": "", "display_name": "Ada L.", "avatar": upload("me.png", second)})

    # Every upload gets a key of its own, whatever its name.
    new_name = Profile.objects.get(user=user).avatar.name
    assert stored_as(old_name, "avatars/", ".png")
    assert stored_as(new_name, "avatars/", ".png")
    assert bucket_keys(fresh_s3) == sorted([old_name, new_name])
    assert stored_bytes(fresh_s3, old_name) == first
    assert http_get(avatar_url(client)).body == second
    # The app keeps the old file (docs/accounts.md); deleting it only lays a marker.
    (old_version,) = versions.list_versions(old_name)
    default_storage.delete(old_name)
    marker, version = versions.list_versions(old_name)
    assert (marker.is_delete_marker, marker.is_latest) == (True, True)
    assert version.version_id == old_version.version_id
    assert stored_bytes(fresh_s3, old_name, version.version_id) == first
    assert http_get(avatar_url(client)).body == second


def test_clearing_the_avatar_keeps_the_file_in_the_bucket(client, user, fresh_s3):
    content = image_bytes("PNG")
    client.post(EDIT, {"bio": "", "display_name": "Ada L.", "avatar": upload("me.png", content)})
    name = Profile.objects.get(user=user).avatar.name

    response = client.post(EDIT, {"bio": "", "display_name": "Ada L.", "avatar-clear": "on"})

    assert response.status_code == 302
    assert Profile.objects.get(user=user).avatar.name == ""
    assert avatar_url(client) is None
    assert stored_bytes(fresh_s3, name) == content


def test_storage_failure_is_a_form_error_and_the_profile_is_unchanged(client, broken_s3):
    user = UserFactory(profile__display_name="Ada L.", profile__avatar="avatars/old.png")
    client.force_login(user)
    before = Profile.objects.values().get(user=user)

    response = client.post(
        EDIT, {"display_name": "New name", "bio": "New", "avatar": upload("me.png", image_bytes())}
    )

    assert response.status_code == 200
    assert STORAGE_ERROR_MESSAGE in response.content.decode()
    assert Profile.objects.values().get(user=user) == before


def test_an_avatar_sent_while_the_profile_row_was_removed_is_on_the_row_made_anew(
    client, user, fresh_s3, monkeypatch
):
    """The row made anew holds the form's fields alone (accounts/views.py `anew`): the
    avatar stored while the form was checked is one of them."""
    while_the_form_is_checked(monkeypatch, Profile.objects.filter(user=user).delete)
    content = image_bytes("PNG")
    response = client.post(
        EDIT, {"bio": "", "display_name": "Ada", "avatar": upload("me.png", content)}
    )
    assert response.status_code == 302
    name = Profile.objects.get(user=user).avatar.name
    assert stored_as(name, "avatars/", ".png")
    assert bucket_keys(fresh_s3) == [name]
    assert stored_bytes(fresh_s3, name) == content
