"""Where profiles come from: every user gets one, however the user was created.

The receiver below makes it when the user is saved. A few ways of making users
pass it by: `loaddata` of a fixture of users alone (a raw save), `bulk_create`,
or a profile deleted in a shell or with SQL. Code that needs the profile row
asks `profile_of(user)`, which makes a missing one; templates read
`user.profile` as usual, and a missing one shows as empty there.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

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


def profile_of(user: AbstractBaseUser) -> Profile:
    """`user.profile`, made first if the row is missing (see the module), and
    cached on the user. Two requests at once make one row (get_or_create).

    An account deleted meanwhile (by staff, between the request loading it and
    the row's insert committing: the foreign key is checked then) is Http404, the
    404 page; its next request is logged out."""
    try:
        return user.profile
    except Profile.DoesNotExist:
        try:
            profile, _ = Profile.objects.get_or_create(user=user)
        except IntegrityError:
            if user._meta.default_manager.filter(pk=user.pk).exists():
                raise
            raise Http404("This account was deleted.") from None
        _PROFILE.set_cached_value(user, profile)
        return profile


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


def record_last_login(sender, user, **kwargs):
    """Django's update_last_login as an UPDATE of that column alone: its save with
    update_fields raised DatabaseError ("did not affect any rows") for an account
    staff deleted while its password was checked, a 500 instead of a login that
    ends at the next request (the session's user is gone)."""
    user.last_login = timezone.now()
    type(user)._default_manager.filter(pk=user.pk).update(last_login=user.last_login)
