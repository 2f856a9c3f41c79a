"""Admin for companies and profiles; the profile also inline on the user page
(not on the add page: saving a new user creates its profile). Users and groups:
Django's own pages, with rights and other staff accounts (their profiles too) a
superuser's to change."""

from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models

from accounts.forms import (
    AdminLoginForm,
    AdminUserAddForm,
    AdminUserChangeForm,
    NormalizedEmail,
    TypedText,
    UserPasswordForm,
)
from accounts.models import Company, Profile
from config.adminsaves import ConflictsShownOnTheFormMixin, on_retry
from config.forms import SentWholeAdminMixin, SentWholeMixin
from config.media.admin import DiscardsUnsavedUploadsMixin, MediaVersionsAdminMixin
from config.media.forms import MediaUploadForm
from config.security.autocomplete import AutocompleteChoicesMixin
from config.security.staffonly import DeletedObjectsNamedIfSeenMixin, sees_usernames


@admin.register(Company)
class CompanyAdmin(
    ConflictsShownOnTheFormMixin,
    DeletedObjectsNamedIfSeenMixin,
    SentWholeAdminMixin,
    admin.ModelAdmin,
):
    list_display = ("name", "slug", "website")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    # A website typed without its scheme gets https://, Django 6's default (5.2 warns).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class ProfileAdminForm(SentWholeMixin, MediaUploadForm):
    """Every field of a profile may be empty: a body without them is refused whole."""


# The mixin links each avatar to its versions page and makes a storage failure on
# upload a form error: on the profile's own page and inline on the user's page.
class ProfileInline(AutocompleteChoicesMixin, MediaVersionsAdminMixin, admin.StackedInline):
    model = Profile
    form = ProfileAdminForm
    can_delete = False
    autocomplete_fields = ("company",)
    formfield_overrides = {models.TextField: {"form_class": TypedText}}


# What makes an account more than it is: a superuser's to give. Django lets anyone
# who may change users or groups edit these, which is a superuser's power under
# another name (docs/production.md, "Changing users does not make staff a superuser").
GRANTS = ("is_superuser", "groups", "user_permissions")


def outranks(request, user) -> bool:
    """Whether `user` is an account only a superuser may change or delete: a
    superuser, or another account that is staff, holds rights given directly or
    is in any group (one granting nothing may be given rights later; staff status
    switched off leaves them), whose password set by the one asking would give
    them that account's rights."""
    if request.user.is_superuser:
        return False
    if user.is_superuser:
        return True
    if user.pk == request.user.pk:
        return False
    return user.is_staff or user.groups.exists() or user.user_permissions.exists()


@admin.register(Profile)
class ProfileAdmin(
    ConflictsShownOnTheFormMixin,
    DeletedObjectsNamedIfSeenMixin,
    AutocompleteChoicesMixin,
    MediaVersionsAdminMixin,
    SentWholeAdminMixin,
    admin.ModelAdmin,
):
    # A username is half of a login: staff who may not see users get no user column,
    # field or search by it (sees_usernames), and a profile's title never is one.
    list_display = ("user", "display_name", "company")
    list_select_related = ("user", "company")
    search_fields = ("user__username", "display_name")
    form = ProfileAdminForm
    readonly_fields = ("user",)
    autocomplete_fields = ("company",)
    # The bio's line breaks counted once, as on the site's form.
    formfield_overrides = {models.TextField: {"form_class": TypedText}}

    def get_list_display(self, request):
        if sees_usernames(request):
            return self.list_display
        return ("__str__", "company")

    def get_search_fields(self, request):
        if sees_usernames(request):
            return self.search_fields
        return ("display_name",)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if sees_usernames(request) else [f for f in fields if f != "user"]

    def has_add_permission(self, request):
        return False  # every user already has one: see accounts.profiles

    def has_change_permission(self, request, obj=None):
        # A profile goes with its account: its name is shown as theirs on every page.
        if obj is not None and outranks(request, obj.user):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        """Never on the profile's own pages: a user without a profile would get a
        500 on every profile page. Deleting a user deletes its profile (CASCADE),
        and the user's delete page asks this too, for each object that goes with
        it: there the answer is Django's, the `delete_profile` permission, or
        nobody, not even a superuser, could delete a user."""
        match = request.resolver_match
        own_page = f"{self.opts.app_label}_{self.opts.model_name}_"
        if match is None or (match.url_name or "").startswith(own_page):
            return False
        return super().has_delete_permission(request, obj)


# The admin's login refuses a username no account can have (accounts/forms.py).
admin.site.login_form = AdminLoginForm

admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class UserAdmin(
    ConflictsShownOnTheFormMixin,
    DeletedObjectsNamedIfSeenMixin,
    DiscardsUnsavedUploadsMixin,
    SentWholeAdminMixin,
    auth_admin.UserAdmin,
):
    inlines = [ProfileInline]
    # "Show counts" makes a column per group of its filter in one SELECT: past
    # PostgreSQL's 1,664 a database error, for good (as the product list's).
    show_facets = admin.ShowFacets.NEVER
    # A new username taken in any case, or kept for the demo, is refused (accounts/forms.py).
    form = AdminUserChangeForm
    add_form = AdminUserAddForm
    # The password column alone is written: staff's changes meanwhile stay (accounts/forms.py).
    change_password_form = UserPasswordForm
    # The address checked as Django stores it (accounts/forms.py).
    formfield_overrides = {models.EmailField: {"form_class": NormalizedEmail}}

    def has_change_permission(self, request, obj=None):
        # The password page asks this too: a 403 there, the change page read-only.
        if obj is not None and outranks(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and outranks(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return fields if request.user.is_superuser else (*fields, *GRANTS)

    def get_inlines(self, request, obj):
        # On the add page the profile does not exist yet: saving the user creates
        # it (accounts.profiles.create_profile), and a second one would collide.
        return self.inlines if obj else []

    def user_change_password(self, request, *args, **kwargs):
        # As the other pages that save (config/adminsaves.py): in one transaction,
        # run again on a lost race. The password was committed before the history
        # row, whose foreign key then failed for staff deleted meanwhile: a 500.
        view = self._in_one_transaction(super().user_change_password, before=_keep_session_key)
        return self._run_again_on_conflict(view, request, *args, **kwargs)


def _keep_session_key(request) -> None:
    """Django gives the session a new key after a password is set, in memory and in
    the transaction: rolled back, the session keeps the key it had."""
    key = request.session.session_key
    on_retry(request, lambda: setattr(request.session, "_session_key", key))


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(
    ConflictsShownOnTheFormMixin,
    DeletedObjectsNamedIfSeenMixin,
    SentWholeAdminMixin,
    auth_admin.GroupAdmin,
):
    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return fields if request.user.is_superuser else (*fields, "permissions")

    def has_delete_permission(self, request, obj=None):
        # Deleting a group takes its rights from everyone in it: a superuser's to do,
        # like giving them. The list's "delete selected" asks this of each group.
        if obj is not None and not request.user.is_superuser and obj.permissions.exists():
            return False
        return super().has_delete_permission(request, obj)
