"""Saves in the admin that another request beats to a unique value: the form again
with its error, not a 500.

The admin's form checks each unique field against what is committed, then saves:
a row another request commits in between (a double-clicked Save, two staff at
once) made the save an IntegrityError, a 500 and an error event. Here that row is
committed from a connection of its own just before the admin's save writes.
"""

import psycopg2
import pytest
from django.contrib.admin import site
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models.signals import pre_delete, pre_save

from accounts.models import Company
from accounts.usernames import one_account_per_key
from catalog.models import Category, Product
from config.adminsaves import ConflictsShownOnTheFormMixin
from config.security import throttle
from config.security.upload_limit import account_uploads
from tests.conftest import bucket_keys, current_keys
from tests.factories import CategoryFactory, UserFactory, image_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def commit_elsewhere(sql: str, params: tuple = ()) -> None:
    """What another request commits, on a connection of its own."""
    settings = connection.get_connection_params()
    settings.pop("cursor_factory", None)
    other = psycopg2.connect(**settings)
    try:
        with other, other.cursor() as cursor:
            cursor.execute(sql, params)
    finally:
        other.close()


def commits_once_on(signal):
    """A fixture's body: `connect(model, sql, params)` commits that elsewhere once,
    as `signal` (pre_save, pre_delete) tells of the model's next save or delete."""
    connected = []

    def connect(model, sql: str, params: tuple = ()):
        def receiver(sender, **kwargs):
            signal.disconnect(receiver, sender=model)
            commit_elsewhere(sql, params)

        signal.connect(receiver, sender=model, weak=False)
        connected.append((receiver, model))

    yield connect
    for receiver, model in connected:
        signal.disconnect(receiver, sender=model)


@pytest.fixture
def just_before_the_save():
    yield from commits_once_on(pre_save)


@pytest.fixture
def just_before_the_delete():
    yield from commits_once_on(pre_delete)


USER_ROW = (
    "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,"
    " is_staff, is_active, date_joined) VALUES ('!', false, %s, '', '', '', false, true, now())"
)
CASES = {
    "category": (
        Category,
        "/admin/catalog/category/add/",
        {"name": "Kitchen", "slug": "kitchen", "description": ""},
        "INSERT INTO catalog_category (name, slug, description) VALUES ('Other', 'kitchen', '')",
        "Category with this Slug already exists.",
    ),
    "company": (
        Company,
        "/admin/accounts/company/add/",
        {"name": "Northwind", "slug": "northwind", "website": ""},
        "INSERT INTO accounts_company (name, slug, website) VALUES ('N', 'northwind', '')",
        "Company with this Slug already exists.",
    ),
    "group": (
        Group,
        "/admin/auth/group/add/",
        {"name": "Editors"},
        "INSERT INTO auth_group (name) VALUES ('Editors')",
        "Group with this Name already exists.",
    ),
    "user": (
        User,
        "/admin/auth/user/add/",
        {"username": "grace", "password1": "x-long-pass-9", "password2": "x-long-pass-9"},
        USER_ROW.replace("%s", "'grace'"),
        "A user with that username already exists.",
    ),
}
USER, URL, DATA, *REST = CASES["user"]
CASES["user in another case"] = (USER, URL, {**DATA, "username": "Grace"}, *REST)


@pytest.mark.parametrize("case", CASES)
def test_a_unique_value_committed_just_before_an_admin_save_is_a_form_error(
    admin_client, just_before_the_save, case
):
    model, url, data, sql, said = CASES[case]
    before = model.objects.count()
    if case == "user in another case":
        # The other request wrote under the name's lock (accounts/usernames.py), which
        # this save's check then waits for: here the row is committed before it looks.
        pre_save.disconnect(sender=User, dispatch_uid="accounts.usernames")
        just_before_the_save(model, sql)
        pre_save.connect(one_account_per_key, sender=User, dispatch_uid="accounts.usernames")
    else:
        just_before_the_save(model, sql)
    if model is User:
        data = {**data, "usable_password": "true"}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert said in response.content.decode()
    assert model.objects.count() == before + 1  # the other request's row alone


def product_data(category, **fields) -> dict:
    return {
        "name": "Lamp",
        "slug": "lamp",
        "description": "",
        "price": "10.00",
        "category": category.pk,
        "is_published": "on",
        "features-TOTAL_FORMS": "0",
        "features-INITIAL_FORMS": "0",
        "features-MIN_NUM_FORMS": "0",
        "features-MAX_NUM_FORMS": "1000",
        **fields,
    }


