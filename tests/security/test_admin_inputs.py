"""Odd values in the admin's URLs and list forms get a 4xx page or a message, never a 500.

The admin's list pages filter on any field of their model straight from the query
string, its "view on site" link looks any object up by content type, and its
list actions take the ids they are sent. Every list page of every registered
model, every field, and values the database refuses; every content type.
"""

import re
from datetime import timedelta

import psycopg2
import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.test import Client, RequestFactory
from django.urls import resolve, reverse
from django.utils import timezone

from accounts.models import Company
from catalog.models import Category, Product
from config.security.autocomplete import AutocompleteSelect
from config.security.staffonly import DeletedObjectsNamedIfSeenMixin
from tests.factories import CategoryFactory, CompanyFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def refused_values(field: models.Field) -> list[str]:
    """Filter values the database, not Django, refuses for this field."""
    # __range takes two values and the admin never splits one: "1" left BETWEEN one
    # short (IndexError), "123" gave it three (TypeError), as the SQL was compiled.
    values = [f"{field.attname}=a%00b", f"{field.attname}__range=1", f"{field.attname}__range=123"]
    if isinstance(field, models.CharField | models.TextField):
        values.append(f"{field.attname}__regex=(")
    if isinstance(field, models.DateField):  # DateTimeField too
        values += [f"{field.attname}__year=10000", f"{field.attname}__year=0"]
    if isinstance(field, models.IntegerField | models.AutoField | models.ForeignKey):
        values.append(f"{field.attname}=99999999999999999999")
    if isinstance(field, models.DecimalField):
        values.append(f"{field.attname}=1e999999")
    return values


def date_hierarchy_values(model) -> list[str]:
    """The date hierarchy's drill-downs into the last days Python's dates hold."""
    field = admin.site._registry[model].date_hierarchy
    if not field:
        return []
    return [
        f"{field}__year=9999&{field}__month=12",
        f"{field}__year=9999&{field}__month=12&{field}__day=31",
        f"{field}__year=0&{field}__month=1",
    ]


def changelists() -> list[tuple[str, type]]:
    return [
        (reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"), model)
        for model in admin.site._registry
    ]


@pytest.fixture
def superuser():
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


# Each request on its own transaction, as a web process runs it: an error of the
# database would otherwise abort the test's one transaction for every request after.
@pytest.mark.django_db(transaction=True)
def test_list_filters_the_database_refuses_are_no_500(superuser):
    ProductFactory()
    tried = 0
    hierarchies = 0
    for url, model in changelists():
        queries = [q for field in model._meta.concrete_fields for q in refused_values(field)]
        hierarchies += len(date_hierarchy_values(model))
        for query in [*queries, *date_hierarchy_values(model)]:
            response = superuser.get(f"{url}?{query}")
            assert response.status_code < 500, (url, query, response.status_code)
            tried += 1
    assert tried > 100
    assert hierarchies >= 3  # django-axes' lists have one


# Each request on its own transaction, as above.
@pytest.mark.django_db(transaction=True)
def test_every_lookup_of_every_kind_of_field_with_odd_values_is_no_500(superuser):
    """The products' list page: every lookup Django registers for each kind of field
    it has, with a value of several shapes at once."""
    ProductFactory()
    url = reverse("admin:catalog_product_changelist")
    kinds = {field.get_internal_type(): field for field in Product._meta.concrete_fields}
    tried = 0
    for field in kinds.values():
        for lookup in sorted(field.get_lookups()):
            # A list, a letter and a number in one: __range reads three values in
            # it, __in two, a number lookup a letter.
            response = superuser.get(url, {f"{field.attname}__{lookup}": "1,a"})
            assert response.status_code < 500, (field.attname, lookup)
            tried += 1
    assert len(kinds) >= 5
    assert tried > 100


@pytest.mark.django_db(transaction=True)
def test_a_refused_list_page_is_reported_with_its_traceback(superuser, caplog):
    """A list page's own bug would raise the same exceptions: staff get the 400 page,
    and the log record Sentry turns into an event carries the traceback."""
    response = superuser.get("/admin/auth/user/?username__regex=(")
    assert response.status_code == 400
    [record] = [r for r in caplog.records if r.name == "config.security.adminlists"]
    assert record.levelname == "ERROR"
    assert "invalid regular expression" in str(record.exc_info[1])


def test_the_company_autocomplete_refuses_a_nul(superuser):
    response = superuser.get(
        "/admin/autocomplete/",
        {"app_label": "accounts", "model_name": "profile", "field_name": "company", "term": "\0"},
    )
    assert response.status_code == 400


@pytest.mark.parametrize("staff", ["superuser", "no permissions"])
def test_view_on_site_for_every_content_type_is_no_500(staff):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(is_staff=True, is_superuser=staff == "superuser"))
    for content_type in ContentType.objects.all():
        for object_id in ("1", "x", "99999999999999999999"):
            response = client.get(f"/admin/r/{content_type.pk}/{object_id}/")
            assert response.status_code < 500, (content_type, object_id, response.status_code)


