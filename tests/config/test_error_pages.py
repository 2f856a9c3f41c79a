"""The 400, 403 and 404 pages (config/views.py), for requests whose body Django
cannot read: its own handlers check the CSRF token again, which reads the body
again, and that second error was a 500."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import Profile
from tests.catalog.test_admin_media import change_data
from tests.factories import CompanyFactory, ProductFactory, UserFactory
from tests.pages import form_body

pytestmark = pytest.mark.django_db

# Django reads a form body only in UTF-8; any other declared charset is a BadRequest.
CHARSETS = ["utf8", "latin1", "iso-8859-1", "utf-16", "us-ascii", '"latin1"', "UTF-16LE"]
TOKEN = "a" * 32


def post_with_charset(client: Client, path: str, charset: str):
    client.cookies["csrftoken"] = TOKEN
    return client.post(
        path,
        b"username=x&password=y",
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
        headers={"X-CSRFToken": TOKEN},
    )


@pytest.mark.parametrize("charset", CHARSETS)
@pytest.mark.parametrize(
    ("path", "status", "page"),
    [
        ("/accounts/login/", 400, b"Bad request"),
        ("/", 400, b"Bad request"),
        ("/products/", 400, b"Bad request"),
        # No view to read the body: the 404 page, which read it too.
        ("/no-such-page/", 404, b"Page not found"),
    ],
)
def test_a_form_body_in_another_charset_is_refused_with_a_4xx_page(path, status, page, charset):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    response = post_with_charset(client, path, charset)
    assert response.status_code == status
    assert page in response.content


def test_a_logged_in_visitors_400_page_keeps_a_working_logout_form():
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(UserFactory())
    response = post_with_charset(client, "/accounts/login/", "latin1")
    assert response.status_code == 400
    assert b'name="csrfmiddlewaretoken"' in response.content
    token = response.content.split(b'name="csrfmiddlewaretoken" value="')[1].split(b'"')[0]
    logged_out = client.post("/accounts/logout/", {"csrfmiddlewaretoken": token.decode()})
    assert logged_out.status_code == 302
    assert "_auth_user_id" not in client.session


def test_error_pages_still_carry_the_csrf_token_for_the_logout_form():
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b'name="csrfmiddlewaretoken"' in response.content
    assert "csrftoken" in response.cookies


def post_to_a_profile(where: str, content_type: str, body: bytes):
    """POST `body` to a member's profile on the site (as the member) or in the admin (as
    a superuser), its CSRF token in the header; check the profile is as it was."""
    company = CompanyFactory(name="Acme Tools")
    member = UserFactory(profile__display_name="Ada L.", profile__bio="Notes.")
    Profile.objects.filter(user=member).update(company=company)
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    if where == "site":
        client.force_login(member)
        path = "/accounts/profile/edit/"
    else:
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
        path = f"/admin/accounts/profile/{member.profile.pk}/change/"
    client.cookies["csrftoken"] = TOKEN
    response = client.post(path, body, content_type=content_type, headers={"X-CSRFToken": TOKEN})
    profile = Profile.objects.get(user=member)
    assert (profile.display_name, profile.bio, profile.company) == ("Ada L.", "Notes.", company)
    return response


# What scripts and API clients send with the CSRF token in its header; a browser's
# form is always one of the two form types, which Django parses.
NOT_FORMS = [
    "application/json",
    "text/plain",
    "text/plain; charset=utf-8",
    "multipart/mixed; boundary=x",
    "application/octet-stream",
    "MULTIPART/FORM-DATA; boundary=b",  # Django matches the form types as browsers send them
    "",  # no type at all
]


# And a form of no field at all: a browser's form sends its fields, its token among them.
EMPTY_FORMS = [
    ("application/x-www-form-urlencoded", b""),
    ("application/x-www-form-urlencoded", b"&"),
    ("multipart/form-data; boundary=b", b"--b--\r\n"),
]


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        *((content_type, body) for content_type in NOT_FORMS for body in (b'{"bio": ""}', b"")),
        *EMPTY_FORMS,
    ],
)
@pytest.mark.parametrize("where", ["site", "admin"])
def test_a_body_that_is_no_form_is_the_400_page_and_saves_nothing(where, body, content_type):
    """Django parses a POST's body only as a form (urlencoded or multipart/form-data):
    any other body was an empty form to the view, as a form of no field is, and
    with the token in the header the CSRF check passed. Every field of the profile
    form may be empty, so the member's profile and the admin's were saved empty:
    name, bio and company gone."""
    response = post_to_a_profile(where, content_type, body)
    assert response.status_code == 400
    assert b"Bad request" in response.content


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=b"]
)
def test_a_form_with_the_token_in_its_header_is_still_saved(content_type):
    member = UserFactory(profile__display_name="Ada L.")
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    client.cookies["csrftoken"] = TOKEN
    body = (
        b"display_name=Ada+Lovelace&bio="
        if content_type.startswith("application")
        else b'--b\r\nContent-Disposition: form-data; name="display_name"\r\n\r\n'
        b'Ada Lovelace\r\n--b\r\nContent-Disposition: form-data; name="bio"\r\n\r\n'
        b"\r\n--b--\r\n"
    )
    response = client.post(
        "/accounts/profile/edit/", body, content_type=content_type, headers={"X-CSRFToken": TOKEN}
    )
    assert response.status_code == 302
    assert Profile.objects.get(user=member).display_name == "Ada Lovelace"


# Bodies of a form's own types that hold none, or not all, of the profile form's
# fields: what `curl -d '{...}'` and scripts' defaults send, or a form cut to one field.
FIELDS_LEFT_OUT = {
    "JSON as a form": ("application/x-www-form-urlencoded", b'{"bio": "new"}'),
    "JSON as a form, charset": ("application/x-www-form-urlencoded; charset=UTF-8", b'{"a":1}'),
    "another field": ("application/x-www-form-urlencoded", b"junk=1"),
    "the name alone": ("application/x-www-form-urlencoded", b"display_name=Ada+Lovelace"),
    "the name alone, multipart": (
        "multipart/form-data; boundary=b",
        b'--b\r\nContent-Disposition: form-data; name="display_name"\r\n\r\nAda\r\n--b--\r\n',
    ),
}


@pytest.mark.parametrize("body", list(FIELDS_LEFT_OUT))
@pytest.mark.parametrize("where", ["site", "admin"])
def test_a_form_without_fields_its_page_sends_is_refused_and_saves_nothing(where, body):
    """A browser sends every text field of a form, empty or not: a body that left the
    bio out (JSON sent as a form, a script sending the one field it changes) had it
    saved empty, the company too on the admin's page."""
    response = post_to_a_profile(where, *FIELDS_LEFT_OUT[body])
    assert response.status_code == 200
    assert "arrived without" in response.content.decode()