def test_a_product_with_a_picture_whose_slug_is_taken_meanwhile_is_a_form_error(
    client, just_before_the_save, fresh_s3
):
    """The picture, read once by the first attempt, is read again from its start.
    What the first attempt stored is deleted, as for any page shown again unsaved,
    and stays counted: the bucket keeps its version (the rollback took the count)."""
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="catalog", codename__endswith="product")
    )
    client.force_login(staff)
    category = CategoryFactory()
    just_before_the_save(
        Product,
        "INSERT INTO catalog_product (name, slug, description, price, category_id, image,"
        " image_width, image_height, is_published, created_at, updated_at) VALUES"
        " ('Lamp', 'lamp', '', 1, %s, '', NULL, NULL, true, now(), now())",
        (category.pk,),
    )
    picture = SimpleUploadedFile("lamp.png", image_bytes("PNG", (40, 30)), "image/png")
    response = client.post("/admin/catalog/product/add/", product_data(category, image=picture))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Product with this Slug already exists." in page
    assert "Upload a valid image" not in page
    assert list(Product.objects.values_list("name", flat=True)) == ["Lamp"]
    assert current_keys(fresh_s3) == []
    assert len(bucket_keys(fresh_s3)) == 2  # its one version and the delete marker over it
    assert throttle.reached(*account_uploads(staff), limit=1, window=3600)


def test_a_category_deleted_meanwhile_is_a_form_error_and_no_success(
    admin_client, just_before_the_save
):
    """The product's foreign key is checked at the commit, after the admin had queued
    "was added successfully": the page showed it beside the form's error."""
    category = CategoryFactory()
    just_before_the_save(Product, "DELETE FROM catalog_category WHERE id = %s", (category.pk,))
    response = admin_client.post("/admin/catalog/product/add/", product_data(category))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Select a valid choice." in page
    assert "was added successfully" not in page
    assert not Product.objects.exists()


def test_every_admin_page_that_saves_shows_a_lost_race_on_its_form(admin_user, rf):
    request = rf.get("/")
    request.user = admin_user
    saving = [
        model_admin
        for model_admin in site._registry.values()
        if model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
    ]
    assert {type(model_admin).__name__ for model_admin in saving} >= {
        "CategoryAdmin",
        "ProductAdmin",
        "CompanyAdmin",
        "ProfileAdmin",
        "UserAdmin",
        "GroupAdmin",
    }
    without = [a for a in saving if not isinstance(a, ConflictsShownOnTheFormMixin)]
    assert without == [], (
        f"{without}: give each ConflictsShownOnTheFormMixin (config/adminsaves.py), first "
        "among its bases, so a save that loses a race is the form again, not a 500."
    )


@pytest.mark.parametrize("how", ["its delete page", "the list's delete action"])
def test_a_category_given_a_product_while_it_is_deleted_is_the_protected_page(
    admin_client, just_before_the_delete, how
):
    """A product's category is protected: one added while staff delete the category
    failed the delete's commit, a 500."""
    category = CategoryFactory()
    just_before_the_delete(
        Category,
        "INSERT INTO catalog_product (name, slug, description, price, category_id, image,"
        " image_width, image_height, is_published, created_at, updated_at) VALUES"
        " ('Lamp', 'lamp', '', 1, %s, '', NULL, NULL, true, now(), now())",
        (category.pk,),
    )
    if how == "its delete page":
        url, data = f"/admin/catalog/category/{category.pk}/delete/", {"post": "yes"}
    else:
        url = "/admin/catalog/category/"
        data = {"action": "delete_selected", "_selected_action": [category.pk], "post": "yes"}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "would require deleting the following protected related objects" in (
        response.content.decode()
    )
    assert Category.objects.filter(pk=category.pk).exists()
    # Nor is a deletion in the admin's history: the action logged it before deleting.
    assert not LogEntry.objects.filter(action_flag=DELETION).exists()


