"""Where profiles come from: every user gets one, however the user was created."""

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
