"""Undoing a replaced or cleared picture from the admin: the earlier files an object's
file field held, recorded when a form replaces or clears them, listed on its change
page, and used again from their versions page by the staff who may change it."""

import html
import logging
import re

import pytest
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError
from django.test import Client

from accounts.demo_accounts import STAFF_USERNAME, ensure_demo_accounts
from accounts.models import Profile
from catalog.models import Product
from config.media import admin as media_admin
from config.media import versions
from config.media.models import EarlierFile
from config.security import throttle
from config.security import upload_limit as upload_limits
from tests.accounts.test_avatar_admin import profile_page
from tests.catalog.test_admin_media import change_data
from tests.factories import ProductFactory, UserFactory, image_bytes, upload
from tests.processes import BASE_DIR

pytestmark = pytest.mark.django_db

URL = "/admin/media/versions/"
USE_AGAIN = "Use this file again"


def product_page(product) -> str:
    return f"/admin/catalog/product/{product.pk}/change/"


def new_picture(client, product, size=(8, 8), **fields):
    """The product's admin page posted with a new picture (or `fields`, a clear)."""
    data = change_data(product, **fields)
    if "image-clear" not in fields:
        data["image"] = upload("new.png", image_bytes("PNG", size))
    return client.post(product_page(product), data)


def picture_of(product) -> str:
    return Product.objects.get(pk=product.pk).image.name


@pytest.fixture
def replaced_picture(admin_client, fresh_s3):
    """A product whose first picture (8x8) a superuser replaced (by a 6x4 one) in the
    admin: the product, the earlier name and the current one."""
    product = ProductFactory(features=0)
    assert new_picture(admin_client, product).status_code == 302
    first = picture_of(product)
    assert new_picture(admin_client, product, size=(6, 4)).status_code == 302
    return product, first, picture_of(product)


def use_again(client, holder, name: str, field: str = "image"):
    return client.post(
        URL,
        {
            "name": name,
            "content_type": ContentType.objects.get_for_model(holder).pk,
            "object_id": holder.pk,
            "field": field,
            "use_again": "",
        },
    )


