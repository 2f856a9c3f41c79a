"""Restoring a media file from the admin, and the mixin a ModelAdmin plugs in with."""

import logging

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.utils.html import escape

from config.media import versions
from config.media.admin import DiscardsUnsavedUploadsMixin, MediaVersionsAdminMixin
from config.media.forms import MediaUploadForm, MediaUploadFormMixin
from tests.conftest import storages_on
from tests.media.conftest import versioning_off, written_twice
from tests.processes import BASE_DIR

URL = "/admin/media/versions/"


@pytest.mark.django_db
def test_versions_page_is_for_staff_only(client, django_user_model, deleted_file):
    name, _ = deleted_file
    response = client.get(URL, {"name": name})
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")

    client.force_login(django_user_model.objects.create_user("shopper", password="x"))
    assert client.get(URL, {"name": name}).status_code == 302
    assert client.post(URL, {"name": name, "version_id": "x"}).status_code == 302


def test_versions_page_lists_versions_newest_first_with_restore_buttons(admin_client, deleted_file):
    name, version_id = deleted_file
    marker = versions.list_versions(name)[0]

    response = admin_client.get(URL, {"name": name})

    assert response.status_code == 200
    content = response.content.decode()
    assert f"Versions of <code>{name}</code>, newest first" in content
    assert content.index(marker.version_id) < content.index(version_id)
    assert "delete marker" in content
    # One restore form, for the file version (not for the marker), with a CSRF token.
    assert content.count('<button type="submit">Restore this version</button>') == 1
    assert f'name="version_id" value="{version_id}"' in content
    assert "csrfmiddlewaretoken" in content
    # The old version can be downloaded through its presigned URL.
    assert f"versionId={version_id}" in content


def test_restore_from_the_admin_copies_the_version_back_and_is_logged(
    admin_client, deleted_file, caplog
):
    name, version_id = deleted_file
    with caplog.at_level(logging.INFO, logger="config.media.admin"):
        response = admin_client.post(URL, {"name": name, "version_id": version_id})

    assert response.status_code == 302
    assert response["Location"] == f"{URL}?name=products%2Flamp.png"
    assert default_storage.open(name).read() == b"the lamp"
    current = versions.list_versions(name)[0]
    assert current.is_latest
    assert not current.is_delete_marker
    assert f"admin restored media file '{name}' from version {version_id}" in caplog.text
    page = admin_client.get(response["Location"])
    assert f"Restored {name} from version {version_id}." in page.content.decode()


def test_a_restore_sent_twice_copies_once(admin_client, deleted_file):
    """A double click on "Restore this version": the second copied the version over
    its own copy, a version the app's keys can never delete, counted as an upload."""
    name, version_id = deleted_file
    first = admin_client.post(URL, {"name": name, "version_id": version_id})
    assert first.status_code == 302
    listed = versions.list_versions(name)

    again = admin_client.post(URL, {"name": name, "version_id": version_id})
    assert again.status_code == 400
    said = escape(f"The current {name!r} holds the bytes of version {version_id!r} already")
    assert said in again.content.decode()
    assert versions.list_versions(name) == listed
    assert default_storage.open(name).read() == b"the lamp"


def test_a_copy_written_but_not_confirmed_current_is_told_and_logged_with_its_version(
    admin_client, deleted_file, after_a_copy, caplog
):
    """S3 wrote the restore's copy, then could not be asked, or an upload came after
    it: the page said the bucket could not be read, or the restore failed, and no
    line logged a copy that is a version the app's keys can never delete. Told
    with the copy's version, so a second try is not blind."""
    name, version_id = deleted_file
    admin_client.raise_request_exception = False
    with caplog.at_level(logging.INFO, logger="config.media.admin"):
        response = admin_client.post(URL, {"name": name, "version_id": version_id})
    content = response.content.decode()
    (logged,) = [r.getMessage() for r in caplog.records if "restored media file" in r.getMessage()]
    new_version = logged.split("(now version ")[1].split(",")[0].rstrip(")")
    assert logged.startswith(f"admin restored media file '{name}' from version {version_id} ")
    assert "not confirmed current" in logged
    assert f"was copied back as version {new_version!r}" in content.replace("&#x27;", "'")
    assert response.status_code == (503 if after_a_copy == "S3 stops answering" else 400)
    # What S3 or botocore said (the endpoint; S3's own words can name the account and
    # its IAM user) is in the log, never on the page.
    assert "s3.invalid" not in content
    assert "An error occurred" not in content


