"""Company membership is granted by staff in the admin, never chosen by the member."""

import pytest
from django.urls import reverse

from accounts.models import Profile
from tests.factories import CompanyFactory, UserFactory

pytestmark = pytest.mark.django_db

EDIT = "/accounts/profile/edit/"


def company_of(user):
    return Profile.objects.get(user=user).company


def test_the_profile_form_offers_no_company(client):
    CompanyFactory(name="Acme Tools")
    client.force_login(UserFactory())
    form = client.get(EDIT).content.decode()
    assert 'name="company"' not in form
    assert "Acme Tools" not in form


@pytest.mark.parametrize("sent", ["other", "none"])
@pytest.mark.parametrize("member", [True, False], ids=["member", "not a member"])
def test_a_post_naming_a_company_changes_no_membership(client, member, sent):
    acme, other = CompanyFactory(slug="acme"), CompanyFactory(slug="other")
    user = UserFactory(profile__company=acme if member else None)
    client.force_login(user)
    company = {"other": other.pk, "none": ""}[sent]
    response = client.post(EDIT, {"display_name": "Ada", "bio": "Notes.", "company": company})
    assert response.status_code == 302
    profile = Profile.objects.get(user=user)
    assert (profile.display_name, profile.bio) == ("Ada", "Notes.")
    assert profile.company == (acme if member else None)
    assert b"<li><bdi>Ada</bdi></li>" not in client.get("/companies/other/").content


def test_the_profile_page_shows_the_company_read_only(client):
    client.force_login(UserFactory(profile__company=CompanyFactory(name="Acme", slug="acme")))
    page = client.get("/accounts/profile/").content.decode()
    assert '<a href="/companies/acme/">Acme</a>' in page
    assert "Staff assign companies" in page


def test_staff_assign_the_company_in_the_admin(admin_client):
    acme = CompanyFactory(name="Acme", slug="acme")
    user = UserFactory(profile__display_name="Ada")
    page = reverse("admin:accounts_profile_change", args=[user.profile.pk])
    assert 'name="company"' in admin_client.get(page).content.decode()
    data = {"display_name": "Ada", "bio": "", "company": acme.pk}
    assert admin_client.post(page, data).status_code == 302
    assert company_of(user) == acme
    assert b"<li><bdi>Ada</bdi></li>" in admin_client.get("/companies/acme/").content
