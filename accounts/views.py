"""Signup, the own profile page and its edit form, and company pages.

Login and logout are Django's views with a guard on `next` (`NoLoopRedirectMixin`);
the password views are Django's own. All are wired in accounts/urls.py.
"""

import copy
import functools
import re
from urllib.parse import unquote, urljoin, urlsplit

from django.contrib import admin, messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, router, transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import ListView, TemplateView

from accounts import throttles
from accounts.demo_accounts import is_shared_login
from accounts.forms import (
    AdminPasswordChangeForm,
    LoginForm,
    PasswordChangedMeanwhile,
    PasswordResetForm,
    ProfileForm,
    SignupForm,
    take_password_turn,
)
from accounts.models import Company, Profile
from accounts.profile_auth.backends import ProfileModelBackend, dotted_path
from accounts.profiles import create_user_with_profile, profile_of
from config.adminsaves import row_went
from config.pagination import PageNumberMixin
from config.security import throttle, too_many_requests
from config.security.headers import form_methods_only


def bound_on_post(request) -> dict:
    """Form data on a POST, even an empty one: `request.POST or None` would leave a
    POST without fields (a JSON body, say) unbound, re-rendered with no errors."""
    if request.method == "POST":
        return {"data": request.POST, "files": request.FILES}
    return {}


def leads_back(request, url: str, also: tuple[str, ...] = ()) -> bool:
    """Whether a redirect to `url` would land on the view answering `request`, or on
    one of the views named in `also`.

    The URL is resolved as a browser would resolve it against the current page
    (relative forms, dot segments), then as the server would route it: percent-
    decoded, with runs of slashes read as one and a missing trailing slash added
    (APPEND_SLASH). Only paths on this request's host count.
    """
    # A dot segment may be percent-encoded (`%2e`, `.%2E`): browsers resolve it as one.
    url = re.sub(r"%2e", ".", url, flags=re.IGNORECASE)
    target = urlsplit(urljoin(request.build_absolute_uri(), url))
    if target.netloc.lower() != request.get_host().lower():
        return False
    path = re.sub("/{2,}", "/", unquote(target.path))
    candidates = [path] if path.endswith("/") else [path, path + "/"]
    for candidate in candidates:
        try:
            match = resolve(candidate)
        except Resolver404:
            continue
        if candidate is not candidates[-1] and is_admin_catch_all(match):
            # It answers every path under the admin, a slashless one with the
            # redirect to the path with the slash, as APPEND_SLASH does elsewhere.
            continue
        return match.view_name in (request.resolver_match.view_name, *also)
    return False


def is_admin_catch_all(match) -> bool:
    return getattr(match.func, "__name__", None) == admin.AdminSite.catch_all_view.__name__


class NoLoopRedirectMixin:
    """For views that take `next`: a target that would lead back to the view itself,
    or to a view named in `refused_targets`, is ignored, and the view's default
    page is used. Django's LoginView raises ValueError (a 500) for the exact path
    while logged in, and follows any other spelling of it round a redirect loop."""

    refused_targets: tuple[str, ...] = ()

    def get_redirect_url(self):
        url = super().get_redirect_url()
        return "" if url and leads_back(self.request, url, self.refused_targets) else url


# The logout pages, the site's and the admin's (accounts/urls.py): a login sent to
# one would land on a page asking to log out again.
LOGOUT_PAGES = ("accounts:logout", "accounts:admin_logout", "admin:logout")


class LoginView(NoLoopRedirectMixin, auth_views.LoginView):
    form_class = LoginForm
    refused_targets = LOGOUT_PAGES


class LogoutView(NoLoopRedirectMixin, auth_views.LogoutView):
    """Django's: a POST logs out. A GET or HEAD (an address typed, a bookmark) shows
    the page with the Log out button instead of Django's blank 405: a visit never
    logs anybody out, as a link or an image tag must not. A `next` to any logout
    page, the site's or the admin's, goes to the default page."""

    http_method_names = ["get", "head", "post"]
    refused_targets = LOGOUT_PAGES

    def get(self, request, *args, **kwargs):
        return render(request, "accounts/logout.html")


@form_methods_only
def admin_logout(request):
    """The admin's logout address: a POST is the admin's own logout; a visit (its
    login's `next`, an address typed) gets the site's logout page, where Django's
    admin answered with a blank 405. The site and the admin share one session."""
    if request.method == "POST":
        # Staff only, as the admin's own; the site's view, which refuses a `next` to
        # a logout page (the admin's took any other than its own address).
        return admin.site.admin_view(LogoutView.as_view())(request)
    return LogoutView.as_view()(request)


