"""A bio has a maximum length: in the form, in the database, and for rows from before."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from accounts.models import BIO_MAX_LENGTH, Profile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EDIT = "/accounts/profile/edit/"
BEFORE = ("accounts", "0002_profiles_for_existing_users")
LIMIT = ("accounts", "0003_bio_max_length")


def test_the_limit_is_a_few_paragraphs():
    assert BIO_MAX_LENGTH == 2000


def test_the_form_refuses_a_longer_bio_and_saves_nothing(client):
    user = UserFactory(profile__display_name="Ada", profile__bio="Short.")
    client.force_login(user)
    page = client.get(EDIT).content.decode()
    assert f'maxlength="{BIO_MAX_LENGTH}"' in page
    response = client.post(EDIT, {"display_name": "Ada L.", "bio": "é" * (BIO_MAX_LENGTH + 1)})
    assert response.status_code == 200
    assert f"Ensure this value has at most {BIO_MAX_LENGTH} characters" in response.content.decode()
    assert Profile.objects.values_list("display_name", "bio").get(user=user) == ("Ada", "Short.")
    # Exactly the limit, in characters (not bytes), is accepted.
    exactly = client.post(EDIT, {"display_name": "Ada", "bio": "é" * BIO_MAX_LENGTH})
    assert exactly.status_code == 302
    assert Profile.objects.get(user=user).bio == "é" * BIO_MAX_LENGTH


# What the browser's maxlength="2000" lets through: 23 lines of 86 letters, each
# line break one character to it. The form submits each as CR LF.
TYPED = "\r\n".join(["x" * 86] * 23)


def test_a_bio_the_browser_let_through_is_taken_with_its_line_breaks_counted_once(client):
    assert len(TYPED.replace("\r\n", "\n")) == BIO_MAX_LENGTH
    user = UserFactory(profile__display_name="Ada")
    client.force_login(user)
    response = client.post(EDIT, {"display_name": "Ada", "bio": TYPED})
    assert response.status_code == 302
    assert Profile.objects.get(user=user).bio == TYPED.replace("\r\n", "\n")


def test_the_admin_counts_a_bio_the_same_way(admin_client):
    profile = UserFactory(profile__display_name="Ada").profile
    response = admin_client.post(
        f"/admin/accounts/profile/{profile.pk}/change/",
        {"display_name": "Ada", "bio": TYPED, "company": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    profile.refresh_from_db()
    assert profile.bio == TYPED.replace("\r\n", "\n")


def test_the_database_refuses_a_longer_bio_from_any_path():
    profile = UserFactory().profile
    with pytest.raises(IntegrityError), transaction.atomic():
        Profile.objects.filter(pk=profile.pk).update(bio="x" * (BIO_MAX_LENGTH + 1))


def migrate(target: tuple[str, str]):
    """Migrate the test database to `target`; return the app registry as it stands there."""
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


def test_the_migration_cuts_existing_longer_bios_to_the_limit():
    old = migrate(BEFORE)
    User, OldProfile = old.get_model("auth", "User"), old.get_model("accounts", "Profile")
    long = OldProfile.objects.create(user=User.objects.create(username="long"), bio="x" * 10**6)
    short = OldProfile.objects.create(user=User.objects.create(username="short"), bio="fine")
    # The rows' deferred foreign-key checks must run before the table is altered.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    migrate(LIMIT)

    assert Profile.objects.get(pk=long.pk).bio == "x" * BIO_MAX_LENGTH
    assert Profile.objects.get(pk=short.pk).bio == "fine"
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