@pytest.mark.django_db(transaction=True)
def test_a_list_action_on_ids_that_are_no_ids_is_no_500(superuser):
    ProductFactory()
    for url, _ in changelists():
        for selected in ("abc", "1.5", "99999999999999999999"):
            response = superuser.post(
                url, {"action": "delete_selected", "index": "0", "_selected_action": selected}
            )
            assert response.status_code < 500, (url, selected, response.status_code)


def list_actions() -> list[tuple[str, type, str]]:
    """Every action of every list page: the site's (delete) and each admin's own."""
    return [
        (url, model, name)
        for url, model in changelists()
        for _function, name, _description in admin.site._registry[model]._get_base_actions()
    ]


def some_of_everything() -> None:
    """A row for each list page's actions to act on, one of them an expired lockout."""
    product = ProductFactory()
    Company.objects.create(name="Acme", slug="acme")
    lockout("someone", timedelta(days=2))
    assert product.pk


def lockout(username: str, age: timedelta) -> None:
    """A username locked out from one address, its last failure `age` ago."""
    attempt = AccessAttempt.objects.create(
        username=username,
        ip_address="203.0.113.9",
        user_agent="",
        path_info="/",
        get_data="",
        post_data="",
        failures_since_start=5,
    )
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=timezone.now() - age)


def rows() -> dict[type, int]:
    return {model: model._default_manager.count() for _, model in changelists()}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ["superuser", "view only", "no permissions"])
def test_every_list_action_under_every_role_is_no_500_and_changes_only_what_it_may(role):
    """Each action with a row's id, an id no row has and one no id is: a page or a
    redirect with a message, never a 500; and staff who may only look change nothing.
    (django-axes' "Clean up expired attempts" read an attribute only a login sets on
    the request: a 500 for any staff who could see the lockout list.)"""
    staff = UserFactory(is_staff=True, is_superuser=role == "superuser")
    if role == "view only":
        staff.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
    client = Client(raise_request_exception=False)
    client.force_login(staff)  # before the rows: a login clears expired lockouts
    some_of_everything()
    before = rows()
    for url, model, action in list_actions():
        ids = [str(pk) for pk in model._default_manager.values_list("pk", flat=True)[:1]]
        for selected in [*ids, "99999", "abc"]:
            response = client.post(
                url, {"action": action, "index": "0", "_selected_action": selected}
            )
            assert response.status_code < 500, (url, action, selected, response.status_code)
    if role == "superuser":  # the one action that changes rows without a confirmation
        assert not AccessAttempt.objects.exists(), "the expired attempt is cleaned up"
    else:
        assert rows() == before