# The 429 pages of signup (accounts/throttles.py): a heading and a message each.
TOO_MANY_USERNAMES = (
    "Too many usernames tried",
    "Signing up from your network is paused for a while after many usernames that "
    "were taken. Try again within the hour.",
)
TOO_MANY_ACCOUNTS = (
    "Too many new accounts",
    "Creating accounts from your network is paused for a while. Try again within the hour.",
)


def signup_paused(request, page: tuple[str, str]):
    heading, message = page
    seconds = throttle.seconds_left(throttles.HOUR)
    return too_many_requests(request, seconds=seconds, heading=heading, message=message)


@form_methods_only
def signup(request):
    if request.method == "POST" and throttles.username_answers_paused(request):
        return signup_paused(request, TOO_MANY_USERNAMES)
    form = SignupForm(**bound_on_post(request))
    valid = form.is_valid()
    if form.has_error("username", "unique") and not throttles.count_taken_username(request):
        return signup_paused(request, TOO_MANY_USERNAMES)
    if valid:
        if not throttles.signup_allowed(request):
            return signup_paused(request, TOO_MANY_ACCOUNTS)
        try:
            user = create_user_with_profile(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                display_name=form.cleaned_data["display_name"],
            )
        except IntegrityError:
            # The form checked the name, but a second request (a double click) took
            # it before this one committed: nothing was written, say so on the form.
            username = get_user_model()._meta.get_field("username")
            form.add_error("username", username.error_messages["unique"])
        else:
            login(request, user, backend=dotted_path(ProfileModelBackend))
            messages.success(request, "Welcome! Your account is ready.")
            return redirect("accounts:profile")
    context = {"form": form, "title": "Sign up", "submit": "Create account"}
    return render(request, "accounts/signup.html", context)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's view for the mailed link, for active accounts only, and a 400 for a
    link that cannot be used (spent, expired, or not a link at all).

    Django sets the password of an account deactivated after the mail left, says
    "Your new password is set. Log in", and the login then fails: here its link is
    invalid, as a spent one is.
    """

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def dispatch(self, *args, **kwargs):
        response = super().dispatch(*args, **kwargs)
        if not self.validlink and response.status_code == 200:
            response.status_code = 400
        return response

    def form_valid(self, form):
        """The link checked again in the account's turn, until its password is written.

        Django checks the link before the form: one link sent from tabs or clicks at
        once passed that check in each request before the first one wrote, and each
        was told its password was set; only the last one written worked. Here the
        requests take turns (`take_password_turn`: a PostgreSQL advisory lock on the
        account's password writes, which staff's other writes to it do not wait
        for) and each reads the account again: after the first, its link is spent,
        and the page says so. Every password form takes the same turn to write, so
        staff setting the password meanwhile write theirs after the reset's."""
        with transaction.atomic(using=router.db_for_write(self.user._meta.model)):
            take_password_turn(self.user)
            again = self.get_user(self.kwargs["uidb64"])
            token = self.request.session.get(auth_views.INTERNAL_RESET_SESSION_TOKEN)
            if again is None or not self.token_generator.check_token(again, token):
                self.validlink = False
                return self.render_to_response(self.get_context_data(), status=400)
            return super().form_valid(form)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's view, with the mail off the request path and limited (accounts/throttles.py).

    Over a limit the visitor is sent to the same "check your inbox" page as
    always, and no mail leaves: the answer says nothing about the address.
    """

    form_class = PasswordResetForm

    def form_valid(self, form):
        # The address is counted by the form, once it knows whose mail it sends.
        if throttles.reset_allowed(self.request):
            return super().form_valid(form)
        return HttpResponseRedirect(self.get_success_url())


# The own profile and its form show personal data: no cache may keep them, not
# even the browser's (a shared computer's Back button after logout).
@method_decorator(never_cache, name="dispatch")
class ProfileView(LoginRequiredMixin, TemplateView):
    """The logged-in user's own profile: `user.profile` comes from the auth backend's join."""

    template_name = "accounts/profile.html"

    def get_context_data(self, **kwargs):
        profile_of(self.request.user)  # a user made without one gets it now (accounts/profiles.py)
        return super().get_context_data(shared_login=is_shared_login(self.request.user), **kwargs)


SHARED_LOGIN_PAGE = {
    "title": "Shared demo login",
    "message": (
        "This login is shared by every visitor of the demo: its password and profile "
        "stay as they are for the next one. Sign up to try this with an account of "
        "your own."
    ),
    "link": "Sign up",
}


def not_for_shared_logins(view):
    """A 403 page for the demo's shared logins (accounts/demo_accounts.py): a password
    one visitor changed logged every other out and kept them out, and the member's
    display name and avatar show on a public company page."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if is_shared_login(request.user):
            context = {**SHARED_LOGIN_PAGE, "link_url": reverse("accounts:signup")}
            return render(request, "accounts/message_page.html", context, status=403)
        return view(request, *args, **kwargs)

    return wrapper