def text(response) -> str:
    """A page's text, tags left out and spaces joined."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def test_a_replaced_picture_is_listed_on_the_change_page_and_used_again(
    admin_client, replaced_picture, caplog
):
    product, first, current = replaced_picture
    change = admin_client.get(product_page(product)).content.decode()
    assert f'href="{media_admin.versions_url(first)}"' in change.replace("&amp;", "&")

    page = admin_client.get(URL, {"name": first})
    assert page.status_code == 200
    assert USE_AGAIN in page.content.decode()

    with caplog.at_level(logging.INFO, logger="config.media.admin"):
        used = use_again(admin_client, product, first)
    assert used.status_code == 302
    assert used["Location"] == product_page(product)
    product.refresh_from_db()
    assert (product.image.name, product.image_width, product.image_height) == (first, 8, 8)
    assert f"admin used media file '{first}' again for catalog.product {product.pk} image" in (
        caplog.text
    )
    # The admin's history says it, and the picture it replaced is an earlier file now.
    entry = LogEntry.objects.filter(object_id=str(product.pk), action_flag=CHANGE).latest("pk")
    assert entry.get_change_message() == (
        f"Used the earlier file {first} again for Image (replacing {current})."
    )
    history = admin_client.get(f"/admin/catalog/product/{product.pk}/history/")
    assert f"Used the earlier file {first} again" in history.content.decode()
    assert [e.name for e in EarlierFile.objects.order_by("-recorded_at", "-pk")] == [current, first]
    change = admin_client.get(product_page(product)).content.decode()
    assert f'href="{media_admin.versions_url(current)}"' in change.replace("&amp;", "&")


def test_a_cleared_picture_is_used_again(admin_client, fresh_s3):
    product = ProductFactory(features=0)
    assert new_picture(admin_client, product).status_code == 302
    first = picture_of(product)
    assert new_picture(admin_client, product, **{"image-clear": "on"}).status_code == 302
    assert picture_of(product) == ""
    (earlier,) = EarlierFile.objects.all()
    assert (earlier.name, earlier.field_name, earlier.object_id) == (
        first,
        "image",
        str(product.pk),
    )
    assert earlier.recorded_by.username == "admin"

    assert use_again(admin_client, product, first).status_code == 302
    assert picture_of(product) == first
    entry = LogEntry.objects.filter(object_id=str(product.pk)).latest("pk")
    assert entry.get_change_message() == (
        f"Used the earlier file {first} again for Image (replacing no file)."
    )
    assert EarlierFile.objects.count() == 1  # no earlier file: the field was empty


def test_an_avatar_replaced_on_the_profile_page_is_used_again_from_the_admin(
    admin_client, fresh_s3
):
    member = UserFactory()
    client = Client()
    client.force_login(member)
    for name in ("first.png", "second.png"):
        posted = client.post(
            "/accounts/profile/edit/",
            {"bio": "", "display_name": "Ada", "avatar": upload(name, image_bytes("PNG"))},
        )
        assert posted.status_code == 302
    first = EarlierFile.objects.get().name
    profile = Profile.objects.get(user=member)
    assert profile.avatar.name != first
    change = admin_client.get(profile_page(profile)).content.decode()
    assert f'href="{media_admin.versions_url(first)}"' in change.replace("&amp;", "&")

    assert use_again(admin_client, profile, first, field="avatar").status_code == 302
    assert Profile.objects.get(user=member).avatar.name == first


def test_a_form_that_fails_records_nothing(admin_client, fresh_s3):
    """The page shown again saved nothing: no earlier file, on the admin's product page
    and on the profile page."""
    product = ProductFactory(features=0)
    assert new_picture(admin_client, product).status_code == 302
    refused = new_picture(admin_client, product, price="-1")
    assert refused.status_code == 200
    refused = new_picture(admin_client, product, **{"image-clear": "on", "price": "-1"})
    assert refused.status_code == 200

    member = UserFactory()
    Profile.objects.filter(user=member).update(avatar="avatars/kept.png")
    client = Client()
    client.force_login(member)
    too_long = {"bio": "", "display_name": "x" * 500}
    picture = upload("new.png", image_bytes("PNG"))
    assert client.post("/accounts/profile/edit/", {**too_long, "avatar": picture}).status_code == (
        200
    )
    assert client.post(
        "/accounts/profile/edit/", {**too_long, "avatar-clear": "on"}
    ).status_code == (200)
    assert not EarlierFile.objects.exists()


def test_a_save_that_rolls_back_records_nothing(admin_client, replaced_picture, monkeypatch):
    """Recorded in the save's transaction: a save that fails after the form's own
    save (the admin's history row, say) takes its earlier file with it."""
    product, _, current = replaced_picture
    before = list(EarlierFile.objects.values_list("pk", flat=True))

    def fails(*args, **kwargs):
        raise RuntimeError("the history row could not be written")

    monkeypatch.setattr(type(media_admin.admin.site._registry[Product]), "log_change", fails)
    admin_client.raise_request_exception = False
    assert new_picture(admin_client, product).status_code == 500
    assert list(EarlierFile.objects.values_list("pk", flat=True)) == before
    assert picture_of(product) == current


def test_the_change_page_lists_the_newest_earlier_files_and_says_when_more_are_left_out(
    admin_client, fresh_s3
):
    product = ProductFactory(features=0)
    kind = ContentType.objects.get_for_model(Product)
    shown = media_admin.EARLIER_SHOWN
    names = [f"products/earlier-{n:02}.png" for n in range(shown + 2)]
    for name in names:  # oldest first
        EarlierFile.objects.create(
            content_type=kind, object_id=str(product.pk), field_name="image", name=name
        )
    documented = (BASE_DIR / "docs" / "s3-media.md").read_text().replace("\n", " ")
    assert f"newest first (the last {shown}; it says when older ones are left out)" in documented
    change = admin_client.get(product_page(product)).content.decode()
    listed = re.findall(r"products/earlier-\d\d\.png(?=</a>)", change)
    assert listed == names[::-1][:shown]
    assert "older ones are left out" in change

    EarlierFile.objects.filter(name__in=names[:2]).delete()
    change = admin_client.get(product_page(product)).content.decode()
    assert len(re.findall(r"products/earlier-\d\d\.png(?=</a>)", change)) == shown
    assert "older ones are left out" not in change


def test_a_file_deleted_since_is_refused_and_the_page_says_how_to_bring_it_back(
    admin_client, replaced_picture
):
    product, first, current = replaced_picture
    default_storage.delete(first)
    page = text(admin_client.get(URL, {"name": first}))
    assert "(deleted since): restore a version of it below first, then use it again" in page
    assert "Restore this version" in page

    refused = use_again(admin_client, product, first)
    assert refused.status_code == 409
    assert (
        f"{first} is not current in the bucket any more (deleted since): restore a version "
        "of it below first, then use it again." in text(refused)
    )
    assert picture_of(product) == current


def test_a_field_holding_the_file_already_is_refused(admin_client, replaced_picture):
    product, first, _ = replaced_picture
    assert use_again(admin_client, product, first).status_code == 302
    again = use_again(admin_client, product, first)
    assert again.status_code == 409
    assert f"holds {first} already" in text(again)
    assert picture_of(product) == first


def test_a_holder_gone_is_refused(admin_client, replaced_picture, django_user_model):
    """Said to a superuser; to staff, its earlier file is held by no row now."""
    product, first, _ = replaced_picture
    Product.objects.filter(pk=product.pk).delete()
    gone = use_again(admin_client, product, first)
    assert gone.status_code == 404
    assert f"The product that held {first} is gone (deleted since)" in text(gone)
    staff = client_as("staff who may change products", django_user_model)
    assert staff.get(URL, {"name": first}).status_code == 403
    assert use_again(staff, product, first).status_code == 403


def test_a_name_the_holder_never_held_is_refused(admin_client, replaced_picture):
    """Only what the object's field held: never any key of the bucket on any row."""
    product, _, current = replaced_picture
    other = default_storage.save("products/other.png", ContentFile(image_bytes("PNG")))
    refused = use_again(admin_client, product, other)
    assert refused.status_code == 400
    assert f"{other} is no earlier file of that object's field" in text(refused)
    assert picture_of(product) == current


def permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


# What each staff role holds, and what it gets: (the versions page, its button, the POST).
STAFF_ROLES = {
    "staff who may change products": (
        ("media.restore_media", "catalog.view_product", "catalog.change_product"),
        (200, True, 302),
    ),
    "staff who may view products only": (
        ("media.restore_media", "catalog.view_product"),
        (200, False, 403),
    ),
    "staff without the product permissions": (("media.restore_media",), (403, False, 403)),
    "staff without media.restore_media": (
        ("catalog.view_product", "catalog.change_product"),
        (403, False, 403),
    ),
}
ROLES = ["superuser", *STAFF_ROLES, "demo staff login", "member", "anonymous"]


def client_as(role: str, django_user_model) -> Client:
    client = Client()
    if role == "superuser":
        client.force_login(django_user_model.objects.create_superuser("root", "r@example.com"))
    elif role in STAFF_ROLES:
        user = django_user_model.objects.create_user(role.replace(" ", "-"), is_staff=True)
        user.user_permissions.add(*[permission(dotted) for dotted in STAFF_ROLES[role][0]])
        client.force_login(user)
    elif role == "demo staff login":
        ensure_demo_accounts(
            staff_password="a-demo-password-1", member_password="a-demo-password-2"
        )
        client.force_login(django_user_model.objects.get(username=STAFF_USERNAME))
    elif role == "member":
        client.force_login(UserFactory())
    return client


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_and_uses_an_earlier_picture(role, replaced_picture, django_user_model):
    product, first, current = replaced_picture
    client = client_as(role, django_user_model)
    if role in STAFF_ROLES:
        status, button, posted = STAFF_ROLES[role][1]
    elif role in ("member", "anonymous"):
        status, button, posted = 302, False, 302  # the admin's login page
    else:
        status, button, posted = 200, True, 302

    page = client.get(URL, {"name": first})
    assert page.status_code == status
    assert (USE_AGAIN in page.content.decode()) is button
    assert ("versionId=" in page.content.decode()) is (status == 200)
    used = use_again(client, product, first)
    assert used.status_code == posted
    if posted == 302 and status != 200:
        assert used["Location"].startswith("/admin/login/")
    assert picture_of(product) == (first if status == 200 and posted == 302 else current)


def earlier_avatar():
    """A member whose profile's avatar was the stored file `first` earlier, and it."""
    member = UserFactory()
    first = default_storage.save("avatars/first.png", ContentFile(image_bytes("PNG")))
    EarlierFile.objects.create(
        content_type=ContentType.objects.get_for_model(Profile),
        object_id=str(member.profile.pk),
        field_name="avatar",
        name=first,
    )
    return member, first


def test_an_earlier_avatar_is_not_the_demo_staff_logins(django_user_model, fresh_s3):
    """The shared login opens no avatar, earlier or current."""
    member, first = earlier_avatar()
    client = client_as("demo staff login", django_user_model)
    assert client.get(URL, {"name": first}).status_code == 403
    assert use_again(client, member.profile, first, field="avatar").status_code == 403
    assert not Profile.objects.get(user=member).avatar


def test_the_demo_staff_logins_use_again_is_counted_with_its_uploads(
    replaced_picture, django_user_model
):
    """Every picture change of the shared login counts against the upload limit (a
    clear is refused it for storing nothing to count): so does using one again."""
    product, first, current = replaced_picture
    client = client_as("demo staff login", django_user_model)
    staff = django_user_model.objects.get(username=STAFF_USERNAME)
    limit = upload_limits.UPLOADS_PER_ACCOUNT_PER_HOUR
    for _ in range(limit - 1):
        throttle.hit(*upload_limits.account_uploads(staff), limit=limit, window=3600)
    assert use_again(client, product, first).status_code == 302
    refused = use_again(client, product, current)
    assert refused.status_code == 429
    assert f"{limit} from all its networks" in refused.content.decode()
    assert picture_of(product) == first


def test_staff_who_may_change_a_profile_use_its_earlier_avatar(django_user_model, fresh_s3):
    member, first = earlier_avatar()
    staff = django_user_model.objects.create_user("moderator", is_staff=True)
    rights = ("media.restore_media", "accounts.view_profile", "accounts.change_profile")
    staff.user_permissions.add(*[permission(dotted) for dotted in rights])
    client = Client()
    client.force_login(staff)
    assert USE_AGAIN in client.get(URL, {"name": first}).content.decode()
    assert use_again(client, member.profile, first, field="avatar").status_code == 302
    assert Profile.objects.get(user=member).avatar.name == first


def test_a_field_read_only_to_the_user_is_not_theirs_to_put_back(
    admin_client, replaced_picture, monkeypatch
):
    """Using a file again changes that field alone: where the admin shows it read-only
    (as a product's other fields are to the demo's staff login), even a superuser
    gets no button and a 403."""
    product, first, current = replaced_picture
    product_admin = type(admin.site._registry[Product])
    monkeypatch.setattr(product_admin, "readonly_fields", [*product_admin.readonly_fields, "image"])
    page = admin_client.get(URL, {"name": first})
    assert "Held earlier by" in page.content.decode()
    assert USE_AGAIN not in page.content.decode()
    assert use_again(admin_client, product, first).status_code == 403
    assert picture_of(product) == current


@pytest.mark.parametrize("role", ["superuser", "staff who may change products", "demo staff login"])
def test_a_file_no_row_holds_now_is_a_superusers_to_restore(
    role, replaced_picture, django_user_model
):
    """A superuser took a picture down: replaced it, and deleted the old file on the
    bucket. As its earlier holder's staff, the demo's shared login restored a version
    and used it again. Listing and downloading an earlier file stay theirs; restoring
    one no row holds now is a superuser's, as before earlier files were recorded."""
    product, first, current = replaced_picture
    (version,) = [v for v in versions.list_versions(first) if not v.is_delete_marker]
    default_storage.delete(first)
    client = client_as(role, django_user_model)
    page = client.get(URL, {"name": first})
    assert page.status_code == 200
    assert ("Restore this version" in page.content.decode()) is (role == "superuser")
    # Its versions still download (docs/s3-media.md: deleting them takes it down for good).
    assert f"versionId={version.version_id}" in page.content.decode()
    # What the page and a use again say to do is what this user can do.
    gone = f"{first} is not current in the bucket any more (deleted since)"
    said = (
        f"{gone}: restore a version of it below first, then use it again."
        if role == "superuser"
        else f"{gone}, and restoring it is not yours to do: ask a superuser to restore a "
        "version of it, then use it again."
    )
    assert said in text(page)
    refused = use_again(client, product, first)
    assert refused.status_code == 409
    assert said in text(refused)
    restored = client.post(URL, {"name": first, "version_id": version.version_id})
    assert restored.status_code == (302 if role == "superuser" else 403)
    assert default_storage.exists(first) is (role == "superuser")
    assert picture_of(product) == current


def test_an_object_among_more_than_the_page_lists_uses_its_earlier_file(
    admin_client, replaced_picture
):
    """A seeded picture is shared by thousands of products: once more objects than the
    versions page lists held it after one, that one's "Use this file again" was
    refused as no earlier file of its field."""
    product, first, _ = replaced_picture
    others = ProductFactory.create_batch(media_admin.EARLIER_HOLDERS + 1, features=0)
    kind = ContentType.objects.get_for_model(Product)
    EarlierFile.objects.bulk_create(
        EarlierFile(content_type=kind, object_id=str(other.pk), field_name="image", name=first)
        for other in others
    )
    listed = text(admin_client.get(URL, {"name": first}))
    assert str(product) not in listed.split("Held earlier by")[1].split("Versions")[0]
    assert use_again(admin_client, product, first).status_code == 302
    assert picture_of(product) == first


def test_two_saves_at_once_record_each_file_they_replace(
    admin_client, replaced_picture, rf, django_user_model
):
    """Two tabs save a new picture at once: the second read what the product held
    before the first one's save, recorded that name a second time, and the first
    tab's picture was recorded nowhere. A save reads what the row holds as it runs."""
    product, first, current = replaced_picture
    request = rf.post(product_page(product))
    request.user = django_user_model.objects.get(username="admin")
    model_admin = admin.site._registry[Product]
    data = change_data(product)
    # The second tab: its page loaded, its form checked and its upload stored...
    second = model_admin.get_form(request, product, change=True)(
        data=data,
        files={"image": upload("second.png", image_bytes("PNG"))},
        instance=Product.objects.get(pk=product.pk),
    )
    assert second.is_valid(), second.errors
    # ...when the first tab saves.
    assert new_picture(admin_client, product).status_code == 302
    meanwhile = picture_of(product)
    second.save()
    names = EarlierFile.objects.order_by("recorded_at", "pk").values_list("name", flat=True)
    assert list(names) == [first, current, meanwhile]


def profile_saved(client, name: str):
    """The profile page posted with the display name `name` and a new avatar."""
    return client.post(
        "/accounts/profile/edit/",
        {"bio": "", "display_name": name, "avatar": upload(f"{name}.png", image_bytes("PNG"))},
    )


def test_the_profile_page_records_its_avatar_in_the_saves_transaction(fresh_s3, monkeypatch):
    """The profile saved in a transaction of its own, the record after it: a record
    that failed left the new avatar saved and the one it replaced recorded nowhere,
    behind a 500 page. Now both or neither."""
    member = UserFactory()
    client = Client(raise_request_exception=False)
    client.force_login(member)

    assert profile_saved(client, "first").status_code == 302
    held = Profile.objects.get(user=member).avatar.name

    def fails(*args, **kwargs):
        raise DatabaseError("the record could not be written")

    monkeypatch.setattr(EarlierFile.objects, "bulk_create", fails)
    assert profile_saved(client, "second").status_code == 500
    profile = Profile.objects.get(user=member)
    assert (profile.display_name, profile.avatar.name) == ("first", held)


def test_a_profile_made_anew_while_it_saves_records_under_its_new_row(fresh_s3, monkeypatch):
    """Staff deleted the profile row while its page saved: the row is made anew, and
    the avatar it replaced was recorded under the row that went, shown nowhere."""
    from accounts import views

    member = UserFactory()
    client = Client()
    client.force_login(member)

    assert profile_saved(client, "first").status_code == 302
    went = Profile.objects.get(user=member)
    save_own_fields = views.save_own_fields

    def deleted_first(profile, **kwargs):
        Profile.objects.filter(pk=went.pk).delete()
        return save_own_fields(profile, **kwargs)

    monkeypatch.setattr(views, "save_own_fields", deleted_first)
    assert profile_saved(client, "second").status_code == 302
    made = Profile.objects.get(user=member)
    assert made.pk != went.pk
    (record,) = EarlierFile.objects.all()
    assert (record.object_id, record.name) == (str(made.pk), went.avatar.name)
