"""Signup (a user and its profile's display name), the profile edit form, whose
avatar is checked by content and stored on the media bucket safely, and the
password forms: the reset request's mail leaves off the request path, setting a
new password through a reset link lifts a pause on the account's logins, and the
password change forms (the site's and the admin's) check at most 10 wrong current
passwords an hour."""

import logging
import smtplib
from functools import partial
from operator import attrgetter
from typing import NamedTuple

from django import forms
from django.conf import settings
from django.contrib.admin import forms as admin_forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import MaxLengthValidator
from django.db import DatabaseError, connections, router, transaction
from django.http import Http404
from django.http.request import split_domain_port
from django.template.loader import render_to_string

from accounts import throttles, usernames
from accounts.addresses import addressable, as_written, validate_addressable
from accounts.demo_accounts import is_reserved
from accounts.mail import outbox
from accounts.models import Profile
from config.adminsaves import row_went
from config.forms import SentWholeMixin
from config.media.forms import MediaUploadFormMixin
from config.names import validate_name

logger = logging.getLogger(__name__)


class NormalizedEmail(forms.EmailField):
    """An address as Django stores a user's, its domain in lower case, checked as stored,
    and one mail can be sent to.

    Django lowercases the domain after the form checked the length
    (`AbstractUser.clean()`, `create_user()`), and lower case can be longer: "İ"
    is two characters. A 254-character address became 255, which the user table
    refused: a 500 on signup and on the admin's user page.

    Django's address check takes any character from U+00A1 up in a domain, and
    letters its pattern matches without regard to case (the Kelvin sign) before
    the @; mail to some such addresses cannot even be written (a domain the IDNA
    codec refuses), and the rest would go to another address. No password reset
    link could reach them.
    """

    def run_validators(self, value):
        super().run_validators(value)  # Django's address check and the length first:
        if value not in self.empty_values:  # the mail check parses what they passed
            validate_addressable(value)

    def to_python(self, value):
        value = super().to_python(value)
        if self.max_length is not None and len(value) > self.max_length:
            return value  # refused as typed, not parsed: see accounts/addresses.py `written`
        return as_written(BaseUserManager.normalize_email(value)) if value else value


class NewUsernameMixin:
    """A username given or changed on signup or the admin's user pages is refused when
    another account has it in any case ("Root" beside "root", "WEIẞ" beside "weiß", in
    every list and log: accounts/usernames.py) or when the demo's shared logins keep
    it (one a visitor signed up with before the seed ran would have been taken for a
    shared login: accounts/demo_accounts.py), or when it shows nothing: Django's
    validator takes a Hangul filler for a letter, and the admin's lists then had a
    link no one could see (config/names.py). A name left as it is on an account's
    page is kept as stored, whatever it is (UnchangedAsStoredMixin)."""

    def clean_username(self):
        if "username" in getattr(self, "kept_fields", ()):  # left as it is
            return self.cleaned_data["username"]
        # Django's own check first, where the form has it (None when it is taken).
        clean = getattr(super(), "clean_username", lambda: self.cleaned_data.get("username"))
        username = clean()
        if not username or "username" not in self.changed_data:
            return username
        validate_name(username)
        others = self._meta.model._default_manager.exclude(pk=self.instance.pk)
        if others.filter(username__iexact=username).exists() or usernames.taken(others, username):
            raise ValidationError(
                self.instance.unique_error_message(self._meta.model, ["username"])
            )
        if is_reserved(username):
            raise ValidationError(
                "This username is kept for the demo's shared logins.", code="reserved"
            )
        return username


class SignupForm(NewUsernameMixin, UserCreationForm):
    """Username, e-mail, display name and password (twice), checked by Django's validators."""

    email = NormalizedEmail(
        max_length=get_user_model()._meta.get_field("email").max_length,
        help_text="Where a password reset link would be sent.",
    )
    display_name = forms.CharField(
        max_length=Profile._meta.get_field("display_name").max_length,
        required=False,
        help_text="Shown on the site instead of your username (optional).",
        validators=[validate_name],
    )

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")