def test_a_copy_whose_answer_was_lost_is_sent_once_and_logged(
    admin_client, deleted_file, copys_answer_lost, caplog
):
    """botocore sent a CopyObject again after a read timeout: two copies, versions
    the app's keys never delete, of which the app saw, logged and counted one."""
    name, version_id = deleted_file
    before = len(versions.list_versions(name))
    admin_client.raise_request_exception = False
    with caplog.at_level(logging.INFO):
        response = admin_client.post(URL, {"name": name, "version_id": version_id})
    assert len(copys_answer_lost) == 1  # sent once
    assert len(versions.list_versions(name)) == before + 1
    (logged,) = [r.getMessage() for r in caplog.records if "restored media file" in r.getMessage()]
    assert "may have been written" in logged
    content = response.content.decode()
    assert "S3 may have written the copy" in content
    assert response.status_code == 400
    # What S3 or botocore said names the endpoint, and S3's own words can name the
    # account and its IAM user: the log has it, never the page (STORAGE_ERROR_SHOWN).
    told = content.split("S3 may have written the copy")[1].split("<")[0]
    assert "http://" not in told
    assert "An error occurred" not in told
    assert any(
        "may have written" in r.getMessage() for r in caplog.records if r.levelname == "WARNING"
    )


def test_the_page_shows_the_newest_versions_of_a_long_history_and_says_so(
    admin_client, fresh_s3, monkeypatch
):
    """A history only grows (each restore is a version; the lifecycle rule keeps
    non-current ones 30 days): 4,000 versions of one key took 4.4 s and 4 MB, and
    tens of thousands would pass the router's 30 s. The page lists the newest
    VERSIONS_SHOWN (as docs/s3-media.md says), and says older ones are left out."""
    from config.media import admin as media_admin

    assert f"the newest {media_admin.VERSIONS_SHOWN} versions and markers" in (
        BASE_DIR / "docs" / "s3-media.md"
    ).read_text().replace("\n", " ")
    monkeypatch.setattr(media_admin, "VERSIONS_SHOWN", 3)
    name = default_storage.save("products/lamp.png", ContentFile(b"v0"))
    for n in range(1, 5):
        with default_storage.open(name, "wb") as file:
            file.write(f"v{n}".encode())
    newest = [v.version_id for v in versions.list_versions(name)]
    content = admin_client.get(URL, {"name": name}).content.decode()
    assert [v for v in newest if f'value="{v}"' in content or f">{v}<" in content] == newest[:3]
    assert "The newest 3 versions are shown" in content
    few = admin_client.get(URL, {"name": default_storage.save("a.png", ContentFile(b"a"))})
    assert "versions are shown" not in few.content.decode()


@pytest.mark.django_db
def test_restore_needs_the_csrf_token(admin_user, deleted_file):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    name, version_id = deleted_file
    assert client.post(URL, {"name": name, "version_id": version_id}).status_code == 403
    assert not default_storage.exists(name)


def test_bad_input_is_a_400_with_the_reason(admin_client, deleted_file):
    name, _ = deleted_file
    current = admin_client.post(URL, {"name": name, "version_id": "no-such-version"})
    assert current.status_code == 400
    assert "has no version" in current.content.decode()

    for bad_name in ("/etc/passwd", "a/../b.png", ""):
        response = admin_client.get(URL, {"name": bad_name})
        assert response.status_code == 400, bad_name
    assert admin_client.post(URL, {"name": name}).status_code == 400
    assert not default_storage.exists(name)


@pytest.mark.parametrize(
    "query", [{"foo": "bar"}, {"utm_source": "newsletter"}, {"Name": "a.png"}, {"name[]": "a"}]
)
def test_a_query_string_without_a_name_shows_the_empty_form(admin_client, query):
    """A link with a parameter of its own (a tracker's, a mistyped one) and no
    `name` is the page as it opens, not a 400 "This field is required"."""
    response = admin_client.get(URL, query)
    assert response.status_code == 200
    assert not response.context["form"].is_bound
    assert "This field is required" not in response.content.decode()


def test_a_name_beside_other_parameters_is_looked_up(admin_client, deleted_file):
    name, _ = deleted_file
    response = admin_client.get(URL, {"utm_source": "newsletter", "name": name})
    assert response.status_code == 200
    assert response.context["form"].is_bound