def admin_forms(request) -> dict[str, tuple[type, str | None]]:
    """Every form the admin saves with, by name: each model's add and change page's,
    and each inline's on a change page, with the foreign key its formset fills in."""
    from django.contrib import admin

    forms = {}
    for model, model_admin in admin.site._registry.items():
        if model_admin.has_add_permission(request):
            forms[f"{model.__name__} add"] = (model_admin.get_form(request), None)
        if not model_admin.has_change_permission(request):
            continue
        forms[f"{model.__name__} change"] = (model_admin.get_form(request, model()), None)
        for formset, inline in model_admin.get_formsets_with_inlines(request, model()):
            forms[f"{model.__name__} {inline.model.__name__}"] = (formset.form, formset.fk.name)
    return forms


def always_sent(form) -> dict[str, list[str]]:
    """The body's names for each field of `form` a browser's form always sends, empty
    or not: not a checkbox, a file, a radio button, a multiple select or disabled."""
    from django.forms import CheckboxInput, FileInput, MultiWidget, RadioSelect, SelectMultiple

    sent = {}
    for name, field in form.fields.items():
        widget = getattr(field.widget, "widget", field.widget)  # the admin's related wrapper
        if field.disabled or isinstance(
            widget, CheckboxInput | FileInput | RadioSelect | SelectMultiple
        ):
            continue
        html_name = form.add_prefix(name)
        if isinstance(widget, MultiWidget):
            sent[name] = [html_name + suffix for suffix in widget.widgets_names]
        else:
            sent[name] = [html_name]
    return sent