class AdminUserAddForm(NewUsernameMixin, auth_forms.AdminUserCreationForm):
    pass


class UnchangedAsStoredMixin:
    """On an account's change page, a name or address posted as the account has it is
    taken and saved as stored, without the field's checks or the model's. Checks that came
    after it was stored (a name the validators refuse, or one longer than 150
    characters in NFKC; an address mail cannot reach) refused it unchanged, and
    staff could save nothing else of the account, not even deactivate it."""

    kept_as_stored = ("username", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kept_fields: set[str] = set()
        self.stored: dict[str, str] = {}
        if self.instance.pk is None:
            return
        for name in self.kept_as_stored:
            field = self.fields.get(name)
            if field is not None and not field.disabled:
                self.stored[name] = getattr(self.instance, name)
                field.clean = self._kept_or_cleaned(name, field.clean)

    def _kept_or_cleaned(self, name: str, clean):
        stored = self.stored[name]
        # What a browser posts of it: a text field's value without line breaks, an
        # e-mail field's without outer whitespace too (HTML's value sanitization).
        posted = stored.replace("\r", "").replace("\n", "") if stored else stored
        if name == "email" and posted:
            posted = posted.strip(" \t\f")

        def kept_or_cleaned(value):
            if stored and value in (stored, posted):
                self.kept_fields.add(name)
                return stored
            return clean(value)

        return kept_or_cleaned

    def _get_validation_exclusions(self):
        return super()._get_validation_exclusions() | self.kept_fields

    @property
    def changed_data(self):
        """Django's, but a kept field: the admin's history said a name had changed
        when it was kept as stored. Not cached, as Django's is: a field read while the
        form is cleaned (clean_username) may be kept only later (the address)."""
        return [
            name
            for name, bound in self._bound_items()
            if name not in self.kept_fields and bound._has_changed()
        ]

    def _post_clean(self):
        super()._post_clean()
        # The model's clean() wrote them again (a name in NFKC, an address's domain in
        # lower case, where "\u0130" is two characters: 255 of them, a 500): as stored.
        for name in self.kept_fields:
            setattr(self.instance, name, self.stored[name])


class AdminUserChangeForm(UnchangedAsStoredMixin, NewUsernameMixin, auth_forms.UserChangeForm):
    pass


class TypedText(forms.CharField):
    """A textarea's text with each line break counted once, as the browser counted it.

    A form submits every line break as CR LF, and Django keeps both: a bio that
    the textarea's maxlength took (each break one character to it) was refused
    as too long, and stored bios spent the limit on CRs. Here they are LF.
    """

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n") if value else value


class ProfileForm(SentWholeMixin, MediaUploadFormMixin, forms.ModelForm):
    """Name, bio and avatar of the requester's own profile.

    Not the company: membership shows on the company's public page, so the
    company (or staff, in the admin) grants it; a member cannot pick one. A POST
    that sends `company` anyway changes nothing (a ModelForm ignores fields it
    does not list).

    A body that leaves out a field the page sends is refused whole (config/forms.py):
    every field may be empty, and a script's JSON posted as a form was saved as an
    empty profile.

    The avatar is checked by its content while the fields are cleaned
    (config/media/uploads.py), and stored on the media bucket only after every check
    passed (config/media/forms.py): a refused file is never stored, and a storage
    failure is a form error, so the view never saves a row pointing at nothing.
    """

    class Meta:
        model = Profile
        fields = ("display_name", "bio", "avatar")
        field_classes = {"bio": TypedText}


def site_origin(request) -> tuple[str, str]:
    """Scheme and host (with its port, where not the scheme's own) of the site, for
    a link mailed from `request`: where the site really is, not what the client says.

    The host is the one the request named, which Django checked against
    ALLOWED_HOSTS; its port is never the Host header's (Django checks the name
    alone, so `Host: example.com:99999` passed, and the mail to an account's owner
    linked to a port a stranger chose). In development the server is reached
    straight: the scheme and port of the connection itself (the demo's
    http and 8000), whatever X-Forwarded-Proto says. In production the site is
    behind Heroku's router, which serves the scheme's own port (443; 80 for plain
    HTTP, which the site redirects): no port. X-Forwarded-Port is not read: a
    proxy that passes a client's header on would make the port the client's again.
    """
    domain, _ = split_domain_port(request.get_host())  # lower case, no trailing dot
    if settings.DEVELOPMENT:
        scheme = request.environ.get("wsgi.url_scheme", request.scheme)
        default = "443" if scheme == "https" else "80"
        port = str(request.META.get("SERVER_PORT") or default)
    else:
        scheme = "https" if request.is_secure() else "http"
        port = default = "443" if scheme == "https" else "80"
    return scheme, domain if port == default else f"{domain}:{port}"


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form, with one mail per request handed to a mail thread (accounts/mail.py).

    Django sends the mail inside the request: a registered address waited for the
    mail server (half a second and more) where an unknown one answered at once,
    so the response time told which addresses have accounts. Now both answer
    after the same lookup and the limits' counts (below); rendering and sending
    happen on the mail thread. What the counts cost still differs by a few
    milliseconds (docs/accounts.md).

    Django also sends one mail per account registered with the address, and
    signup does not make addresses unique: a stranger who signed up fifty
    accounts with someone's address had each reset request send fifty mails,
    past the limit of five an hour per address (accounts/throttles.py). A
    request now sends one mail, with a part per account: Django's own text for
    each, one after the other.

    Django matches the address case-insensitively and mails each account's own
    stored spelling, and fifty spellings (ada@, ADA@, aDa@...) were fifty mails.
    A request mails the oldest account's spelling, and the one typed when another
    account has it, each the accounts stored under it in a mail of its own: each
    link still goes only to its account's own address (two spellings may be two
    mailboxes). The limits are counted here, once the accounts mailed are known:
    the oldest account's mail has an allowance of its own, which no stranger's
    spelling uses up (accounts/throttles.py).
    """

    def get_users(self, email):
        # As an account stores it: the domain in lower case, no quotes mail drops.
        typed = as_written(BaseUserManager.normalize_email(email))
        users = sorted(super().get_users(typed), key=attrgetter("pk"))
        addresses = [getattr(user, user.get_email_field_name()) for user in users]
        # Each spelling mailed is counted (accounts/throttles.py): the oldest
        # account's on its own count, the one typed, when another account has it,
        # on the count the others share. An unknown address is counted as well:
        # the same work whether the address is known.
        counted = [(addresses[0], users[0].pk)] if users else [(typed, None)]
        if typed != counted[0][0] and typed in addresses:
            counted.append((typed, None))
        allowed = {
            spelling for spelling, first in counted if throttles.reset_mail_allowed(spelling, first)
        }
        return [user for user, address in zip(users, addresses, strict=True) if address in allowed]

    def save(self, *args, **kwargs):
        self.parts = []
        request = kwargs.get("request")
        if request is not None and not kwargs.get("domain_override"):
            # Django's is the Host header as sent, its port the client's choice.
            scheme, kwargs["domain_override"] = site_origin(request)
            kwargs["use_https"] = scheme == "https"
        super().save(*args, **kwargs)  # calls send_mail() once per account
        by_address = {}  # one mail for each spelling mailed (two at most), in order
        for part in self.parts:
            by_address.setdefault(part.to_email, []).append(part)
        for parts in by_address.values():
            outbox.submit(partial(send_in_one_mail, parts), "a password reset mail")

    def send_mail(self, *args, **kwargs):
        self.parts.append(MailPart(*args, **kwargs))


# The first key of the advisory lock a write of an account's password takes; the
# second is the account's, hashed (tests/test_advisory_locks.py lists them all).
PASSWORD_LOCK_CLASS = 0x52534554


def take_password_turn(user) -> None:
    """In a transaction: wait until no other request is writing `user`'s password (a
    reset link's use, a change, staff setting it), and hold the turn to the commit."""
    using = router.db_for_write(user._meta.model)
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [PASSWORD_LOCK_CLASS, str(user.pk)]
        )