# Names that do not map one-to-one onto an S3 key: each is a 400, never a listing.
BAD_NAMES = {
    "empty": "",
    "dot": ".",
    "dot dot": "..",
    "parent then a name": "../x",
    "parent inside": "a/../b.png",
    "dot first": "./a.png",
    "dot inside": "a/./b.png",
    "dot last": "a/.",
    "parent last": "a/..",
    "leading slash": "/etc/passwd",
    "double slash": "a//b.png",
    "trailing slash": "products/",
    "backslash": "a\\b.png",
    "backslash parent": "..\\x",
    "null": "a\x00b.png",
    "control": "a\x01b.png",
    "newline": "a\nb.png",
    "delete": "a\x7fb.png",
    "c1 control": "a\x85b.png",
    "right-to-left override": "a\u202eb.png",
    "not UTF-8 (decoded as U+FFFD)": "a\ufffdb.png",
    "encoded dot dot": "%2e%2e",
    "encoded dot dot inside": "a/%2E%2e/b.png",
    "encoded dot": "%2e/a.png",
    "over 1024 bytes": "x" * 1025,
    "over 1024 bytes of UTF-8": "é" * 513,
}


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_a_name_that_is_not_exactly_one_key_is_a_400(admin_client, fresh_s3, name):
    kept = default_storage.save("x", ContentFile(b"kept"))  # what "../x" would have meant
    response = admin_client.get(URL, {"name": name})
    assert response.status_code == 400
    assert "Versions of" not in response.content.decode()
    restore = admin_client.post(URL, {"name": name, "version_id": "v"})
    assert restore.status_code == 400
    with pytest.raises(versions.InvalidName):
        versions.list_versions(name)  # the commands refuse it too
    assert [v.is_latest for v in versions.list_versions(kept)] == [True]


@pytest.mark.parametrize(
    "name", ["products/lamp.png", "a..b.png", "...png", "é.png", "100%.png", "x" * 1024]
)
def test_names_that_are_one_key_are_looked_up(admin_client, fresh_s3, name):
    response = admin_client.get(URL, {"name": name})
    assert response.status_code == 200
    assert "No file named" in response.content.decode()


def test_an_unknown_name_says_there_is_no_such_file(admin_client, fresh_s3):
    response = admin_client.get(URL, {"name": "no/such.png"})
    assert response.status_code == 200
    assert "No file named <code>no/such.png</code>" in response.content.decode()
    assert admin_client.get(URL).status_code == 200  # the empty look-up form


def test_unreachable_s3_is_a_503_page_not_a_crash(admin_client, settings, fresh_s3):
    settings.STORAGES = storages_on(fresh_s3, endpoint_url="http://127.0.0.1:9")
    response = admin_client.get(URL, {"name": "products/lamp.png"})
    assert response.status_code == 503
    assert "The media bucket could not be read" in response.content.decode()
    restore = admin_client.post(URL, {"name": "products/lamp.png", "version_id": "v"})
    assert restore.status_code == 503


def test_a_failing_bucket_is_named_on_the_page_and_its_details_logged(
    admin_client, broken_s3, caplog
):
    """S3's own message can name the account and the IAM user (an AccessDenied
    names the user's ARN): the page says the bucket could not be read, or that the
    restore failed with nothing copied (it said the bucket could not be read when
    S3 refused the copy), the log has the rest, as on the S3 tour."""
    caplog.set_level(logging.WARNING, logger="config.media.admin")
    pages = [
        admin_client.get(URL, {"name": "products/lamp.png"}),
        admin_client.post(URL, {"name": "products/lamp.png", "version_id": "v"}),
    ]
    said = ["The media bucket could not be read:", "The restore failed, and nothing was copied:"]
    for page, heading in zip(pages, said, strict=True):
        assert page.status_code == 503
        text = page.content.decode()
        assert heading in text
        assert "the details are in the log" in text
        assert "An error occurred" not in text
        assert "Could not connect" not in text
    logged = [r.getMessage() for r in caplog.records if r.name == "config.media.admin"]
    assert len(logged) == 2
    assert all("products/lamp.png" in message for message in logged)


class UploadAdmin(MediaVersionsAdminMixin, admin.ModelAdmin):
    pass


