"""Signup (a user and its profile's display name), the profile edit form, whose
avatar is checked by content and stored on the media bucket safely, and the
password forms: the reset request's mail leaves off the request path, setting a
new password through a reset link lifts a pause on the account's logins, and the
password change form checks at most 10 wrong current passwords an hour."""

from functools import partial

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError

from accounts import throttles
from accounts.mail import outbox
from accounts.models import Profile
from config.media.forms import MediaUploadFormMixin


class SignupForm(UserCreationForm):
    """Username, e-mail, display name and password (twice), checked by Django's validators."""

    email = forms.EmailField(help_text="Where a password reset link would be sent.")
    display_name = forms.CharField(
        max_length=Profile._meta.get_field("display_name").max_length,
        required=False,
        help_text="Shown on the site instead of your username (optional).",
    )

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")


class ProfileForm(MediaUploadFormMixin, forms.ModelForm):
    """Name, bio and avatar of the requester's own profile.

    Not the company: membership shows on the company's public page, so the
    company (or staff, in the admin) grants it; a member cannot pick one. A POST
    that sends `company` anyway changes nothing (a ModelForm ignores fields it
    does not list).

    The avatar is checked by its content while the fields are cleaned
    (config/media/uploads.py), and stored on the media bucket only after every check
    passed (config/media/forms.py): a refused file is never stored, and a storage
    failure is a form error, so the view never saves a row pointing at nothing.
    """

    class Meta:
        model = Profile
        fields = ("display_name", "bio", "avatar")


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form, with the mail handed to a mail thread (accounts/mail.py).

    Django sends the mail inside the request: a registered address waited for the
    mail server (half a second and more) where an unknown one answered at once,
    so the response time told which addresses have accounts. Now both answer
    after the same lookup; rendering and sending happen on the mail thread, and
    Django's `send_mail` still logs a failed send there.
    """

    def send_mail(self, *args, **kwargs):
        outbox.submit(partial(super().send_mail, *args, **kwargs), "a password reset mail")


class SetPasswordForm(auth_forms.SetPasswordForm):
    """Django's form for the reset link's new password; setting it also lifts a
    pause on the account's logins (accounts/throttles.py): whoever holds the
    link reads the account's mail, so it is the owner."""

    def save(self, commit=True):
        user = super().save(commit)
        throttles.clear_login_failures(user.get_username())
        return user


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form, checking at most PASSWORD_CHANGE_FAILURES_PER_ACCOUNT wrong
    current passwords an hour (accounts/throttles.py): each check is a password hash,
    about half a second of CPU, and nothing else bounded a member's attempts."""

    def clean_old_password(self):
        if not throttles.password_change_allowed(self.user):
            raise ValidationError(
                "Too many wrong passwords: changing it is paused for up to an hour. "
                "Wait, or log out and reset your password by e-mail.",
                code="too_many_attempts",
            )
        try:
            return super().clean_old_password()
        except ValidationError:
            throttles.count_password_change_failure(self.user)
            raise