def test_every_admin_form_refuses_a_body_without_a_field_its_page_sends(rf):
    """A body of every field of an admin form but one, for each such field: the form
    error, whatever the others hold. A body without the optional ones saved them
    empty: a product's description, a company's website, a user's name and e-mail
    (and with it the password reset)."""
    from django.core.exceptions import NON_FIELD_ERRORS
    from django.http import QueryDict

    request = rf.get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    saved_anyway, checked = [], []
    for name, (form_class, parent) in admin_forms(request).items():
        sent = always_sent(form_class(prefix="x"))
        sent.pop(parent, None)  # the formset gives it the page's own object
        for field in sent:
            body = QueryDict(mutable=True)
            for other, other_keys in sent.items():
                if other != field:
                    body.update(dict.fromkeys(other_keys, ""))
            form = form_class(data=body, files={}, prefix="x")
            form.fields.pop(parent, None)
            checked.append(f"{name}: {field}")
            if not form.has_error(NON_FIELD_ERRORS, "left_out"):
                saved_anyway.append(f"{name}: {field}")
    assert not saved_anyway, (
        f"{saved_anyway} saved a body without that field: give the admin "
        "SentWholeAdminMixin (config/forms.py), or its form SentWholeMixin."
    )
    assert {"Product change: description", "User change: email", "Company change: website"} <= {
        *checked
    }
    assert {"Product Feature: value", "User Profile: bio"} <= {*checked}


def part(name: str, value: str) -> bytes:
    return f'--b\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()


WHOLE_PROFILE = part("display_name", "Ada L.") + part("bio", "I have worked at Acme for ten")
# A multipart body whose length is right but which stops before its closing
# boundary: a client's own cut, or a proxy's. Django keeps what came of its last part.
CUT_SHORT = {
    "inside the last value": WHOLE_PROFILE.removesuffix(b"ten\r\n"),
    "after the last value": WHOLE_PROFILE,
    "at the next boundary": WHOLE_PROFILE + b"--b",
    "at the next boundary's line": WHOLE_PROFILE + b"--b\r\n",
    "inside the next part's headers": WHOLE_PROFILE + b"--b\r\nContent-Dispo",
}


@pytest.mark.parametrize("body", list(CUT_SHORT))
def test_a_multipart_body_without_its_closing_boundary_is_the_400_page_and_saves_nothing(body):
    """Its Content-Length matched what came, so nothing said it was cut: the last
    field was saved as far as it came (a bio cut mid-sentence; in the admin, a
    product's last checkbox lost, and the product unpublished)."""
    response = post_to_a_profile("site", "multipart/form-data; boundary=b", CUT_SHORT[body])
    assert response.status_code == 400
    assert b"Bad request" in response.content


@pytest.mark.parametrize(
    "ending", [b"--b--", b"--b--\r\n", b"--b--\r\nan epilogue, which readers ignore\r\n"]
)
def test_a_multipart_body_that_closes_is_saved(ending):
    member = UserFactory(profile__display_name="Ada L.")
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    client.cookies["csrftoken"] = TOKEN
    body = part("display_name", "Ada Lovelace") + part("bio", "Notes.") + ending
    response = client.post(
        "/accounts/profile/edit/",
        body,
        content_type="multipart/form-data; boundary=b",
        headers={"X-CSRFToken": TOKEN},
    )
    assert response.status_code == 302
    profile = Profile.objects.get(user=member)
    assert (profile.display_name, profile.bio) == ("Ada Lovelace", "Notes.")