class PasswordChangedMeanwhile(Exception):
    """A password change's current password was checked, and another was written
    before the change could write its own (accounts/views.py answers with a form
    error)."""

    message = (
        "Your password was changed meanwhile, and this change was not saved. "
        "Enter your current password again."
    )


class PasswordAloneMixin:
    """For Django's password forms: they write the password column alone.

    Such a form loads the user at the start of the request and spends a hash or
    two (about half a second each) before it saves: saving the whole row it had
    loaded undid what staff did meanwhile (a deactivation, a demotion), and
    brought back an account they deleted, with its rights and the new password.
    An account deleted meanwhile is the 404 page; nothing is made again.
    """

    def set_password_and_save(self, user, *args, commit=True, **kwargs):
        user = super().set_password_and_save(user, *args, commit=False, **kwargs)
        if commit:
            try:
                with transaction.atomic(using=router.db_for_write(user._meta.model)):
                    # After a reset link's use in flight (accounts/views.py): staff
                    # setting the password meanwhile write theirs last, not first.
                    take_password_turn(user)
                    self.refuse_if_changed_meanwhile(user)
                    user.save(update_fields=["password"])
            except DatabaseError as error:
                if not row_went(error):
                    raise
                raise Http404("The account was deleted meanwhile.") from None
        return user

    def refuse_if_changed_meanwhile(self, user):
        """In the turn: a change that checked the current password (`checked_password`,
        its hash then) is refused if another password was written since: staff who set
        one on a compromised account saw it overwritten by the holder of a session."""
        checked = getattr(self, "checked_password", None)
        if checked is None:
            return
        users = user._meta.model._default_manager  # `user` may be request.user, lazy
        stored = users.filter(pk=user.pk).values_list("password", flat=True).first()
        if stored is not None and stored != checked:
            raise PasswordChangedMeanwhile