@pytest.mark.django_db
def test_the_clean_up_removes_expired_lockouts_and_keeps_live_ones(admin_client):
    """docs/production.md: only attempts older than the 15-minute cool-off go; a
    clean-up that took live ones would lift a lockout in progress."""
    lockout("expired", timedelta(minutes=16))
    lockout("live", timedelta(minutes=14))
    url = reverse("admin:axes_accessattempt_changelist")
    every = list(AccessAttempt.objects.values_list("pk", flat=True))
    assert len(every) == 2
    admin_client.post(url, {"action": "cleanup_expired_attempts", "_selected_action": every})
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["live"]


def autocomplete_fields() -> list[tuple[object, str]]:
    """(admin or inline class, field name) for every autocomplete field of the site."""
    found = []
    for model_admin in admin.site._registry.values():
        for owner in (
            model_admin,
            *(inline(model_admin.model, admin.site) for inline in model_admin.inlines),
        ):
            found += [(owner, name) for name in owner.autocomplete_fields]
    return found


def test_the_site_has_autocomplete_fields_to_check():
    assert {(type(owner).__name__, name) for owner, name in autocomplete_fields()} >= {
        ("ProfileAdmin", "company"),
        ("ProfileInline", "company"),
    }


# What a tampered form posts for an autocomplete's choice: its widget looked them up
# with `id__in` while showing the form again, and the lookup's ValueError was a 500.
NOT_IDS = {
    "abc": "Select a valid choice",
    "1.5": "Select a valid choice",
    "a\0b": "Null characters are not allowed",
    "99999999999999999999": "Select a valid choice",
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("value", "error"), NOT_IDS.items())
def test_an_autocomplete_choice_that_is_no_id_is_a_form_error(superuser, value, error):
    user = UserFactory()
    profile_page = reverse("admin:accounts_profile_change", args=[user.profile.pk])
    data = {"display_name": "Ada", "bio": "", "company": value}
    response = superuser.post(profile_page, data)
    assert response.status_code == 200
    assert error in response.content.decode()

    # Every other autocomplete field of the site, its form bound the same way.
    request = RequestFactory().post("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    for owner, name in autocomplete_fields():
        if isinstance(owner, InlineModelAdmin):
            form_class = owner.get_formset(request, user).form
        else:
            form_class = owner.get_form(request, user.profile)
        form = form_class(data={name: value})
        assert not form.is_valid()
        assert error in str(form[name].errors), (owner, name)
        str(form[name])  # shown again: the widget looks its choice up


def staff_client(*permissions: str) -> Client:
    user = UserFactory(is_staff=True)
    for codename in permissions:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("permissions", "status"),
    [((), 404), (("view_product",), 302), (("change_product",), 302)],
    ids=["no permissions", "view", "change"],
)
def test_view_on_site_shows_an_objects_address_only_to_who_may_see_it(permissions, status):
    """The shortcut redirects to the object's page, found through the model's base
    manager: any staff counting ids up learnt which products exist and their slugs
    (unpublished ones have no page at all: below)."""
    product = ProductFactory(slug="spring-launch")
    content_type = ContentType.objects.get_for_model(product)
    response = staff_client(*permissions).get(f"/admin/r/{content_type.pk}/{product.pk}/")
    assert response.status_code == status
    assert ("spring-launch" in response.get("Location", "")) == (status == 302)


def view_on_site_link(client: Client, obj) -> str | None:
    """The "View on site" link of the object's change page, if it shows one."""
    opts = obj._meta
    page = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    assert page.status_code == 200, obj
    found = re.search(r'href="([^"]*)" class="viewsitelink"', page.content.decode())
    return found and found[1]


@pytest.mark.django_db(transaction=True)
def test_every_view_on_site_link_the_admin_shows_leads_to_a_page(superuser):
    """Every object of every model the admin shows, in each state it has: a link the
    change page shows lands on a page (200). An unpublished product's led to the
    404 page: no page shows it, staff included."""
    some_of_everything()
    ProductFactory(is_published=False)
    CategoryFactory()  # without products: its page says so
    links = []
    for _, model in changelists():
        for obj in model._default_manager.all():
            link = view_on_site_link(superuser, obj)
            if link is not None:
                links.append(link)
                assert superuser.get(link, follow=True).status_code == 200, (obj, link)
    assert len(links) >= 4  # the products, the categories, the company


