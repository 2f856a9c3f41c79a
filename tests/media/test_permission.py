"""Who may list, download and restore media versions: the `media.restore_media` permission.

Every role against every media URL and method: the versions page (GET, with its
presigned download links), its restore (POST), the "File versions" link a
ModelAdmin shows, and the S3 tour's live demonstration (POST). Only an active
staff member holding the permission (directly, through a group, or as a
superuser) gets any of them.
"""

import logging

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.files.storage import default_storage
from django.test import Client

from config.media import versions
from config.media.admin import MediaVersionsAdminMixin
from config.media.tour import DEMO_NAME

URL = "/admin/media/versions/"
TOUR = "/tour/s3-media/"
ALLOWED = ["staff, permission through a group", "staff, permission given directly", "superuser"]
# Roles that are not logged-in staff never learn the page exists beyond the admin login.
NOT_STAFF = ["anonymous", "not staff", "not staff, with the permission", "inactive staff"]
REFUSED = [*NOT_STAFF, "staff without the permission"]
HOLD_IT_DIRECTLY = {
    "staff, permission given directly",
    "not staff, with the permission",
    "inactive staff",
}


def restore_media() -> Permission:
    return Permission.objects.get(content_type__app_label="media", codename="restore_media")


def user_in_role(role: str, django_user_model):
    """A user in one role (None: anonymous)."""
    if role == "anonymous":
        return None
    if role == "superuser":
        return django_user_model.objects.create_superuser("root", "root@example.com", "x")
    staff = role.startswith(("staff", "inactive staff"))
    user = django_user_model.objects.create_user(
        role.replace(" ", "-").replace(",", ""), is_staff=staff, is_active=role != "inactive staff"
    )
    if role == "staff, permission through a group":
        group = Group.objects.create(name="media restorers")
        group.permissions.add(restore_media())
        user.groups.add(group)
    elif role in HOLD_IT_DIRECTLY:
        user.user_permissions.add(restore_media())
    return user


@pytest.fixture
def as_role(request, db, django_user_model):
    """A client logged in as the role in the test's parameter, and the user."""
    user = user_in_role(request.param, django_user_model)
    client = Client()
    if user is not None:
        client.force_login(user)
    return client, user


@pytest.mark.parametrize("as_role", ALLOWED, indirect=True)
def test_allowed_roles_list_download_and_restore_and_the_log_names_them(
    as_role, deleted_file, caplog
):
    client, user = as_role
    name, version_id = deleted_file

    page = client.get(URL, {"name": name})
    assert page.status_code == 200
    content = page.content.decode()
    assert f"versionId={version_id}" in content  # the signed download link
    assert "Restore this version" in content

    with caplog.at_level(logging.INFO, logger="config.media.admin"):
        restored = client.post(URL, {"name": name, "version_id": version_id})
    assert restored.status_code == 302
    assert default_storage.open(name).read() == b"the lamp"
    assert f"{user.username} restored media file '{name}' from version {version_id}" in (
        caplog.text
    )

    tour = client.get(TOUR).content.decode()
    assert "Run the demonstration" in tour
    assert client.post(TOUR).status_code == 200
    assert len(versions.list_versions(DEMO_NAME)) == 3


@pytest.mark.parametrize("as_role", REFUSED, indirect=True)
def test_other_roles_get_no_listing_no_link_no_restore_no_demonstration(as_role, deleted_file):
    client, user = as_role
    name, version_id = deleted_file
    staff = user is not None and user.is_staff and user.is_active

    page = client.get(URL, {"name": name})
    restore = client.post(URL, {"name": name, "version_id": version_id})
    for response in (page, restore):
        # Staff get a plain 403; anyone else the admin's login, as for any admin page.
        assert response.status_code == (403 if staff else 302)
        assert version_id not in response.content.decode()
        assert "versionId=" not in response.content.decode()
    assert not default_storage.exists(name)  # still deleted

    tour = client.get(TOUR)
    assert tour.status_code == 200
    assert "Run the demonstration" not in tour.content.decode()
    demonstration = client.post(TOUR)
    assert demonstration.status_code == (403 if staff else 404)
    assert versions.list_versions(DEMO_NAME) == []


class UploadAdmin(MediaVersionsAdminMixin, admin.ModelAdmin):
    pass


def change_page(admin_class, upload_model, rf, user):
    """The ModelAdmin, an object with a file and a request by `user` for its change page."""
    item = upload_model.objects.create(title="Lamp", file="uploads/lamp.png")
    request = rf.get("/")
    request.user = user
    return admin_class(upload_model, admin.AdminSite()), item, request


@pytest.mark.parametrize(
    ("as_role", "shown"),
    [*[(role, True) for role in ALLOWED], ("staff without the permission", False)],
    indirect=["as_role"],
)
def test_file_versions_link_only_for_those_who_may_follow_it(
    rf, as_role, shown, upload_model, fresh_s3
):
    model_admin, item, request = change_page(UploadAdmin, upload_model, rf, as_role[1])
    assert ("media_versions" in model_admin.get_readonly_fields(request, item)) is shown


class ListedFieldsAdmin(MediaVersionsAdminMixin, admin.ModelAdmin):
    fields = ["title", "file", "media_versions"]  # as docs/s3-media.md asks


class GroupedFieldsAdmin(MediaVersionsAdminMixin, admin.ModelAdmin):
    fields = ["title", ("file", "media_versions")]  # the link on the file's line


class FieldsetsAdmin(MediaVersionsAdminMixin, admin.ModelAdmin):
    fieldsets = [(None, {"fields": ["title"]}), ("File", {"fields": [("media_versions",), "file"]})]


def named_fields(fieldsets) -> list[str]:
    """Every field name of `fieldsets`, those on one line together included."""
    names = []
    for _, options in fieldsets:
        for entry in options["fields"]:
            names += list(entry) if isinstance(entry, list | tuple) else [entry]
    return names


@pytest.mark.parametrize("admin_class", [ListedFieldsAdmin, GroupedFieldsAdmin, FieldsetsAdmin])
@pytest.mark.parametrize(
    ("as_role", "shown"),
    [("superuser", True), ("staff without the permission", False)],
    indirect=["as_role"],
)
def test_a_listed_link_is_dropped_for_those_without_the_permission(
    rf, as_role, shown, upload_model, fresh_s3, admin_class
):
    model_admin, item, request = change_page(admin_class, upload_model, rf, as_role[1])
    fieldsets = model_admin.get_fieldsets(request, item)
    assert ("media_versions" in named_fields(fieldsets)) is shown
    assert sorted(model_admin.get_form(request, item).base_fields) == ["file", "title"]
    # The add page never has the link: there is no file yet.
    assert "media_versions" not in named_fields(model_admin.get_fieldsets(request))
    assert sorted(model_admin.get_form(request).base_fields) == ["file", "title"]
