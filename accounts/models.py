"""Companies and profiles: every user has exactly one Profile (`user.profile`),
created by the receiver in accounts/profiles.py however the user was made."""

from django.conf import settings
from django.db import models
from django.db.models import Prefetch
from django.urls import reverse

from config.uploads import ImageUploadField


class ProfileQuerySet(models.QuerySet):
    def for_member_list(self):
        """Profiles with their users, as a company page lists them: one query."""
        return self.select_related("user").order_by("user__username")


class CompanyQuerySet(models.QuerySet):
    def with_members(self):
        """Companies with their members' profiles and users: two queries, whatever the count."""
        return self.prefetch_related(
            Prefetch("members", queryset=Profile.objects.for_member_list())
        )


class Company(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    website = models.URLField(blank=True)

    objects = CompanyQuerySet.as_manager()

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
    display_name = models.CharField(max_length=100, blank=True)
    bio = models.TextField(blank=True)
    avatar = ImageUploadField(upload_to="avatars/", blank=True)
    company = models.ForeignKey(
        Company, on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )

    objects = ProfileQuerySet.as_manager()

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        """The name the site shows: the display name, or else the username."""
        return self.display_name or self.user.get_username()