@pytest.mark.parametrize("permissions", [(), ("view_product",), ("change_product",)])
def test_an_unpublished_product_has_no_view_on_site_link_and_its_shortcut_is_a_404(permissions):
    product = ProductFactory(is_published=False, slug="secret-launch")
    client = staff_client(*permissions)
    if permissions:
        assert view_on_site_link(client, product) is None
    content_type = ContentType.objects.get_for_model(product)
    response = client.get(f"/admin/r/{content_type.pk}/{product.pk}/")
    assert response.status_code == 404
    assert "secret-launch" not in response.get("Location", "")


@pytest.mark.django_db(transaction=True)
def test_view_on_site_of_a_content_type_id_no_database_holds_is_no_500(superuser):
    response = superuser.get("/admin/r/99999999999999999999/1/")
    assert response.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_view_on_site_while_the_database_fails_is_the_503_page(superuser):
    """An id no database holds is the 404 page; the database failing under the
    lookup (here a statement cancelled by statement_timeout while another session
    locks the content types) is the 503 page, as on every other page, not a 404."""
    content_type = ContentType.objects.get_for_model(Product)
    ContentType.objects.clear_cache()
    locker = psycopg2.connect(**connection.get_connection_params())
    try:
        with locker.cursor() as cursor:
            cursor.execute("LOCK TABLE django_content_type IN ACCESS EXCLUSIVE MODE")
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = '200ms'")
        response = superuser.get(f"/admin/r/{content_type.pk}/1/")
    finally:
        locker.close()
        connection.close()  # its statement_timeout goes with it
    assert response.status_code == 503
    assert response["Retry-After"] == "30"


def test_view_on_site_takes_an_object_id_with_slashes_as_django_does():
    match = resolve("/admin/r/5/a/b/")
    assert match.kwargs == {"content_type_id": "5", "object_id": "a/b"}
    assert match.url_name == "admin-view-on-site"


def test_an_autocomplete_on_a_text_key_never_looks_up_a_nul():
    """A choice by slug (`to_field`): CharField reads "a\\0b" as a value, and the
    lookup that shows the form again sent it to PostgreSQL, which psycopg2 refuses."""
    by_slug = models.ForeignKey(Company, to_field="slug", on_delete=models.CASCADE)
    by_slug.remote_field.model = Company
    widget = AutocompleteSelect(by_slug, admin.site)
    assert widget._readable("acme")
    assert not widget._readable("a\0b")


def object_pages(object_id: str) -> list[str]:
    """Every admin page of one object (change, delete, history, a user's password
    page...), of every registered model, for `object_id`."""
    pages = []
    for model_admin in admin.site._registry.values():
        for pattern in model_admin.get_urls():
            keys = set(getattr(pattern.pattern, "converters", {})) & {"object_id", "id"}
            if pattern.name and keys:
                pages.append(reverse(f"admin:{pattern.name}", kwargs={keys.pop(): object_id}))
    return pages


def test_staff_without_permission_learn_nothing_of_which_objects_exist():
    """A page of an object no row has answers as one of an existing object: Django's
    history page redirected for a missing object before it checked permission
    (403 against 302), so staff without a single permission could count ids."""
    product = ProductFactory(is_published=False)
    client = staff_client()
    missing = {page: client.get(page).status_code for page in object_pages("999999")}
    assert len(missing) >= 3 * len(admin.site._registry)
    assert set(missing.values()) == {403}, missing
    history = reverse("admin:catalog_product_history", args=[product.pk])
    refused = client.get(history)
    assert refused.status_code == 403
    # Cached as the admin's own 403s are (the change page's).
    change = client.get(reverse("admin:catalog_product_change", args=[product.pk]))
    assert (change.status_code, refused["Cache-Control"]) == (403, change["Cache-Control"])
    viewer = staff_client("view_product")
    assert viewer.get(history).status_code == 200
    assert viewer.get(reverse("admin:catalog_product_history", args=[999999])).status_code == 302
    assert Client().get(history).status_code == 302  # anonymous: to the login page