@pytest.mark.parametrize(("ending", "refused"), [(b"--b--\r\n", False), (b"", True)])
def test_a_multipart_body_read_before_the_check_is_checked_as_read(rf, ending, refused):
    """A middleware before this one may read `request.body`: the parser then reads
    that copy, and so does the check."""
    from django.core.exceptions import BadRequest

    from config.security.formdata import UnparsableFormMiddleware

    request = rf.post(
        "/accounts/profile/edit/",
        part("bio", "Notes.") + ending,
        content_type="multipart/form-data; boundary=b",
    )
    request.COOKIES["csrftoken"] = TOKEN
    request.body  # noqa: B018
    middleware = UnparsableFormMiddleware(lambda request: None)
    if refused:
        with pytest.raises(BadRequest, match="closing boundary"):
            middleware.process_view(request, lambda request: None, (), {})
    else:
        assert middleware.process_view(request, lambda request: None, (), {}) is None
        assert request.POST["bio"] == "Notes."


def product_page_data(product, initial: str, value: str) -> dict:
    """What the product's admin page posts, its features given `value`, with
    `initial` as the count of the rows the page says it showed."""
    features = list(product.features.order_by("position"))
    rows = {"features-TOTAL_FORMS": str(len(features)), "features-INITIAL_FORMS": initial}
    for index, feature in enumerate(features):
        row = {"id": feature.pk, "product": product.pk, "position": feature.position}
        row |= {"name": feature.name, "value": value}
        rows |= {f"features-{index}-{name}": field for name, field in row.items()}
    return change_data(product, **rows)


@pytest.mark.parametrize("initial", ["0", "-2", "1"])
def test_an_inline_row_sent_as_a_new_one_with_a_row_of_its_own_is_refused(admin_client, initial):
    """A row past the count the page says it showed is a new one to Django, whatever
    id it carries: each of a product's features sent so was added again, its edit
    with it, and the page said the product was changed."""
    product = ProductFactory(features=2)
    before = list(product.features.values_list("pk", "value").order_by("position"))
    path = f"/admin/catalog/product/{product.pk}/change/"
    response = admin_client.post(path, product_page_data(product, initial, "changed"))
    assert response.status_code == 200
    assert "arrived as a new one with the id of a row already stored" in response.content.decode()
    assert list(product.features.values_list("pk", "value").order_by("position")) == before


def test_an_inline_row_sent_as_one_of_the_pages_own_is_saved(admin_client):
    product = ProductFactory(features=2)
    path = f"/admin/catalog/product/{product.pk}/change/"
    response = admin_client.post(path, product_page_data(product, "2", "changed"))
    assert response.status_code == 302
    assert list(product.features.values_list("value", flat=True)) == ["changed", "changed"]