def test_mixin_links_each_file_field_to_its_versions(rf, admin_user, upload_model, fresh_s3):
    model_admin = UploadAdmin(upload_model, admin.AdminSite())
    item = upload_model.objects.create(title="Lamp", file="products/lamp.png")
    request = rf.get("/")
    request.user = admin_user

    assert "media_versions" in model_admin.get_readonly_fields(request, item)
    assert "media_versions" not in model_admin.get_readonly_fields(request, None)
    assert model_admin.media_versions(item) == (
        f'<a href="{URL}?name=products%2Flamp.png">Versions of products/lamp.png</a>'
    )
    assert model_admin.media_versions(upload_model(title="No file")) == "-"
    assert issubclass(model_admin.get_form(request, item), MediaUploadForm)


def test_every_admin_page_with_upload_forms_discards_what_a_page_shown_again_stored():
    """Its own form or an inline's: either may store a file while the page fails."""
    with_uploads = [
        model
        for model, model_admin in admin.site._registry.items()
        if any(
            issubclass(form, MediaUploadFormMixin)
            for form in [model_admin.form, *(inline.form for inline in model_admin.inlines)]
        )
    ]
    assert with_uploads  # products, profiles, users (the profile inline)
    left_out = [
        model
        for model in with_uploads
        if not isinstance(admin.site._registry[model], DiscardsUnsavedUploadsMixin)
    ]
    assert left_out == []


@pytest.mark.parametrize(
    ("version_id", "said"),
    [
        (None, "This field is required."),
        ("", "This field is required."),
        ("a\x00b", "Null characters are not allowed."),
        ("v" * 1025, "Ensure this value has at most 1024 characters (it has 1025)."),
    ],
)
def test_a_restore_without_a_usable_version_says_why(admin_client, deleted_file, version_id, said):
    """The version to restore is a hidden field: its errors were on no part of the
    page, and a 400 showed the versions table without a word."""
    name, _ = deleted_file
    data = {"name": name} if version_id is None else {"name": name, "version_id": version_id}
    response = admin_client.post(URL, data)
    assert response.status_code == 400
    assert f"The version to restore: {said}" in response.content.decode()
    assert not default_storage.exists(name)


def test_a_bucket_without_versioning_says_so_on_the_page(admin_client, unversioned_bucket):
    """The page said "kept by the versioned bucket" and "No file named" for a file
    deleted from a bucket whose versioning was never on (or suspended), and listed a
    key written twice as one version without a word that the first was lost."""
    off = escape(versioning_off(unversioned_bucket))
    name = written_twice()
    listed = admin_client.get(URL, {"name": name}).content.decode()
    assert f"Versions of <code>{name}</code>" in listed
    assert off in listed

    default_storage.delete(name)
    deleted = admin_client.get(URL, {"name": name})
    assert deleted.status_code == 200
    assert f"No file named <code>{name}</code>" in deleted.content.decode()
    assert off in deleted.content.decode()


def test_a_versioned_bucket_has_no_such_note(admin_client, deleted_file):
    """Versioning on: an unknown name, a file stored before versioning (a null
    version alone) and a deleted file say nothing of versioning."""
    name, _ = deleted_file
    null_only = default_storage.save("before.png", ContentFile(b"x"))
    for shown in (name, null_only, "no/such.png"):
        assert "Versioning is off" not in admin_client.get(URL, {"name": shown}).content.decode()


def test_a_failing_versioning_status_leaves_the_page_as_it_was(
    admin_client, unversioned_bucket, caplog
):
    """The note is only a note: S3 refusing GetBucketVersioning (keys without it)
    leaves the page's answer, without it, and logs why."""
    from botocore.exceptions import ClientError

    client = default_storage.connection.meta.client

    def refuse(**kwargs):
        error = {"Error": {"Code": "AccessDenied", "Message": "denied"}}
        raise ClientError({**error, "ResponseMetadata": {"HTTPStatusCode": 403}}, "Get")

    client.meta.events.register("before-send.s3.GetBucketVersioning", refuse)
    try:
        with caplog.at_level(logging.WARNING, logger="config.media.versions"):
            response = admin_client.get(URL, {"name": "products/p.png"})
    finally:
        client.meta.events.unregister("before-send.s3.GetBucketVersioning", refuse)
    assert response.status_code == 200
    assert "No file named <code>products/p.png</code>" in response.content.decode()
    assert "Versioning is off" not in response.content.decode()
    assert "versioning of bucket 'plain-media' is unknown" in caplog.text