class SetPasswordForm(PasswordAloneMixin, auth_forms.SetPasswordForm):
    """Django's form for the reset link's new password; setting it also lifts a
    pause on the account's logins (accounts/throttles.py): whoever holds the
    link reads the account's mail, so it is the owner."""

    def save(self, commit=True):
        user = super().save(commit)
        throttles.clear_login_failures(user.get_username())
        return user


class OldPasswordLimitMixin:
    """For Django's password change forms: at most PASSWORD_CHANGE_FAILURES_PER_ACCOUNT
    wrong current passwords an hour (accounts/throttles.py). Each check is a password
    hash, about half a second of CPU, and nothing else bounded a member's attempts,
    or those of whoever holds a stolen staff session."""

    def clean_old_password(self):
        # Counted before the check, so that checks sent at once each meet the bound;
        # given back when the password is right, or when none is checked.
        taken = throttles.take_password_check(self.user)
        if not taken:
            taken.give_back()
            raise ValidationError(
                "Too many wrong passwords: changing it is paused for up to an hour. "
                "Wait, or log out and reset your password by e-mail.",
                code="too_many_attempts",
            )
        try:
            old_password = super().clean_old_password()  # wrong: a ValidationError, counted
            # The hash it was checked against (upgraded by the check, if it was):
            # the write is refused if another is stored by then (PasswordAloneMixin).
            self.checked_password = self.user.password
        except DatabaseError as error:  # the hash Django upgraded, of an account deleted
            if row_went(error):
                raise Http404("The account was deleted meanwhile.") from None
            raise
        taken.give_back()
        return old_password


class PasswordChangeForm(PasswordAloneMixin, OldPasswordLimitMixin, auth_forms.PasswordChangeForm):
    """The site's password change page (/accounts/password_change/)."""


