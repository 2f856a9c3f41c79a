"""Account URLs: signup and profiles, plus Django's auth views (login, logout on
POST with a page for a visit, password change and reset) rendered with this
site's templates; the reset request view is ours (its mail leaves off the
request path, and it is limited); login and logout ignore a `next` that leads
back to themselves, and login one that leads to a logout page (accounts/views.py)."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy
from django.views.decorators.cache import never_cache

from accounts import views
from accounts.forms import PasswordChangeForm, SetPasswordForm
from config.security.headers import form_methods_only

app_name = "accounts"


def form_page(title: str, submit: str, intro: str = "") -> dict[str, str]:
    return {"title": title, "submit": submit, "intro": intro}


def message_page(title: str, message: str, link: tuple[str, str] | None = None) -> dict:
    """Context of a one-message page; `link` is (url name, text) of where to go next."""
    url_name, text = link or ("home", "Back to the catalog")
    return {"title": title, "message": message, "link_url": reverse_lazy(url_name), "link": text}


urlpatterns = [
    path("accounts/signup/", views.signup, name="signup"),
    # Before the admin's own patterns (config/urls.py), which serve this path without
    # the limit on wrong current passwords.
    path(
        f"{settings.ADMIN_URL}password_change/",
        form_methods_only(views.admin_password_change),
        name="admin_password_change",
    ),
    path(
        f"{settings.ADMIN_URL}password_change/done/",
        form_methods_only(views.admin_password_change_done),
        name="admin_password_change_done",
    ),
    path(
        "accounts/login/",
        form_methods_only(
            views.LoginView.as_view(
                template_name="accounts/login.html",
                redirect_authenticated_user=True,
                extra_context=form_page("Log in", "Log in"),
            )
        ),
        name="login",
    ),
    # A POST logs out (Django 5): a link or an image tag cannot log anybody out. A
    # visit shows the page with the button (accounts/views.py).
    path("accounts/logout/", form_methods_only(views.LogoutView.as_view()), name="logout"),
    # Before the admin's own patterns, as above: a visit gets the site's logout page.
    path(f"{settings.ADMIN_URL}logout/", views.admin_logout, name="admin_logout"),
    path("accounts/profile/", views.ProfileView.as_view(), name="profile"),
    path("accounts/profile/edit/", views.profile_edit, name="profile_edit"),
    path(
        "accounts/password_change/",
        form_methods_only(
            never_cache(
                # Django's view asks for a login itself; the demo's shared ones get a 403.
                views.not_for_shared_logins(
                    views.PasswordChangeView.as_view(
                        form_class=PasswordChangeForm,
                        template_name="accounts/form_page.html",
                        success_url=reverse_lazy("accounts:password_change_done"),
                        extra_context=form_page("Change your password", "Change password"),
                    )
                )
            )
        ),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        # The shared logins change nothing, so nothing is done: a 403 as above.
        views.not_for_shared_logins(
            auth_views.PasswordChangeDoneView.as_view(
                template_name="accounts/message_page.html",
                extra_context=message_page(
                    "Password changed",
                    "Your password is changed.",
                    ("accounts:profile", "Back to your profile"),
                ),
            )
        ),
        name="password_change_done",
    ),
    path(
        "accounts/password_reset/",
        form_methods_only(
            views.PasswordResetView.as_view(
                template_name="accounts/form_page.html",
                email_template_name="accounts/password_reset_email.txt",
                subject_template_name="accounts/password_reset_subject.txt",
                success_url=reverse_lazy("accounts:password_reset_done"),
                extra_context=form_page(
                    "Reset your password",
                    "Send me a reset link",
                    "Enter the e-mail address of your account: we will send a link to set a "
                    "new password.",
                ),
            )
        ),
        name="password_reset",
    ),
    path(
        "accounts/password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="accounts/message_page.html",
            extra_context=message_page(
                "Check your inbox",
                "If an account has that address, a link to set a new password is on its way.",
            ),
        ),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        form_methods_only(
            views.PasswordResetConfirmView.as_view(
                form_class=SetPasswordForm,
                template_name="accounts/password_reset_confirm.html",
                success_url=reverse_lazy("accounts:password_reset_complete"),
                extra_context=form_page("Set a new password", "Set password"),
            )
        ),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        # The shared logins have no address to reset from: nothing was set.
        views.not_for_shared_logins(
            auth_views.PasswordResetCompleteView.as_view(
                template_name="accounts/message_page.html",
                extra_context=message_page(
                    "Password set", "Your new password is set.", ("accounts:login", "Log in")
                ),
            )
        ),
        name="password_reset_complete",
    ),
    path("companies/<slug:slug>/", views.CompanyDetailView.as_view(), name="company"),
]