def _gone_cases():
    from tests.accounts.test_avatar_admin import user_page_data
    from tests.factories import CompanyFactory, ProductFactory

    return {
        "category": (
            CategoryFactory,
            "catalog/category",
            lambda c: {"name": "Renamed", "slug": c.slug, "description": ""},
            "DELETE FROM catalog_category WHERE id = %(pk)s",
        ),
        "company": (
            CompanyFactory,
            "accounts/company",
            lambda c: {"name": "Renamed", "slug": c.slug, "website": ""},
            "DELETE FROM accounts_company WHERE id = %(pk)s",
        ),
        "product": (
            lambda: ProductFactory(features=0),
            "catalog/product",
            lambda p: product_data(p.category, slug=p.slug, name="Renamed"),
            "DELETE FROM catalog_product WHERE id = %(pk)s",
        ),
        "staff account": (
            lambda: UserFactory(is_staff=True),
            "auth/user",
            lambda u: {**user_page_data(u), "first_name": "Renamed", "is_staff": "on"},
            "DELETE FROM accounts_profile WHERE user_id = %(pk)s;"
            " DELETE FROM auth_user WHERE id = %(pk)s",
        ),
    }


@pytest.mark.parametrize("case", ["category", "company", "product", "staff account"])
def test_a_row_deleted_meanwhile_is_not_written_back_by_its_change_page(
    admin_client, just_before_the_save, case
):
    """Another staff member deletes the row while this one's change page saves it:
    Django's UPDATE found no row and fell back to an INSERT under the same key, so
    the row came back, a deleted staff account with its rights and password."""
    make, path, data, sql = _gone_cases()[case]
    row = make()
    model = type(row)
    just_before_the_save(model, sql, {"pk": row.pk})
    response = admin_client.post(f"/admin/{path}/{row.pk}/change/", data(row), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Perhaps it was deleted?" in page
    assert "changed successfully" not in page
    assert not model.objects.filter(pk=row.pk).exists()


def test_staff_deleted_while_their_save_commits_are_sent_to_log_in(client, just_before_the_save):
    """The admin's history row names the staff member who saved: with that account
    deleted meanwhile, its foreign key failed the commit, the page ran again with
    the same user and failed again, a 500."""
    staff = User.objects.create_superuser("saver", password="x-long-pass-9")
    client.force_login(staff)
    company = Company.objects.create(name="Acme", slug="acme")
    just_before_the_save(
        Company,
        "DELETE FROM accounts_profile WHERE user_id = %(pk)s;"
        " DELETE FROM auth_user WHERE id = %(pk)s",
        {"pk": staff.pk},
    )
    url = f"/admin/accounts/company/{company.pk}/change/"
    response = client.post(url, {"name": "Renamed", "slug": "acme", "website": ""})
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert Company.objects.get(pk=company.pk).name == "Acme"
    # Nor does the login page say the change was made: the first run queued that.
    assert "changed successfully" not in client.get(response["Location"]).content.decode()


def test_a_feature_deleted_meanwhile_is_not_written_back_by_its_products_page(
    admin_client, just_before_the_save
):
    """The inlines' rows too: a feature another staff member deleted while the
    product's page saved it came back under its old key."""
    from catalog.models import Feature
    from tests.factories import ProductFactory

    product = ProductFactory(features=2)
    first, second = product.features.order_by("position")
    features = {
        "features-TOTAL_FORMS": "2",
        "features-INITIAL_FORMS": "2",
        **{
            f"features-{n}-{field}": value
            for n, feature in enumerate([first, second])
            for field, value in {
                "id": feature.pk,
                "product": product.pk,
                "name": f"{feature.name}, renamed",
                "value": feature.value,
                "position": feature.position,
            }.items()
        },
    }
    just_before_the_save(Feature, "DELETE FROM catalog_feature WHERE id = %(pk)s", {"pk": first.pk})
    data = product_data(product.category, slug=product.slug, name="Renamed", **features)
    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", data)
    assert response.status_code == 200  # the page again, with the form's error
    # Shown on the row (Django put it on the hidden id, which no template shows).
    assert "a row it showed may have been deleted meanwhile" in response.content.decode()
    assert not Feature.objects.filter(pk=first.pk).exists()
    assert Product.objects.get(pk=product.pk).name == product.name


def test_only_djangos_word_for_a_row_gone_runs_a_page_again():
    """Other errors of DatabaseError's own class (some of the database's, some of
    Django's query compiler) are the server error they were, not run twice."""
    from django.db import DatabaseError, IntegrityError

    from config.adminsaves import row_went

    assert row_went(DatabaseError("Forced update did not affect any rows."))
    assert row_went(DatabaseError("Save with update_fields did not affect any rows."))
    assert not row_went(DatabaseError("snapshot too old"))
    assert not row_went(IntegrityError("Forced update did not affect any rows."))


STAFF_GONE = (
    "DELETE FROM accounts_profile WHERE user_id = %(pk)s;"
    " DELETE FROM auth_user_user_permissions WHERE user_id = %(pk)s;"
    " DELETE FROM auth_user WHERE id = %(pk)s"
)


def test_staff_deleted_while_their_product_is_added_leave_no_picture_behind(
    client, just_before_the_save, fresh_s3
):
    """The first run stored the picture; the rollback leaves it current in the
    bucket unless the run is undone before they are sent to log in."""
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="catalog"))
    client.force_login(staff)
    category = CategoryFactory()
    just_before_the_save(Product, STAFF_GONE, {"pk": staff.pk})
    picture = SimpleUploadedFile("lamp.png", image_bytes("PNG", (40, 30)), "image/png")
    response = client.post("/admin/catalog/product/add/", product_data(category, image=picture))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert not Product.objects.exists()
    assert current_keys(fresh_s3) == []