@pytest.mark.parametrize(
    ("model", "make"),
    [
        ("product", lambda: ProductFactory(is_published=False, name="Secret launch")),
        ("user", lambda: UserFactory(username="root-operator")),
    ],
    ids=["unpublished product", "user"],
)
def test_staff_who_may_only_delete_learn_nothing_of_which_objects_exist(model, make):
    """Django's delete page checks the delete permission, then redirects for an id no
    row has and shows an existing object's name (and what goes with it) for others:
    staff holding `delete_<model>` alone, who see no list of them, counted ids up and
    read which unpublished products and which usernames exist. As on the history
    page, staff whose admin of the model does not show them the object get a 403,
    whether or not it exists."""
    obj = make()
    app_label = obj._meta.app_label
    client = staff_client(f"delete_{model}")
    for object_id in (obj.pk, 999999):
        page = reverse(f"admin:{app_label}_{model}_delete", args=[object_id])
        response = client.get(page)
        assert response.status_code == 403, (page, response.status_code)
        assert str(obj) not in response.content.decode()
        assert client.post(page, {"post": "yes"}).status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()
    # With the view permission too, Django's page as before: staff who list them.
    viewer = staff_client(f"delete_{model}", f"view_{model}")
    page = reverse(f"admin:{app_label}_{model}_delete", args=[obj.pk])
    assert viewer.get(page).status_code == 200


def test_a_delete_page_names_only_the_related_objects_its_reader_may_see():
    """A category's delete page listed the products that keep it (PROTECT) by name,
    with links, to staff who may view and delete categories and delete products but
    not view them: unpublished ones included. They show as their kind and number;
    staff who may view products read their names, as before."""
    product = ProductFactory(is_published=False, name="Secret launch")
    page = reverse("admin:catalog_category_delete", args=[product.category_id])
    refused = staff_client("view_category", "delete_category", "delete_product").get(page)
    assert refused.status_code == 200
    content = refused.content.decode()
    assert "Secret launch" not in content
    assert f"Product #{product.pk}" in content
    assert refused.context["protected"]  # the delete is still refused for it
    viewer = staff_client("view_category", "delete_category", "delete_product", "view_product")
    assert "Secret launch" in viewer.get(page).content.decode()
    # The same list on the changelist's delete action.
    action = staff_client("view_category", "delete_category", "delete_product").post(
        reverse("admin:catalog_category_changelist"),
        {"action": "delete_selected", "_selected_action": [product.category_id]},
    )
    assert "Secret launch" not in action.content.decode()
    assert f"Product #{product.pk}" in action.content.decode()


@pytest.mark.parametrize("may_delete_products", [False, True], ids=["alone", "with products'"])
def test_a_category_kept_by_its_products_is_refused_for_them_not_for_a_permission(
    may_delete_products,
):
    """Products keep their category (PROTECT): deleting it deletes none of them, so
    the delete permission on products is not what staff lack. Django's page said it
    was ("your account doesn't have permission to delete ... product"), and granting
    it changed only the message; the page and the list's action now name the
    products that keep the category, whatever the reader may delete."""
    product = ProductFactory()
    extra = ("delete_product",) if may_delete_products else ()
    client = staff_client("view_category", "delete_category", *extra)
    page = reverse("admin:catalog_category_delete", args=[product.category_id])
    action = {"action": "delete_selected", "_selected_action": [product.category_id]}
    changelist = reverse("admin:catalog_category_changelist")
    for response in (
        client.get(page),
        client.post(page, {"post": "yes"}),
        client.post(changelist, action),
        client.post(changelist, {**action, "post": "yes"}),
    ):
        assert response.status_code == 200
        content = response.content.decode()
        assert "would require deleting the following protected related objects" in content
        assert f"Product #{product.pk}" in content
        assert "permission to delete" not in content
    assert Category.objects.filter(pk=product.category_id).exists()


