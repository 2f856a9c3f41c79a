import threading

import pytest
from django.db import connection

from accounts.models import Profile
from tests.accounts.conftest import while_the_form_is_checked
from tests.factories import CompanyFactory, UserFactory

pytestmark = pytest.mark.django_db

EDIT = "/accounts/profile/edit/"


@pytest.fixture
def user(client):
    user = UserFactory(profile__display_name="Ada L.")
    client.force_login(user)
    return user


def test_anonymous_visitors_are_sent_to_login_and_change_nothing(client):
    victim = UserFactory(profile__display_name="Victim")
    for response in (client.get(EDIT), client.post(EDIT, {"display_name": "Hacked"})):
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={EDIT}"
    assert Profile.objects.get(user=victim).display_name == "Victim"


def test_edit_saves_name_and_bio(client, user):
    form = client.get(EDIT)
    assert b'enctype="multipart/form-data"' in form.content
    assert b'accept="image/jpeg,image/png,image/webp,image/gif"' in form.content
    response = client.post(EDIT, {"display_name": "Ada Lovelace", "bio": "Notes."})
    assert response["Location"] == "/accounts/profile/"
    profile = Profile.objects.get(user=user)
    assert (profile.display_name, profile.bio) == ("Ada Lovelace", "Notes.")
    page = client.get("/accounts/profile/").content
    assert b"<h1>Ada Lovelace</h1>" in page
    assert b"Your profile is saved." in page


def test_only_the_requesters_profile_can_be_edited(client, user):
    other = UserFactory(profile__display_name="Other")
    # A forged field naming another user changes nothing but the requester's profile.
    client.post(
        EDIT, {"display_name": "Changed", "bio": "", "user": other.pk, "profile": other.profile.pk}
    )
    assert Profile.objects.get(user=other).display_name == "Other"
    assert Profile.objects.get(user=user).display_name == "Changed"
    # No URL names another user's profile.
    assert client.get(f"/accounts/profile/{other.pk}/edit/").status_code == 404
    assert client.post(f"/accounts/profile/{other.profile.pk}/edit/").status_code == 404


def test_invalid_input_shows_errors_and_saves_nothing(client, user):
    response = client.post(EDIT, {"display_name": "x" * 101})
    content = response.content.decode()
    assert response.status_code == 200
    assert "Ensure this value has at most 100 characters" in content
    assert Profile.objects.get(user=user).display_name == "Ada L."


def test_header_keeps_the_saved_name_after_a_rejected_edit(client, user):
    response = client.post(EDIT, {"display_name": "Typed But Rejected", "bio": "x" * 2001})
    header = response.content.decode().split("</header>")[0]
    assert "Ada L." in header
    assert "Typed But Rejected" not in header


def test_saving_the_form_keeps_a_company_staff_set_meanwhile(client, user, monkeypatch):
    """The form writes its own fields only: a membership staff granted in the admin
    while the member's save was under way stays."""
    company = CompanyFactory(name="Acme Tools")
    while_the_form_is_checked(
        monkeypatch, lambda: Profile.objects.filter(user=user).update(company=company)
    )
    response = client.post(EDIT, {"display_name": "Ada Lovelace", "bio": ""})
    assert response.status_code == 302
    profile = Profile.objects.get(user=user)
    assert (profile.display_name, profile.company) == ("Ada Lovelace", company)


def test_saving_the_form_after_staff_deleted_the_account_meanwhile_is_the_login_page(
    client, user, monkeypatch
):
    """Its save writes an existing row's fields: with the row gone, Django raised
    DatabaseError ("did not affect any rows"), a 500."""
    while_the_form_is_checked(monkeypatch, type(user).objects.filter(pk=user.pk).delete)
    response = client.post(EDIT, {"display_name": "Ada Lovelace", "bio": ""})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Profile.objects.exists()


def test_saving_the_form_after_its_profile_row_was_removed_meanwhile_saves_it_anew(
    client, user, monkeypatch
):
    """A profile removed with SQL is made again when next needed (docs/accounts.md):
    a save under way makes it with what the form holds."""
    while_the_form_is_checked(monkeypatch, Profile.objects.filter(user=user).delete)
    response = client.post(EDIT, {"display_name": "Ada Lovelace", "bio": "Saved."})
    assert (response.status_code, response["Location"]) == (302, "/accounts/profile/")
    profile = Profile.objects.get(user=user)
    assert (profile.display_name, profile.bio) == ("Ada Lovelace", "Saved.")


def remove_the_row_then_before_it_is_made_anew(monkeypatch, user, what):
    """The profile's row removed while the form is checked; then, in the instant before
    the save makes it anew, `what` happens once, committed on a connection of its own
    (another request: a second tab, staff)."""
    saved = Profile.save
    happened = []

    def elsewhere():
        try:
            what()
        finally:
            connection.close()

    def save(self, *args, **kwargs):
        if self._state.adding and self.user_id == user.pk and not happened:
            happened.append(threading.Thread(target=elsewhere))
            happened[0].start()
            happened[0].join()
        return saved(self, *args, **kwargs)

    while_the_form_is_checked(monkeypatch, Profile.objects.filter(user=user).delete)
    monkeypatch.setattr(Profile, "save", save)


@pytest.mark.django_db(transaction=True)
def test_a_row_another_tab_makes_in_the_same_instant_gets_the_forms_values(
    client, user, monkeypatch
):
    """Another request made the row (`profile_of`) just before this save made it too:
    an IntegrityError, a 500. The form's values go onto that row."""
    company = CompanyFactory(name="Acme Tools")

    def another_tab_makes_it():
        Profile.objects.bulk_create([Profile(user=user, display_name="Other", company=company)])

    remove_the_row_then_before_it_is_made_anew(monkeypatch, user, another_tab_makes_it)
    response = client.post(EDIT, {"display_name": "Ada Lovelace", "bio": "Saved."})
    assert (response.status_code, response["Location"]) == (302, "/accounts/profile/")
    profile = Profile.objects.get(user=user)
    assert (profile.display_name, profile.bio, profile.company) == (
        "Ada Lovelace",
        "Saved.",
        company,
    )


@pytest.mark.django_db(transaction=True)
def test_a_row_made_anew_holds_the_forms_fields_and_nothing_of_the_row_that_went(
    client, monkeypatch
):
    """Made anew, the row was the whole stale copy: with the company it named deleted
    too, every INSERT broke its foreign key, three times, then a 500."""
    company = CompanyFactory(name="Acme Tools")
    user = UserFactory(profile__display_name="Ada L.", profile__company=company)
    client.force_login(user)

    def row_and_company_go():
        Profile.objects.filter(user=user).delete()
        company.delete()

    while_the_form_is_checked(monkeypatch, row_and_company_go)
    response = client.post(EDIT, {"display_name": "Ada Lovelace", "bio": "Saved."})
    assert (response.status_code, response["Location"]) == (302, "/accounts/profile/")
    profile = Profile.objects.get(user=user)
    assert (profile.display_name, profile.bio, profile.company) == ("Ada Lovelace", "Saved.", None)


@pytest.mark.django_db(transaction=True)
def test_an_account_deleted_in_the_instant_its_row_is_made_anew_is_the_login_page(
    client, user, monkeypatch
):
    def staff_delete_the_account():
        type(user).objects.filter(pk=user.pk).delete()

    remove_the_row_then_before_it_is_made_anew(monkeypatch, user, staff_delete_the_account)
    response = client.post(EDIT, {"display_name": "Ada Lovelace", "bio": "Saved."})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Profile.objects.exists()
