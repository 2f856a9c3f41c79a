"""Where profiles come from: every user gets one, however the user was created.

The receiver below makes it when the user is saved. A few ways of making users
pass it by: `loaddata` of a fixture of users alone (a raw save), `bulk_create`,
or a profile deleted in a shell or with SQL. For those the auth backend, which
loads the user of every logged-in request with the profile joined, makes the
missing one (`mend_missing_profile`): the next page works instead of failing.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from accounts.models import Profile


def create_profile(sender, instance, created, raw=False, **kwargs):
    """post_save receiver for the user model: the one place a profile is created.

    It covers signup, the admin, `createsuperuser` and `create_user` alike. Fixture
    loading (`raw`) is skipped: a fixture brings its own profiles.
    """
    if created and not raw:
        Profile.objects.create(user=instance)


# The reverse side of Profile.user: where `user.profile` is cached on a user.
_PROFILE = Profile._meta.get_field("user").remote_field


def _joined_and_missing(user: AbstractBaseUser) -> bool:
    """Whether the user's query joined the profile and found no row. A user loaded
    without the join is left alone: asking would cost a query on every request."""
    return _PROFILE.is_cached(user) and _PROFILE.get_cached_value(user) is None


def mend_missing_profile(user: AbstractBaseUser) -> None:
    """Make the profile of a user loaded with it joined and found without one, and
    cache it on the user. Two requests at once make one row (get_or_create)."""
    if _joined_and_missing(user):
        profile, _ = Profile.objects.get_or_create(user=user)
        _PROFILE.set_cached_value(user, profile)


async def amend_missing_profile(user: AbstractBaseUser) -> None:
    """`mend_missing_profile` for async code."""
    if _joined_and_missing(user):
        profile, _ = await Profile.objects.aget_or_create(user=user)
        _PROFILE.set_cached_value(user, profile)


@transaction.atomic
def create_user_with_profile(
    *, username: str, email: str, password: str, display_name: str = ""
) -> AbstractBaseUser:
    """Sign a user up: the user and the profile are written together, or not at all."""
    user = get_user_model().objects.create_user(username=username, email=email, password=password)
    if display_name:
        # The receiver above created the profile and cached it on the user.
        user.profile.display_name = display_name
        user.profile.save(update_fields=["display_name"])
    return user