@form_methods_only
@never_cache
@login_required
@not_for_shared_logins
def profile_edit(request):
    # Only ever the requester's own profile: no URL names another one. A copy, because
    # an invalid form still writes its values onto the instance, and the header
    # renders request.user.profile: it must keep showing what is saved.
    form = ProfileForm(**bound_on_post(request), instance=copy.copy(profile_of(request.user)))
    form.upload_request = request  # stored avatars are counted (MEDIA_UPLOAD_LIMIT)
    if form.is_valid():

        def record(saved):
            """The avatar the save replaced (config/media/forms.py), in its transaction."""
            form.instance = saved  # a row made anew has a primary key of its own
            form.save_m2m()

        saved = save_own_fields(form.save(commit=False), then=record)
        if saved is None:
            logout(request)  # staff deleted the account: nothing to save it to
            return redirect_to_login(reverse("accounts:profile"))
        messages.success(request, "Your profile is saved.")
        return redirect("accounts:profile")
    context = {"form": form, "title": "Edit your profile", "submit": "Save"}
    return render(request, "accounts/form_page.html", context)


def save_own_fields(profile, then=None) -> Profile | None:
    """Write the profile form's own fields of `profile`, and return the row written
    (one made anew where its row went); None if its account is gone. `then(row)`
    runs in the save's transaction, after the row's save: both commit, or neither.

    Its own fields only: a company staff set in the admin meanwhile stays. A row
    removed meanwhile (docs/accounts.md) is made anew with what the form holds, or
    the form is saved onto the row another request made in the same instant
    (`profile_of`, a second tab): an IntegrityError, a 500, before. A few rounds
    at most, each looking at the rows again.
    """
    fields = ProfileForm.Meta.fields
    users = get_user_model()._default_manager.filter(pk=profile.user_id)
    for _ in range(3):
        adding = profile._state.adding  # a save sets it, before its commit may fail
        try:
            with transaction.atomic():
                profile.save(update_fields=None if adding else fields)
                if then is not None:
                    then(profile)
            return profile
        except IntegrityError:  # made by another request, or its account went, meanwhile
            if not adding:
                raise
        except DatabaseError as error:  # "did not affect any rows": its row went meanwhile
            if not row_went(error):
                raise
        if not users.exists():
            return None
        made = Profile.objects.filter(user_id=profile.user_id).values_list("pk", flat=True).first()
        if made is None:  # made anew: the form's fields, nothing else of the row that went
            profile = anew(profile, fields)
        else:
            profile.pk, profile._state.adding = made, False
    raise DatabaseError(f"The profile of user {profile.user_id} kept changing while it saved.")


def anew(profile, fields) -> Profile:
    """A new row for `profile`'s user holding its `fields` alone (its stored avatar
    included), as profile_of makes a missing one: the stale copy's other columns
    (a company deleted since) are not written."""
    fresh = Profile(user_id=profile.user_id)
    for name in fields:
        setattr(fresh, name, getattr(profile, name))
    return fresh


# A page of members is a few short columns a row (for_member_list): 24 like the catalog.
MEMBERS_PER_PAGE = 24


class CompanyDetailView(PageNumberMixin, ListView):
    """A company and one page of its members.

    `?page=` is a number or `last`; anything else, or a page past the end, is a
    404, as on /products/ (Django's ListView pagination).
    """

    template_name = "accounts/company_detail.html"
    context_object_name = "members"
    paginate_by = MEMBERS_PER_PAGE

    def get_queryset(self):
        self.company = get_object_or_404(Company, slug=self.kwargs["slug"])
        return self.company.members.for_member_list()

    def get_context_data(self, **kwargs):
        return super().get_context_data(company=self.company, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's, saying so when another password was written after the current one was
    checked (staff set one meanwhile): nothing is saved, and the form asks again."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except PasswordChangedMeanwhile as refused:
            form.add_error("old_password", ValidationError(refused.message, code="meanwhile"))
            return self.form_invalid(form)


def _admin_password_change(request):
    """Django's AdminSite.password_change, with the site's form (accounts/forms.py)."""
    request.current_app = admin.site.name
    return PasswordChangeView.as_view(
        form_class=AdminPasswordChangeForm,
        success_url=reverse("admin:password_change_done", current_app=admin.site.name),
        extra_context=admin.site.each_context(request),
        template_name=admin.site.password_change_template
        or "registration/password_change_form.html",
    )(request)


# The admin's own password change page, staff only as all its pages, with the site's
# limit on wrong current passwords: Django's AdminSite serves it with its own form,
# so this URL comes first (accounts/urls.py).
admin_password_change = admin.site.admin_view(not_for_shared_logins(_admin_password_change))
# And its done page, which told a shared login its password was changed.
admin_password_change_done = admin.site.admin_view(
    not_for_shared_logins(admin.site.password_change_done)
)
