"""Who may list, download and restore media versions: the `media.restore_media` permission,
and the permissions on the row that holds the file.

Every role against every media URL and method: the versions page (GET, with its
presigned download links), its restore (POST), the "File versions" link a
ModelAdmin shows, and the S3 tour's live demonstration (POST). Only an active
staff member holding the permission (directly, through a group, or as a
superuser) gets any of them; for a file, staff also need to be allowed to view
the row holding it (to list and download) and to change it (to restore), and
only a superuser opens a file no row holds.
"""

import logging
import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission, User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client

from accounts.demo_accounts import STAFF_USERNAME, ensure_demo_accounts
from accounts.models import Profile
from catalog.models import Product
from config.media import versions
from config.media.admin import MediaVersionsAdminMixin
from config.media.tour import DEMO_NAME
from tests.factories import ProductFactory, UserFactory

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


def permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def restore_media() -> Permission:
    return permission("media.restore_media")


# What the allowed staff roles may do with the products whose pictures they restore.
PRODUCT_PERMISSIONS = ("catalog.view_product", "catalog.change_product")


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
    products = [permission(dotted) for dotted in PRODUCT_PERMISSIONS]
    if role == "staff, permission through a group":
        group = Group.objects.create(name="media restorers")
        group.permissions.add(restore_media(), *products)
        user.groups.add(group)
    elif role in HOLD_IT_DIRECTLY:
        user.user_permissions.add(restore_media(), *products)
    return user


@pytest.fixture
def deleted_product_image(db, deleted_file):
    """The deleted file, still a product's picture: what the page exists to restore."""
    name, version_id = deleted_file
    product = ProductFactory()
    Product.objects.filter(pk=product.pk).update(image=name, image_width=1, image_height=1)
    return name, version_id


@pytest.fixture
def deleted_avatar(db, deleted_file):
    """The deleted file, a member's avatar."""
    name, version_id = deleted_file
    Profile.objects.filter(user=UserFactory()).update(avatar=name)
    return name, version_id


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
    as_role, deleted_product_image, caplog
):
    client, user = as_role
    name, version_id = deleted_product_image

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
    assert client.post(TOUR).status_code == 303  # to the page showing the run
    assert len(versions.list_versions(DEMO_NAME)) == 3


@pytest.mark.parametrize("as_role", REFUSED, indirect=True)
def test_other_roles_get_no_listing_no_link_no_restore_no_demonstration(
    as_role, deleted_product_image
):
    client, user = as_role
    name, version_id = deleted_product_image
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


def refused(client, name: str, version_id: str) -> None:
    """Neither the listing nor a restore of `name`, and the file is still deleted."""
    page = client.get(URL, {"name": name})
    restore = client.post(URL, {"name": name, "version_id": version_id})
    for response in (page, restore):
        assert response.status_code == 403
        assert version_id not in response.content.decode()
        assert "versionId=" not in response.content.decode()
    assert not default_storage.exists(name)


@pytest.mark.parametrize("as_role", ALLOWED[:2], indirect=True)
def test_a_file_no_row_holds_is_a_superusers_only(as_role, deleted_file):
    """Every upload has a key of its own, and nothing deletes the one no row holds now
    or earlier (a deleted product's picture, a file replaced outside the forms): the
    permission alone opened every file the bucket ever held to staff, pictures of
    people included."""
    refused(as_role[0], *deleted_file)
    # Said, rather than a bare 403: the link they followed led here before the row
    # holding the file went.
    page = as_role[0].get(URL, {"name": deleted_file[0]})
    said = " ".join(re.sub(r"<[^>]+>", "", page.content.decode()).split())
    assert (
        f"No row you may see holds {deleted_file[0]}, now or earlier: a picture replaced "
        "or cleared on its object's page stays that object's earlier file, and one whose "
        "object was deleted is held by none." in said
    )