def test_staff_deleted_while_they_set_a_password_leave_it_unchanged(client, just_before_the_save):
    """The password page saved the password, then its history row naming the
    deleted staff member failed its own commit: a 500, the new password kept."""
    staff = User.objects.create_superuser("saver", password="x-long-pass-9")
    client.force_login(staff)
    member = UserFactory()
    just_before_the_save(User, STAFF_GONE, {"pk": staff.pk})
    response = client.post(
        f"/admin/auth/user/{member.pk}/password/",
        {"password1": "n3w-long-pass-9", "password2": "n3w-long-pass-9", "usable_password": "true"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    member.refresh_from_db()
    assert not member.check_password("n3w-long-pass-9")


def test_a_change_page_writes_only_what_its_form_changed(admin_client, just_before_the_save):
    """Another request changes a product's price and publication while a change page
    renames it (an operator unpublishing while the demo's staff login uploads a
    picture): the page wrote back the whole row as it loaded it, undoing them."""
    from tests.factories import ProductFactory

    product = ProductFactory(features=0, price="10.00", is_published=True)
    loaded_at = product.updated_at
    just_before_the_save(
        Product,
        "UPDATE catalog_product SET price = 99, is_published = false WHERE id = %(pk)s",
        {"pk": product.pk},
    )
    data = product_data(product.category, slug=product.slug, name="Renamed", price="10.00")
    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", data)
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.name, str(product.price), product.is_published) == ("Renamed", "99.00", False)
    assert product.updated_at > loaded_at  # auto_now fields are written with the change


def test_a_form_that_changed_nothing_still_finds_its_row_gone(db):
    """Django skips a save of no fields without a query: the row deleted meanwhile
    must still be told, as an UPDATE that finds none tells it."""
    from django.db import DatabaseError
    from django.forms import modelform_factory

    from config.adminsaves import row_went, save_changed

    category = CategoryFactory()
    fields = {"name": category.name, "slug": category.slug, "description": category.description}
    form = modelform_factory(Category, fields=list(fields))(fields, instance=category)
    assert form.is_valid()
    assert form.changed_data == []
    save_changed(category, form)  # there: nothing written, nothing raised
    Category.objects.filter(pk=category.pk).delete()
    with pytest.raises(DatabaseError) as gone:
        save_changed(category, form)
    assert row_went(gone.value)


def test_a_user_page_saved_as_the_member_changes_password_keeps_the_new_one(
    admin_client, just_before_the_save
):
    """A member's new password, written while staff saved the member's page (where the
    password is read-only), was written over with the old hash: the old password
    worked again. So was the member's own edit of the profile, saved through the
    page's profile inline."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import Profile
    from tests.accounts.test_avatar_admin import user_page_data

    member = UserFactory(first_name="Ada", profile__bio="old bio")
    just_before_the_save(
        User,
        "UPDATE auth_user SET password = %(hash)s WHERE id = %(pk)s;"
        " UPDATE accounts_profile SET bio = 'new bio' WHERE user_id = %(pk)s",
        {"pk": member.pk, "hash": make_password("a new password 1")},
    )
    data = {**user_page_data(member), "first_name": "Changed"}
    response = admin_client.post(f"/admin/auth/user/{member.pk}/change/", data)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.first_name == "Changed"
    assert member.check_password("a new password 1")
    assert Profile.objects.get(user=member).bio == "new bio"
