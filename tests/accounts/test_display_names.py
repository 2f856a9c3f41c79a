"""Names members and staff give are shown as names: something visible, nothing that
reorders the page around them (config/names.py), on every form that takes one."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from accounts.models import Company, Profile
from catalog.models import Category, Feature, Product
from tests.accounts.test_signup_login import GOOD
from tests.config.test_names import BIDI_CONTROLS, SHOWS_NOTHING
from tests.factories import CompanyFactory, UserFactory

pytestmark = pytest.mark.django_db

EDIT = "/accounts/profile/edit/"
ACME = "/companies/acme/"
# Each way a name fails, once: shows nothing (a letter, a symbol, a format
# character, marks alone), a direction control, a control character.
REFUSED = [
    "\u3164",
    "\u2800",
    "\u200b",
    "\u0301\u0301",
    "Ada\u202e",
    "\u2067Ada",
    "Ada\x1bLovelace",
]


@pytest.fixture
def member(client):
    user = UserFactory(profile__display_name="Ada L.")
    client.force_login(user)
    return user


@pytest.mark.parametrize("name", REFUSED)
def test_the_profile_form_refuses_a_name_that_is_no_name_and_saves_nothing(client, member, name):
    response = client.post(EDIT, {"display_name": name, "bio": "Notes."})
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    profile = Profile.objects.get(user=member)
    assert (profile.display_name, profile.bio) == ("Ada L.", "")


@pytest.mark.parametrize("name", REFUSED)
def test_signup_refuses_a_display_name_that_is_no_name_and_writes_nothing(client, name):
    users = User.objects.count()
    response = client.post("/accounts/signup/", {**GOOD, "display_name": name})
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert User.objects.count() == users
    assert BACKEND_SESSION_KEY not in client.session


@pytest.mark.parametrize("username", ["\u3164", "\u115f\u1160", "\uffa0"])
def test_signup_refuses_a_username_that_shows_nothing(client, username):
    response = client.post("/accounts/signup/", {**GOOD, "username": username})
    assert response.status_code == 200
    assert "shows nothing" in response.content.decode()
    assert not User.objects.filter(username=username).exists()


@pytest.mark.parametrize(
    ("model", "field", "made"),
    [
        (Profile, "display_name", lambda: UserFactory().profile),
        (Company, "name", lambda: CompanyFactory()),
        (Category, "name", lambda: Category(name="Lamps", slug="lamps")),
        (Product, "name", None),
        (Feature, "name", None),
    ],
)
@pytest.mark.parametrize("name", REFUSED)
def test_every_name_a_page_shows_is_checked_by_its_model_field(model, field, made, name):
    """The model's field holds the check, so full_clean(), which ModelForms and the
    admin's forms call, applies it."""
    instance = made() if made else model()
    setattr(instance, field, name)
    with pytest.raises(ValidationError) as refused:
        instance.full_clean(exclude=[f.name for f in model._meta.fields if f.name != field])
    assert list(refused.value.message_dict) == [field]


@pytest.mark.parametrize("name", ["\u3164", "Lamps\u202e"])
def test_the_admins_form_shows_the_error_on_the_name_and_saves_nothing(admin_client, name):
    """As the docs say: the admin's forms apply the model field's check."""
    response = admin_client.post(
        "/admin/catalog/category/add/", {"name": name, "slug": "lamps", "description": ""}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors.keys() == {"name"}
    assert not Category.objects.filter(slug="lamps").exists()


@pytest.mark.parametrize("name", [*SHOWS_NOTHING, *(f"Ada{c}" for c in BIDI_CONTROLS)])
def test_a_name_stored_before_the_check_is_shown_as_member_or_the_username(client, name):
    """Rows from before the check (or written past the forms) fall back as an empty name does."""
    company = CompanyFactory(slug="acme")
    user = UserFactory(username="ada", profile__company=company)
    Profile.objects.filter(user=user).update(display_name=name)
    assert "<li><bdi>Member</bdi></li>" in client.get(ACME).content.decode()
    client.force_login(user)
    header = client.get("/accounts/profile/").content.decode()
    assert '<a href="/accounts/profile/"><bdi>ada</bdi></a>' in header
    profile = Profile.objects.get(user=user)
    assert str(profile) == f"Member {profile.pk}"


def test_names_are_set_apart_from_the_text_around_them(client):
    """Inline, a right-to-left name is its own run: <bdi> (HTML's isolate)."""
    company = CompanyFactory(slug="acme")
    user = UserFactory(profile__display_name="\u05e9\u05e8\u05d4", profile__company=company)
    assert "<li><bdi>\u05e9\u05e8\u05d4</bdi></li>" in client.get(ACME).content.decode()
    client.force_login(user)
    page = client.get("/accounts/profile/").content.decode()
    assert '<a href="/accounts/profile/"><bdi>\u05e9\u05e8\u05d4</bdi></a>' in page