def test_a_users_delete_page_names_their_log_entries_only_to_who_may_view_the_log():
    """Deleting a user takes their admin log entries with it, and the page listed each
    by what it says: "Changed “Secret launch” — Changed Price", to staff who may
    delete users and see no product. The log has no admin of its own; its model's
    view permission decides, as a registered model's admin does."""
    # Staff no longer: other staff's accounts are a superuser's to delete (accounts/admin.py).
    editor = UserFactory(is_staff=False)
    product = ProductFactory(is_published=False, name="Secret launch")
    LogEntry.objects.log_actions(editor.pk, [product], CHANGE, change_message="Changed price.")
    page = reverse("admin:auth_user_delete", args=[editor.pk])
    reader = staff_client("view_user", "delete_user", "delete_profile")
    content = reader.get(page).content.decode()
    entry = LogEntry.objects.get(user=editor)
    assert f"Log entry #{entry.pk}" in content
    assert "Secret launch" not in content
    superuser = Client()
    superuser.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert "Secret launch" in superuser.get(page).content.decode()


def test_every_admin_of_the_project_names_only_what_its_reader_may_see_on_delete():
    """Every registered ModelAdmin of the project's apps, and the users' and groups'
    (accounts/admin.py), uses the delete pages' check (config/security/staffonly.py)."""
    ours = [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model.__module__.split(".")[0] in {"accounts", "catalog", "config"}
        or model in (User, Group)
    ]
    assert len(ours) >= 5
    for model, model_admin in ours:
        assert isinstance(model_admin, DeletedObjectsNamedIfSeenMixin), model


def reverse_relations(model) -> list[str]:
    """The names of the relations other models hold to `model` (`features` on a
    product): fields `get_field()` finds on it, with no column and no primary_key."""
    return [
        field.name
        for field in model._meta.get_fields(include_hidden=True)
        if field.auto_created and field.is_relation and not field.concrete
    ]


def object_and_list_pages(model, obj) -> list[str]:
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    return [
        reverse(f"{info}_changelist"),
        reverse(f"{info}_add"),
        reverse(f"{info}_change", args=[obj.pk]),
        reverse(f"{info}_delete", args=[obj.pk]),
    ]


def one_of_each() -> dict:
    """An object of each model with reverse relations, by model."""
    product = ProductFactory()
    return {
        Product: product,
        Category: product.category,
        User: UserFactory(),
        Company: CompanyFactory(),
    }


@pytest.mark.django_db(transaction=True)
def test_a_reverse_relation_named_as_to_field_is_refused_on_every_admin_page(superuser):
    """`?_to_field=features` raised AttributeError in Django's check of the field (a
    relation's reverse side has no `primary_key`): a 500 on the add, change, delete
    and list pages of every model with such a relation, before any permission check,
    so staff without a single permission too. Refused as Django refuses any field
    it may not reference: the 400 page."""
    objects = one_of_each()
    tried = 0
    for model, obj in objects.items():
        for name in reverse_relations(model):
            for page in object_and_list_pages(model, obj):
                response = superuser.get(page, {"_to_field": name})
                assert response.status_code == 400, (page, name, response.status_code)
                tried += 1
            posted = superuser.post(object_and_list_pages(model, obj)[1], {"_to_field": name})
            assert posted.status_code == 400, (model, name, posted.status_code)
    assert tried >= 4 * 4
    # The primary key and a field a registered relation references stay allowed.
    assert (
        superuser.get(reverse("admin:catalog_product_add"), {"_to_field": "id"}).status_code == 200
    )
    # Anyone the admin does not let in is sent to its login page, as for any other value.
    anonymous = Client().get(reverse("admin:catalog_product_changelist"), {"_to_field": "features"})
    assert anonymous.status_code == 302