def test_a_new_inline_row_with_a_key_of_its_own_is_no_stored_row(db):
    """A model whose key staff type (or whose default the page fills in, a UUID) gets
    new rows with a key in their body: one no row has is a new row's own."""
    from django.contrib.sessions.models import Session
    from django.forms import BaseModelFormSet, modelformset_factory
    from django.utils import timezone

    from config.forms import KnownRowsFormSetMixin

    Session.objects.create(session_key="stored", session_data="x", expire_date=timezone.now())
    formset_class = modelformset_factory(
        Session,
        fields=["session_key", "session_data", "expire_date"],
        formset=type("Sessions", (KnownRowsFormSetMixin, BaseModelFormSet), {}),
    )
    management = {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0"}
    for key, valid in (("typed-by-staff", True), ("stored", False)):
        row = {"form-0-session_key": key, "form-0-session_data": "y"}
        row |= {"form-0-expire_date": "2030-01-01 00:00"}
        formset = formset_class({**management, **row}, queryset=Session.objects.all())
        assert formset.is_valid() is valid, (key, formset.non_form_errors())


def test_the_closing_boundary_is_seen_wherever_the_reads_cut_it():
    """The parser reads the body in chunks: the delimiter may start in one and end in
    the next, or come in reads shorter than itself."""
    import io

    from config.security.formdata import ClosingBoundary

    class Request:
        content_params = {"boundary": "b"}

    body = b"x" * 20 + b"\r\n--b--\r\n"
    for size in (1, 2, 3, 7, 64):
        for start in range(size):
            request = Request()
            request._stream = io.BytesIO(body)
            closing = ClosingBoundary(request)
            request._stream.read(start)
            while request._stream.read(size):
                pass
            assert closing.seen, (size, start)
    request = Request()
    request._stream = io.BytesIO(body.replace(b"--b--", b"--b-x"))
    closing = ClosingBoundary(request)
    while request._stream.read(3):
        pass
    assert not closing.seen


def inline_page(admin_client, kind: str):
    """(path, the browser's body of the page with an edit in its form and in its
    inline's rows, the inline's prefix, what is stored now, another parent's row
    and the other parent) for an admin page with an inline."""
    if kind == "product features":
        product, other = ProductFactory(features=3), ProductFactory(features=1)
        path, form, prefix = (
            f"/admin/catalog/product/{product.pk}/change/",
            "product_form",
            "features",
        )

        def stored():
            product.refresh_from_db()
            return product.name, list(product.features.values_list("pk", "value"))

        edits = {"name": "Renamed", "features-1-value": "changed", "features-2-value": "changed"}
        others = (other.features.get().pk, other.pk)
    else:
        member = UserFactory(first_name="Ada", profile__display_name="Ada L.")
        other = UserFactory()
        path, form, prefix = f"/admin/auth/user/{member.pk}/change/", "user_form", "profile"

        def stored():
            member.refresh_from_db()
            return member.first_name, Profile.objects.get(user=member).display_name

        edits = {"first_name": "Changed", "profile-0-display_name": "New name"}
        others = (Profile.objects.get(user=other).pk, other.pk)
    page = admin_client.get(path)
    assert page.status_code == 200
    body = form_body(page.content.decode(), form)
    assert f"{prefix}-0-id" in body
    assert f"{prefix}-TOTAL_FORMS" in body
    return path, {**body, **edits}, prefix, stored, others


INLINES = ["product features", "user profile"]


@pytest.mark.parametrize("kind", INLINES)
def test_an_admin_page_posted_as_a_browser_posts_it_saves(admin_client, kind):
    path, body, _, stored, _ = inline_page(admin_client, kind)
    before = stored()
    assert admin_client.post(path, body).status_code == 302
    assert stored() != before


HIDDEN_TAMPERED = ["an id no row has", "an id that is no number", "another's row", "another parent"]


@pytest.mark.parametrize("tamper", HIDDEN_TAMPERED)
@pytest.mark.parametrize("kind", INLINES)
def test_an_inline_row_whose_hidden_fields_the_page_did_not_give_says_so(
    admin_client, kind, tamper
):
    """Django puts such errors on the row's hidden id or parent field, which the inline
    templates never show: the page said "Please correct the error below." and showed
    none."""
    path, body, prefix, stored, (others_row, other_parent) = inline_page(admin_client, kind)
    before = stored()
    field, value = {
        "an id no row has": ("id", "999999"),
        "an id that is no number": ("id", "abc"),
        "another's row": ("id", str(others_row)),
        "another parent": ("product" if kind == "product features" else "user", str(other_parent)),
    }[tamper]
    body[f"{prefix}-0-{field}"] = value
    response = admin_client.post(path, body)
    assert response.status_code == 200
    page = response.content.decode()
    assert "came back with values its page did not give" in page
    assert re.search(rf"hidden fields \([^)]*\b{field}\b[^)]*\) came back", page)
    assert stored() == before


@pytest.mark.parametrize("deleted", [False, True], ids=["edited", "the first deleted"])
def test_two_inline_rows_of_one_id_are_refused(admin_client, deleted):
    """Both rows named the first row: it took the second's edit and the first's was
    lost, or, the first marked for deletion, it was deleted and the second's edit
    dropped; the page said the product was changed."""
    path, body, prefix, stored, _ = inline_page(admin_client, "product features")
    before = stored()
    body[f"{prefix}-1-id"] = body[f"{prefix}-0-id"]
    if deleted:
        body[f"{prefix}-0-DELETE"] = "on"
    response = admin_client.post(path, body)
    assert response.status_code == 200
    assert re.search(r"hidden fields \([^)]*\bid\b[^)]*\) came back", response.content.decode())
    assert stored() == before


@pytest.mark.parametrize(
    ("kind", "total"),
    [
        ("product features", "0"),
        ("product features", "1"),
        ("product features", "-1"),
        ("user profile", "0"),
        ("user profile", "-1"),
    ],
)
def test_an_inline_whose_row_count_was_lowered_is_refused_not_half_saved(admin_client, kind, total):
    """Rows past the count were never read: the page's own edit was saved, the rows'
    edits dropped, and the page said the change was saved."""
    path, body, prefix, stored, _ = inline_page(admin_client, kind)
    before = stored()
    body[f"{prefix}-TOTAL_FORMS"] = total
    response = admin_client.post(path, body)
    assert response.status_code == 200
    assert "more rows than the count it gave" in response.content.decode()
    assert stored() == before


@pytest.mark.parametrize("kind", INLINES)
@pytest.mark.parametrize("digits", [30, 4301, 10_000])
def test_an_inline_row_numbered_past_any_count_is_refused_however_long(admin_client, kind, digits):
    """A row number of more digits than Python's int() reads (4,300) was a 500. Sent
    URL-encoded: Django's multipart parser refuses a part's headers past 1,024 bytes."""
    from urllib.parse import urlencode

    path, body, prefix, stored, _ = inline_page(admin_client, kind)
    before = stored()
    field = "value" if kind == "product features" else "bio"
    body[f"{prefix}-{'9' * digits}-{field}"] = "a row of its own"
    fields = {name: value for name, value in body.items() if not hasattr(value, "read")}
    response = admin_client.post(
        path, urlencode(fields, doseq=True), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert "more rows than the count it gave" in response.content.decode()
    assert stored() == before


@pytest.mark.parametrize("price", ["-1", "-0.01", "-99999999.99"])
@pytest.mark.parametrize("page", ["change", "add"])
def test_a_price_below_zero_is_an_error_on_the_price_field(admin_client, price, page):
    """It was "Constraint “catalog_product_price_gte_0” is violated." above the form,
    and nothing beside the price."""
    product = ProductFactory(features=0)
    path, data = f"/admin/catalog/product/{product.pk}/change/", change_data(product, price=price)
    if page == "add":
        path, data = "/admin/catalog/product/add/", {**data, "slug": "new-one", "name": "New"}
    response = admin_client.post(path, data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors == {"price": ["Ensure this value is greater than or equal to 0."]}
    assert "catalog_product_price_gte_0" not in response.content.decode()
    product.refresh_from_db()
    assert product.price >= 0


def test_every_check_constraint_says_what_it_checks_not_its_name():
    """What a form that reaches a constraint shows: Django's default names it."""
    from django.apps import apps
    from django.db.models import CheckConstraint

    from config.apps import is_project_model

    checked = []
    for model in apps.get_models():
        if not is_project_model(model):  # an installed package's is its own
            continue
        for constraint in model._meta.constraints:
            if isinstance(constraint, CheckConstraint):
                checked.append(constraint.name)
                message = constraint.get_violation_error_message()
                assert constraint.name not in message, message
    assert {"catalog_product_price_gte_0", "accounts_profile_bio_max_length"} <= set(checked)


def test_an_inline_row_sent_as_a_file_alone_past_the_count_is_refused(admin_client):
    """Fields past the count are checked in the body's files too."""
    from tests.factories import image_bytes

    path, body, _, stored, _ = inline_page(admin_client, "user profile")
    before = stored()
    body = {name: value for name, value in body.items() if not name.startswith("profile-0-")}
    body["profile-TOTAL_FORMS"] = "0"
    body["profile-0-avatar"] = SimpleUploadedFile("me.png", image_bytes("PNG"), "image/png")
    response = admin_client.post(path, body)
    assert response.status_code == 200
    assert "more rows than the count it gave" in response.content.decode()
    assert stored() == before


def test_two_inlines_of_one_model_post_as_a_browser_posts_them(admin_client, monkeypatch):
    """Django names the second inline of a model `<prefix>-2`: its fields
    (`features-2-0-value`) are not rows past the first inline's count, which is
    below 2 here (one feature, no extra rows), as it is for any product with fewer
    features than the first inline's extra rows make up."""
    from django.contrib import admin

    from catalog.admin import FeatureInline
    from catalog.models import Product

    product_admin = admin.site._registry[Product]
    first = type("FirstFeatureInline", (FeatureInline,), {"extra": 0})
    other = type("OtherFeatureInline", (FeatureInline,), {"extra": 1})
    monkeypatch.setattr(product_admin, "inlines", [first, other])
    product = ProductFactory(features=1)
    path = f"/admin/catalog/product/{product.pk}/change/"
    body = form_body(admin_client.get(path).content.decode(), "product_form")
    assert body["features-TOTAL_FORMS"] == "1"
    assert any(name.startswith("features-2-0-") for name in body)
    body["name"] = "Renamed"
    assert admin_client.post(path, body).status_code == 302
    product.refresh_from_db()
    assert product.name == "Renamed"
    body["features-TOTAL_FORMS"] = "0"  # the first inline's count lowered: still refused
    response = admin_client.post(path, {**body, "name": "Again"})
    assert "more rows than the count it gave" in response.content.decode()
    product.refresh_from_db()
    assert product.name == "Renamed"


@pytest.mark.parametrize(
    ("content_type", "body", "answer"),
    [
        ("application/json", b'{"stars": 4}', {"stars": 4}),
        ("application/x-www-form-urlencoded", b"", {"stars": None}),  # htmx's empty POST
        ("", b"", {"stars": None}),
    ],
)
def test_a_view_marked_as_taking_any_body_gets_it_with_the_csrf_check_kept(
    settings, content_type, body, answer
):
    """The check of form bodies refused every JSON POST site-wide, the pattern of
    Django's own AJAX docs, with no word of why outside the log."""
    settings.ROOT_URLCONF = "tests.config.any_body_urls"
    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = TOKEN
    for path in ("/rate/", "/rate-async/"):
        sent = client.post(path, body, content_type=content_type, headers={"X-CSRFToken": TOKEN})
        assert (sent.status_code, sent.json()) == (200, answer), path
        # Django's CSRF check still holds: no token, or a wrong one, no answer.
        assert client.post(path, body, content_type=content_type).status_code == 403
        wrong = {"X-CSRFToken": "b" * 32}
        assert client.post(path, body, content_type=content_type, headers=wrong).status_code == 403


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (part("bio", "Whole.") + b"--b--\r\n", 200),
        # A part header Python's parser raises TypeError on: the CSRF check's 500.
        (b"--b\r\nContent-Disposition: form-data; name*=a; name*0=b\r\n\r\nx\r\n--b--\r\n", 400),
        (part("bio", "A whole sentence that was cut"), 400),  # no closing boundary
    ],
    ids=["whole", "a header the parser raises on", "cut short"],
)
def test_a_form_body_to_a_view_taking_any_body_is_checked_as_a_form(settings, body, status):
    settings.ROOT_URLCONF = "tests.config.any_body_urls"
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.cookies["csrftoken"] = TOKEN
    response = client.post(
        "/form/",
        body,
        content_type="multipart/form-data; boundary=b",
        headers={"X-CSRFToken": TOKEN},
    )
    assert response.status_code == status
    if status == 200:
        assert response.json() == {"bio": "Whole."}


def test_a_refused_body_tells_the_developer_how_to_take_it(caplog):
    """The 400 page says nothing to a visitor; the log line names the decorator."""
    response = post_to_a_profile("site", "application/json", b'{"bio": ""}')
    assert response.status_code == 400
    assert "takes_any_body" in caplog.text


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/rate/", "/rate-async/"])
def test_a_body_cut_short_to_a_view_taking_any_body_is_the_400_page(settings, path):
    """A client gone mid-body (config/security/bodylimit.py): the view read what came
    and raised UnreadablePostError, a 500. Through the site's WSGI application, where
    that wrapper is."""
    import io

    from config.wsgi import application

    settings.ROOT_URLCONF = "tests.config.any_body_urls"
    settings.ALLOWED_HOSTS = ["testserver"]
    body = b'{"stars": 3}'
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body) + 28),
        "HTTP_COOKIE": f"csrftoken={TOKEN}",
        "HTTP_X_CSRFTOKEN": TOKEN,
    }
    statuses = []
    application(environ, lambda status, headers, *exc: statuses.append(status))
    assert statuses == ["400 Bad Request"]
