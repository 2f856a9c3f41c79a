"""A user whose profile row is missing gets every page, never a 500, and the profile
back from the pages that need the row (accounts/profiles.py, `profile_of`).

Every way the app creates users makes a profile, but some do not pass through it:
`loaddata` of a fixture of users alone (the receiver skips raw saves),
`bulk_create`, or a profile deleted in a shell or with SQL.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts import demo_accounts
from accounts.models import Profile
from accounts.profiles import profile_of
from config.querylog import record
from tests.factories import PASSWORD, CompanyFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

# Routes whose parameters come from the rows made in `every_page`.
SAMPLE_ARGS = {"slug": "lamp", "uidb64": "MQ", "token": "set-password"}
ROUTE_SAMPLES = {
    "categories/<slug:slug>/": "categories/lighting/",
    "companies/<slug:slug>/": "companies/acme/",
}


def routes(patterns=None, prefix: str = "") -> list[str]:
    """Every route of the URLconf outside the admin and the media files, as a path."""
    found = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and not route.startswith(("admin", "^media")):
            path = ROUTE_SAMPLES.get(route, route)
            for name, value in SAMPLE_ARGS.items():
                path = path.replace(f"<slug:{name}>", value).replace(f"<{name}>", value)
            found.append("/" + path)
    return found


def without_profile(**fields):
    user = UserFactory(**fields)
    Profile.objects.filter(user=user).delete()
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def every_page():
    ProductFactory(slug="lamp", category__slug="lighting")
    CompanyFactory(slug="acme")
    pages = routes()
    for sample in ["/accounts/profile/edit/", "/products/lamp/", "/companies/acme/"]:
        assert sample in pages
    assert not any("<" in page for page in pages), pages
    return pages


@pytest.mark.parametrize("staff", [False, True], ids=["member", "staff"])
def test_every_page_answers_a_user_whose_profile_is_gone(every_page, staff):
    user = without_profile(is_staff=staff)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    for path in every_page:
        Profile.objects.filter(user=user).delete()  # gone again before each page
        response = client.get(path)
        assert response.status_code < 500, (path, response.status_code)
    assert client.get("/accounts/profile/").status_code == 200
    assert Profile.objects.filter(user=user).count() == 1


def test_the_first_page_makes_the_profile_and_shows_it(client):
    user = without_profile(username="ada")
    client.force_login(user)
    page = client.get("/accounts/profile/")
    assert page.status_code == 200
    assert b"<h1>ada</h1>" in page.content
    assert Profile.objects.get(user=user).display_name == ""
    # From then on the profile comes with the user, in the backend's one query.
    assert client.get("/accounts/profile/")["Server-Timing"].count("2 queries") == 1


def test_the_profile_form_saves_for_a_user_whose_profile_was_gone(client):
    user = without_profile()
    client.force_login(user)
    response = client.post("/accounts/profile/edit/", {"display_name": "Ada", "bio": ""})
    assert response.status_code == 302
    assert Profile.objects.get(user=user).display_name == "Ada"


def test_users_loaded_from_a_fixture_without_profiles_can_log_in(tmp_path):
    user = UserFactory(username="loaded")
    fixture = tmp_path / "users.json"
    fixture.write_text(serializers.serialize("json", [user]))
    get_user_model().objects.filter(pk=user.pk).delete()  # the profile goes with it
    call_command("loaddata", str(fixture), verbosity=0)
    assert not Profile.objects.filter(user_id=user.pk).exists()
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "loaded", "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert b'href="/accounts/profile/"><bdi>loaded</bdi></a>' in response.content
    assert Profile.objects.filter(user_id=user.pk).count() == 1


def test_the_demo_accounts_mend_a_member_whose_profile_is_gone():
    demo_accounts.ensure_demo_accounts(staff_password="staff-pw-1", member_password="member-pw-1")
    member = get_user_model().objects.get(username=demo_accounts.MEMBER_USERNAME)
    Profile.objects.filter(user=member).delete()
    demo_accounts.ensure_demo_accounts(staff_password="staff-pw-1", member_password="member-pw-1")
    assert Profile.objects.filter(user=member).count() == 1


def test_the_auth_tour_makes_the_profile_after_showing_the_pages_own_queries(client):
    user = without_profile(is_staff=True)
    client.force_login(user)
    page = client.get("/tour/auth-backend/")
    assert page.status_code == 200
    assert Profile.objects.filter(user=user).count() == 1
    content = page.content.decode()
    # The request's own user lookup is counted, not the writes that made the profile.
    assert re.search(r"<strong data-user-queries>1</strong> query", content)
    assert 'data-backend-queries="ProfileModelBackend">1<' in content


def test_profile_of_makes_the_row_once_and_caches_it():
    user = without_profile()
    with record() as log:
        made = profile_of(user)
        assert profile_of(user) is made
        assert user.profile is made
    assert made.user_id == user.pk
    assert log.count > 0
    with record() as log:
        assert profile_of(get_user_model().objects.get(pk=user.pk)) == made
    assert log.count == 2  # the user, then its profile: nothing made


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/accounts/profile/", "/accounts/profile/edit/"])
def test_an_account_deleted_while_its_profile_is_made_is_the_404_page(path, second_alias):
    """Staff delete the account (in a request of their own: another connection,
    committed at once) between this request loading it and the profile's insert
    committing: PostgreSQL refuses the row at the commit (the foreign key is
    checked then), and get_or_create, finding no row either, passed that on: a 500."""
    from django.db.models.signals import pre_save

    user = without_profile()
    client = Client(raise_request_exception=False)
    client.force_login(user)

    def staff_delete_the_account(sender, instance, **kwargs):
        get_user_model().objects.using(second_alias).filter(pk=instance.user_id).delete()

    pre_save.connect(staff_delete_the_account, sender=Profile)
    try:
        response = client.get(path)
    finally:
        pre_save.disconnect(staff_delete_the_account, sender=Profile)
    assert response.status_code == 404
    assert not Profile.objects.exists()
    assert client.get(path).status_code == 302  # logged out: to the login page