@pytest.mark.django_db(transaction=True)
def test_an_empty_to_field_is_refused_on_every_admin_page(superuser):
    """`?_to_field=` (empty) passed Django's check, which tests the value's truth, and
    `get_field("")` then raised FieldDoesNotExist: a 500 on change and delete pages,
    on change pages before any permission check, so for the demo's shared staff
    login on every model. Refused as Django refuses a field it may not reference."""
    objects = one_of_each()
    for model, obj in objects.items():
        for page in object_and_list_pages(model, obj):
            for empty in ("", " "):
                response = superuser.get(page, {"_to_field": empty})
                assert response.status_code == 400, (page, repr(empty), response.status_code)
            posted = superuser.post(page, {"_to_field": ""})
            assert posted.status_code == 400, (page, posted.status_code)
    no_permissions = staff_client()
    user_page = reverse("admin:auth_user_change", args=[objects[User].pk])
    assert no_permissions.get(user_page, {"_to_field": ""}).status_code == 400


@pytest.mark.django_db(transaction=True)
def test_an_autocomplete_for_a_reverse_relation_is_refused_like_any_unknown_field(superuser):
    """The autocomplete view found the field by name and took a reverse relation
    (`field_name=products` on a category) for a foreign key: AttributeError, a 500,
    for any staff who may view the related model (the demo's shared staff login).
    Answered 403, as Django answers a field no model has."""
    tried = 0
    for model in admin.site._registry:
        for name in reverse_relations(model):
            params = {
                "app_label": model._meta.app_label,
                "model_name": model._meta.model_name,
                "field_name": name,
                "term": "",
            }
            response = superuser.get(reverse("admin:autocomplete"), params)
            assert response.status_code == 403, (model, name, response.status_code)
            tried += 1
    assert tried >= 4
    company = {"app_label": "accounts", "model_name": "profile", "field_name": "company"}
    assert superuser.get(reverse("admin:autocomplete"), company).status_code == 200
    products = {"app_label": "catalog", "model_name": "category", "field_name": "products"}
    assert Client().get(reverse("admin:autocomplete"), products).status_code == 302


def test_a_history_page_names_who_changed_the_object_only_to_those_who_may_see_users():
    """Staff who may view a product saw the username and full name of everyone who
    ever changed it, superusers included: half of their login, to the demo's shared
    staff login as well. A username shows where the reader may view users, and the
    reader's own."""
    product = ProductFactory()
    operator = User.objects.create_superuser(
        "root-operator", "root@example.com", "x", first_name="Ada", last_name="Root"
    )
    LogEntry.objects.log_actions(operator.pk, [product], CHANGE, change_message="Changed price.")
    history = reverse("admin:catalog_product_history", args=[product.pk])
    viewer = staff_client("view_product")
    page = viewer.get(history).content.decode()
    assert "Changed price." in page
    assert "root-operator" not in page
    assert "Ada Root" not in page
    assert "a staff member" in page
    own = Client()
    own.force_login(operator)
    for client in (
        staff_client("view_product", "view_user"),
        staff_client("view_product", "change_user"),
        own,
    ):
        assert "root-operator (Ada Root)" in client.get(history).content.decode()