class AdminPasswordChangeForm(
    PasswordAloneMixin, OldPasswordLimitMixin, admin_forms.AdminPasswordChangeForm
):
    """The admin's own password change page (accounts/views.py, admin_password_change)."""


class UserPasswordForm(PasswordAloneMixin, auth_forms.AdminPasswordChangeForm):
    """The admin's page where staff set another account's password (UserAdmin)."""


class UsernameLengthMixin:
    """For the login forms: a username longer than the user model allows is a form
    error, as in every other form.

    Django's AuthenticationForm sets the field's max_length after building it, which
    adds no validator: any length reached authenticate() and the failed-login
    handlers, and axes' attempt log (a 255-character column) made a longer one a
    500 for anyone.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class DeletedWhileCheckedMixin:
    """For the login forms: an account staff deleted while its password was checked
    is a failed login. Django saves the upgraded hash of a password it has just
    checked (every Django release raises PBKDF2's work): for a deleted account,
    "did not affect any rows", a 500."""

    def clean(self):
        try:
            return super().clean()
        except DatabaseError as error:
            if not row_went(error):
                raise
            raise self.get_invalid_login_error() from None


class RightPasswordMixin:
    """For the login forms: a password found right gives back the failure counts its
    login took before the check (accounts/throttles.py), also when the form then
    refuses the login: the admin's, for a member. Given back on user_logged_in
    alone, 30 right passwords of a member at the admin's login paused the member's
    own logins everywhere. A deactivated account's right password is refused by the
    backend itself, as a wrong one is, and counts as a failure, as django-axes
    counts it."""

    def clean(self):
        try:
            return super().clean()
        finally:
            if self.user_cache is not None:
                throttles.give_back_login_counts(None, self.request)


class LoginForm(
    RightPasswordMixin,
    DeletedWhileCheckedMixin,
    UsernameLengthMixin,
    auth_forms.AuthenticationForm,
):
    pass


class AdminLoginForm(
    RightPasswordMixin,
    DeletedWhileCheckedMixin,
    UsernameLengthMixin,
    admin_forms.AdminAuthenticationForm,
):
    pass


class MailPart(NamedTuple):
    """The arguments Django's PasswordResetForm.send_mail takes, for one account."""

    subject_template_name: str
    email_template_name: str
    context: dict
    from_email: str | None
    to_email: str
    html_email_template_name: str | None = None


def send_in_one_mail(parts: list[MailPart]) -> None:
    """One mail for the accounts of one address, written as Django's send_mail writes
    each: the first part's subject, sender and recipient, every part's text one after
    the other, and an HTML version (`html_email_template_name`) only for a single
    account, since two HTML documents do not make one. A failed send is logged, as
    Django logs it; an address stored before the forms checked that mail can reach it
    is a warning, not an error (config/sentry.py sends errors)."""
    first = parts[0]
    if not addressable(first.to_email):
        logger.warning(
            "No password reset email: mail cannot be sent to the address of %s",
            [p.context["user"].pk for p in parts],
        )
        return
    subject = "".join(render_to_string(first.subject_template_name, first.context).splitlines())
    body = "\n\n".join(render_to_string(p.email_template_name, p.context) for p in parts)
    message = EmailMultiAlternatives(subject, body, first.from_email, [first.to_email])
    if first.html_email_template_name is not None and len(parts) == 1:
        html = render_to_string(first.html_email_template_name, first.context)
        message.attach_alternative(html, "text/html")
    account_ids = [p.context["user"].pk for p in parts]
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as refused:
        # The mailbox does not exist, or the server will not take mail for it: the
        # member's address, not a fault of the site. The exception holds the address.
        codes = sorted({code for code, _ in refused.recipients.values()})
        logger.warning(
            "Failed to send password reset email to %s: SMTPRecipientsRefused %s",
            account_ids,
            codes,
        )
    except Exception:
        logger.exception("Failed to send password reset email to %s", account_ids)
