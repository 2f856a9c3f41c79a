from django import forms
from django.contrib.auth.forms import UserCreationForm

from accounts.models import Profile
from config.media_forms import MediaUploadFormMixin


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
    """The avatar is stored while the form validates: S3 refusing it is a form error, not a 500."""

    class Meta:
        model = Profile
        fields = ("display_name", "bio", "company", "avatar")