def test_every_decimal_field_of_the_project_reads_zero_with_any_exponent_as_zero():
    """DecimalValidator counts zero as one digit whatever its exponent (Django
    #34014), which PostgreSQL refuses past its own bound: every decimal field the
    project's models have reads such a zero, from a form or the ORM, as a plain
    zero the database takes. A new model's decimal field is caught here."""
    fields = [
        field
        for model in apps.get_models()
        if model.__module__.split(".")[0] in {"accounts", "catalog", "config"}
        for field in model._meta.concrete_fields
        if isinstance(field, models.DecimalField)
    ]
    assert fields  # Product.price at least
    for field in fields:
        for typed in ("0E+1073741824", "-0e9999999999", "0E-1073741824"):
            value = field.formfield().clean(typed)
            cleaned = field.clean(value, None)
            with connection.cursor() as cursor:
                cursor.execute("SELECT %s::numeric", [field.get_db_prep_save(cleaned, connection)])
                assert cursor.fetchone()[0] == 0, (field, typed)
            assert cleaned.as_tuple().exponent <= 0, (field, typed)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("confirmed", [False, True], ids=["asked", "confirmed"])
def test_a_list_action_on_rows_that_are_gone_says_so_and_does_nothing(confirmed):
    """Rows another staff member deleted meanwhile: the delete action asked to
    confirm deleting nothing, and after "Yes, I'm sure" said nothing at all."""
    superuser_account = UserFactory(is_staff=True, is_superuser=True)
    superuser = Client(raise_request_exception=False)
    superuser.force_login(superuser_account)
    some_of_everything()
    before = rows()
    offered = 0
    for url, model, action in list_actions():
        request = RequestFactory().get(url)
        request.user = superuser_account
        offered_actions = admin.site._registry[model].get_actions(request)
        if action not in offered_actions:
            continue  # not offered (profiles go with their users): Django's list again
        if not getattr(offered_actions[action][0], "acts_on_selection", True):
            continue  # django-axes' clean-up, whatever is selected: below
        offered += 1
        body = {"action": action, "index": "0", "_selected_action": ["99999", "99998"]}
        if confirmed:
            body["post"] = "yes"
        response = superuser.post(url, body, follow=True)
        assert response.redirect_chain == [(url, 302)], (url, action)
        assert "None of the selected rows are in this list any more" in (
            response.content.decode()
        ), (url, action)
    assert offered >= 8
    assert rows() == before


@pytest.mark.django_db(transaction=True)
def test_a_list_action_on_some_rows_that_are_gone_acts_on_the_others(superuser):
    product, other = ProductFactory(), ProductFactory()
    url = reverse("admin:catalog_product_changelist")
    body = {"action": "delete_selected", "_selected_action": [product.pk, 99999], "post": "yes"}
    response = superuser.post(url, body, follow=True)
    assert "Successfully deleted 1 product" in response.content.decode()
    assert list(Product.objects.values_list("pk", flat=True)) == [other.pk]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("confirmed", [False, True], ids=["asked", "confirmed"])
def test_all_selected_across_a_list_that_has_emptied_says_so(superuser, confirmed):
    gone = ProductFactory()
    gone.delete()
    url = reverse("admin:catalog_product_changelist")
    body = {"action": "delete_selected", "select_across": "1", "_selected_action": [gone.pk]}
    body |= {"post": "yes"} if confirmed else {"index": "0"}
    response = superuser.post(url, body, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert "None of the selected rows are in this list any more" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_no_action_chosen_is_still_djangos_message_when_the_rows_are_gone(superuser):
    url = reverse("admin:catalog_product_changelist")
    body = {"action": "", "index": "0", "_selected_action": ["99999"]}
    page = superuser.post(url, body, follow=True).content.decode()
    assert "No action selected." in page
    assert "None of the selected rows" not in page


@pytest.mark.django_db(transaction=True)
def test_the_lockout_clean_up_runs_when_the_selected_attempts_are_gone(superuser):
    """It cleans every expired attempt whichever are selected, and a login deletes
    expired attempts too: the selected ones are often gone by the time it is chosen."""
    lockout("expired", timedelta(minutes=16))
    url = reverse("admin:axes_accessattempt_changelist")
    action = {"action": "cleanup_expired_attempts", "index": "0", "_selected_action": ["99999"]}
    superuser.post(url, action)
    assert not AccessAttempt.objects.exists()
