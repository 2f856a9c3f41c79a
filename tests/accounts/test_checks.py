import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from accounts.profile_auth.backends import check_select_related_paths


def messages(errors):
    return [(error.id, error.msg) for error in errors]


def test_default_paths_pass(settings):
    assert check_select_related_paths() == []
    del settings.ACCOUNTS_USER_SELECT_RELATED
    assert check_select_related_paths() == []


@pytest.mark.parametrize(
    ("paths", "message"),
    [
        (
            ("profile", "profile__compnay"),
            "ACCOUNTS_USER_SELECT_RELATED has 'profile__compnay': "
            "accounts.Profile has no field or relation named 'compnay'.",
        ),
        (
            ("groups",),
            "ACCOUNTS_USER_SELECT_RELATED has 'groups': auth.User.groups is not a foreign key "
            "or one-to-one relation, so select_related cannot follow it.",
        ),
        (
            ("profile__bio",),
            "ACCOUNTS_USER_SELECT_RELATED has 'profile__bio': accounts.Profile.bio is not a "
            "foreign key or one-to-one relation, so select_related cannot follow it.",
        ),
        (
            ("profile__company__members",),
            "ACCOUNTS_USER_SELECT_RELATED has 'profile__company__members': "
            "accounts.Company.members is not a foreign key or one-to-one relation, "
            "so select_related cannot follow it.",
        ),
    ],
)
def test_a_path_select_related_cannot_follow_is_an_error(settings, paths, message):
    settings.ACCOUNTS_USER_SELECT_RELATED = paths
    assert messages(check_select_related_paths()) == [("accounts.E002", message)]


def test_a_string_instead_of_a_list_is_an_error(settings):
    settings.ACCOUNTS_USER_SELECT_RELATED = "profile__company"
    assert messages(check_select_related_paths()) == [
        ("accounts.E001", "ACCOUNTS_USER_SELECT_RELATED is 'profile__company'.")
    ]


@pytest.mark.django_db
def test_start_up_commands_refuse_a_bad_path(settings):
    settings.ACCOUNTS_USER_SELECT_RELATED = ("profile__compnay",)
    with pytest.raises(SystemCheckError, match=r"accounts\.E002"):
        call_command("check")
    # migrate is Heroku's release phase, so a bad path stops the deploy. From the
    # command line it runs the checks first; call_command skips them unless asked.
    with pytest.raises(SystemCheckError, match=r"accounts\.E002"):
        call_command("migrate", verbosity=0, skip_checks=False)


def test_a_longer_valid_chain_passes(settings):
    settings.ACCOUNTS_USER_SELECT_RELATED = ("profile__company", "profile__user")
    assert check_select_related_paths() == []
