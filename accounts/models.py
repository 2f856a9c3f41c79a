"""Companies and profiles: every user has exactly one Profile (`user.profile`),
created by the receiver in accounts/profiles.py however the user was made."""

from django.conf import settings
from django.db import models
from django.db.models import Value
from django.db.models.functions import Length, NullIf
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse

from config.media.uploads import ImageUploadField
from config.names import is_name, validate_name

# A few paragraphs (about 300 words) of "about me". The auth
# backend joins the profile on every logged-in request, bio included, and the
# profile page shows it: the cap bounds both (8 KB at most in UTF-8).
BIO_MAX_LENGTH = 2000

# What public pages call a member who has no display name: never the username,
# which is half of what a login needs.
UNNAMED_MEMBER = "Member"


class ProfileQuerySet(models.QuerySet):
    def for_member_list(self):
        """Profiles as a public member list shows them: display name and avatar only,
        of active accounts.

        A deactivated account (`is_active` off, what Django advises instead of
        deleting one) is not listed: the join to the user reads that flag alone,
        never the username, which is not shown in public. No bio: a page of
        members loads a few short columns per row, whatever the profiles hold.
        Named members first, A to Z, then the unnamed ones by age. The company's
        id comes along so that `company.members.for_member_list()` does not fetch
        it row by row (a related manager reads it off each row).
        """
        return (
            self.filter(user__is_active=True)
            .only("display_name", "avatar", "company")
            .order_by(NullIf("display_name", Value("")).asc(nulls_last=True), "pk")
        )


class Company(models.Model):
    name = models.CharField(max_length=200, validators=[validate_name])
    slug = models.SlugField(max_length=200, unique=True)
    website = models.URLField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("accounts:company", kwargs={"slug": self.slug})


class Profile(models.Model):
    """What the site knows about a user beyond authentication; every user has one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    # A name that shows something and reorders nothing around it (config/names.py).
    display_name = models.CharField(max_length=100, blank=True, validators=[validate_name])
    bio = models.TextField(blank=True, max_length=BIO_MAX_LENGTH)
    avatar = ImageUploadField(upload_to="avatars/", blank=True)
    company = models.ForeignKey(
        Company, on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )

    objects = ProfileQuerySet.as_manager()

    class Meta:
        constraints = [
            # A TextField's max_length binds forms only; this binds every writer.
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("bio"), BIO_MAX_LENGTH),
                name="accounts_profile_bio_max_length",
                violation_error_message=f"A bio may be at most {BIO_MAX_LENGTH:,} characters.",
            )
        ]

    def __str__(self):
        """What the admin calls a profile (its titles, its log): the display name, or
        its number, never the username, which staff who may not see users would
        read there (accounts/admin.py)."""
        return self.given_name or f"{UNNAMED_MEMBER} {self.pk}"

    @property
    def name(self) -> str:
        """The name shown to the user themselves: the display name, or else the username."""
        return self.given_name or self.user.get_username()

    @property
    def public_name(self) -> str:
        """The name shown to everyone else: the display name, never the username."""
        return self.given_name or UNNAMED_MEMBER

    @property
    def given_name(self) -> str:
        """The display name, or "" when it is no name to show: one stored before names
        were checked, or past the forms, that shows nothing or turns the text around it
        (config/names.py)."""
        name = self.display_name
        return name if name and is_name(name) else ""