def test_a_superuser_opens_and_restores_a_file_no_row_holds(admin_client, deleted_file):
    name, version_id = deleted_file
    assert f"versionId={version_id}" in admin_client.get(URL, {"name": name}).content.decode()
    assert admin_client.post(URL, {"name": name, "version_id": version_id}).status_code == 302
    assert default_storage.open(name).read() == b"the lamp"


@pytest.mark.parametrize("as_role", ALLOWED[:2], indirect=True)
def test_staff_who_may_not_see_the_row_get_none_of_its_files(as_role, deleted_avatar):
    """Staff who restore product pictures see no avatar, its versions or its links."""
    refused(as_role[0], *deleted_avatar)


def test_the_shared_demo_staff_login_restores_product_pictures_and_no_avatar(
    db, client, deleted_file
):
    ensure_demo_accounts(staff_password="a-demo-password-1", member_password="a-demo-password-2")
    client.force_login(User.objects.get(username=STAFF_USERNAME))
    name, version_id = deleted_file
    Profile.objects.filter(user=UserFactory()).update(avatar=name)
    refused(client, name, version_id)

    picture = default_storage.save("products/desk.png", ContentFile(b"the desk"))
    first = versions.list_versions(picture)[0].version_id
    default_storage.delete(picture)
    product = ProductFactory()
    Product.objects.filter(pk=product.pk).update(image=picture, image_width=1, image_height=1)
    assert client.get(URL, {"name": picture}).status_code == 200
    assert client.post(URL, {"name": picture, "version_id": first}).status_code == 302
    assert default_storage.open(picture).read() == b"the desk"


def lists_and_downloads_only(client, name: str, version_id: str) -> None:
    """The listing and its download links, no restore, and the file still deleted."""
    page = client.get(URL, {"name": name}).content.decode()
    assert f"versionId={version_id}" in page
    assert "Restore this version" not in page
    assert client.post(URL, {"name": name, "version_id": version_id}).status_code == 403
    assert not default_storage.exists(name)


@pytest.mark.parametrize("kind", ["superuser", "other staff"])
def test_staff_do_not_restore_the_avatar_of_a_superuser_or_other_staff(
    db, client, django_user_model, deleted_file, kind
):
    """The profile is theirs to view, not to change (accounts/admin.py, `outranks`)."""
    name, version_id = deleted_file
    if kind == "superuser":
        owner = django_user_model.objects.create_superuser("root", "root@example.com", "x")
    else:
        owner = django_user_model.objects.create_user("peer", is_staff=True)
    Profile.objects.filter(user=owner).update(avatar=name)
    user = django_user_model.objects.create_user("moderator", is_staff=True)
    rights = ("accounts.view_profile", "accounts.change_profile")
    user.user_permissions.add(restore_media(), *[permission(dotted) for dotted in rights])
    client.force_login(user)
    lists_and_downloads_only(client, name, version_id)


def test_staff_who_may_only_view_the_row_list_and_download_but_do_not_restore(
    db, client, django_user_model, deleted_product_image
):
    name, version_id = deleted_product_image
    user = django_user_model.objects.create_user("viewer", is_staff=True)
    user.user_permissions.add(restore_media(), permission("catalog.view_product"))
    client.force_login(user)
    lists_and_downloads_only(client, name, version_id)


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


@pytest.mark.parametrize("version_id", [None, "v" * 1025], ids=["none", "too long"])
@pytest.mark.parametrize("as_role", ALLOWED[:2], indirect=True)
def test_a_restore_refused_for_its_version_id_shows_no_versions_either(
    as_role, deleted_avatar, version_id
):
    """The form's name was valid and the version id not: the page shown again
    listed the file's versions, links and all, without asking the row's admin."""
    name, real_version = deleted_avatar
    posted = {"name": name} if version_id is None else {"name": name, "version_id": version_id}
    response = as_role[0].post(URL, posted)
    assert response.status_code == 403
    assert real_version not in response.content.decode()
    assert "versionId=" not in response.content.decode()
